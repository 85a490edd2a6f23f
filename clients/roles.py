"""The six roles of domain O and what each may do. Groups named after the role codes are created by migration
0002 from ROLE_PERMISSIONS; the row scope each role gets is decided in clients/scoping.py."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SERVICE_STAFF = "service_staff", _("service staff")  # 客服专员
    ADVISOR = "advisor", _("investment advisor")  # 投资顾问
    RISK_OFFICER = "risk_officer", _("risk officer")  # 风控专员
    BRANCH_MANAGER = "branch_manager", _("branch manager")  # 营业部负责人
    HEAD_OFFICE = "head_office", _("head-office manager")  # 总部管理
    ANALYST = "analyst", _("analyst")  # 研究员 (S18)
    CHIEF_ANALYST = "chief_analyst", _("chief analyst")  # 首席分析师 (S18, S22)
    COMPLIANCE = "compliance", _("compliance officer")  # 合规专员 (S19)
    SETTLEMENT_SYSTEM = "settlement_system", _("settlement system")  # API only


_READ_CLIENTS = [
    "clients.view_client", "clients.view_clientarchive", "clients.view_branch", "clients.view_staffprofile",
]  # fmt: skip
_WORK_CLIENTS = [*_READ_CLIENTS, "clients.change_client", "clients.add_clientarchive", "clients.change_clientarchive"]

_CONTACTS = ["service_log.view_contactrecord", "service_log.add_contactrecord", "service_log.view_smsdelivery",
             "service_log.view_notification", "service_log.view_complaint", "service_log.add_complaint",
             "service_log.change_complaint", "service_log.view_surveyresponse", "service_log.add_surveyresponse"]
# S11: every role that serves clients works tickets; head office also edits the desk's categories, SLAs and hours.
_TICKETS = ["service_desk.view_ticket", "service_desk.add_ticket", "service_desk.change_ticket",
            "service_desk.view_ticketcategory", "service_desk.view_team", "service_desk.view_ticketcall",
            "service_desk.view_ticketevent",
            "service_desk.view_article", "service_desk.view_articleversion", "service_desk.view_surveyinvitation",
            "service_desk.view_surveyanswer", "service_desk.view_questionnaire", "service_desk.view_question"]
# S14: the service desk writes the knowledge base; the service centre's lead (head office) and the branch managers
# read what is used and what is missing.
_KB_WRITE = ["service_desk.add_article", "service_desk.change_article", "service_desk.add_articleversion"]
_KB_REPORT = ["service_desk.view_knowledge_report", "service_desk.view_service_kpis"]  # and S17's scorecards
# S15: staff see the invitations and answers of their scope (in _TICKETS); branch managers and head office invite;
# head office writes the questionnaires.
_SURVEYS_RUN = ["service_desk.add_surveyinvitation"]
_SURVEYS_WRITE = ["service_desk.add_questionnaire", "service_desk.change_questionnaire",
                  "service_desk.add_question", "service_desk.change_question", "service_desk.delete_question"]
_DESK_SETUP = ["service_desk.add_ticketcategory", "service_desk.change_ticketcategory", "service_desk.view_slatarget",
               "service_desk.add_slatarget", "service_desk.change_slatarget", "service_desk.view_servicewindow",
               "service_desk.add_servicewindow", "service_desk.change_servicewindow", "service_desk.add_team",
               "service_desk.change_team", "service_desk.reveal_caller_phone"]
# S21 and S4 coverage: every role that serves clients sees its follow-up tasks and who got no information; the
# coverage report is for the service desk, branch managers and head office.
_FOLLOW_UPS = ["service_log.view_followuptask", "service_log.view_informationgap"]
_COVERAGE = ["service_log.view_informationcoverage"]
# S18–S20: every member of staff reads the approved research and the product catalogue; analysts write, compliance
# reviews and edits the warning words and disclosures, branch managers and head office send to clients.
_RESEARCH_READ = ["research.view_publication", "research.view_publicationversion", "research.view_product",
                  "research.view_distribution", "research.view_delivery", "research.view_productinterest"]
_RESEARCH_WRITE = ["research.add_publication", "research.change_publication", "research.add_publicationversion",
                   "research.view_reviewdecision"]
_RESEARCH_REVIEW = ["research.review_publication", "research.view_reviewdecision", "research.view_pointword",
                    "research.add_pointword", "research.change_pointword", "research.view_disclosuretext",
                    "research.change_disclosuretext"]
_RESEARCH_SEND = ["research.send_publication", "research.add_distribution"]
_INTERESTS = ["research.add_productinterest", "research.delete_productinterest"]
# S22: staff who serve clients log their questions and pass the chief analyst's answers on.
_QUESTIONS = ["research.view_question", "research.add_question", "research.change_question"]
# S24–S25: those who serve clients enter prospects and move them through the funnel (scoped, O).
_PROSPECTS = ["acquisition.view_prospect", "acquisition.add_prospect", "acquisition.change_prospect",
              "acquisition.view_prospectstep", "acquisition.view_appointment", "acquisition.add_appointment",
              "acquisition.change_appointment"]
# S29–S33: those who serve clients invite, register and check in event guests, read the education records and
# the referrers, and ask for an account's attribution to change; the desk, managers and head office hold events;
# managers and head office keep the referrers and approve attribution changes (second person).
_EVENTS = ["acquisition.view_event", "acquisition.view_eventguest", "acquisition.add_eventguest",
           "acquisition.change_eventguest", "acquisition.view_educationrecord", "acquisition.view_referrer",
           "acquisition.view_attribution", "acquisition.view_attributionchange",
           "acquisition.add_attributionchange"]
_EVENTS_RUN = ["acquisition.add_event", "acquisition.change_event"]
_REFERRERS = ["acquisition.add_referrer", "acquisition.change_referrer", "acquisition.change_attributionchange",
              "acquisition.approve_attributionchange"]
# A5: the service desk makes return visits in its branch; branch managers and head office read them (an advisor
# never sees the visits of their clients: a visit asks about what the advisor did); head office writes the scripts,
# compliance approves them and reads every branch's visits (visits.models.ReturnVisitQuerySet).
_VISITS_MAKE = ["visits.view_returnvisit", "visits.change_returnvisit"]
_VISITS_READ = ["visits.view_returnvisit"]
_VISIT_SCRIPTS_WRITE = ["visits.view_visitscript", "visits.add_visitscript"]
_VISIT_SCRIPTS_APPROVE = ["visits.view_visitscript", "visits.approve_visitscript"]
# A6: compliance reviews the month's sample of every branch's visits; head office reads it.
_VISITS_REVIEW = ["visits.view_returnvisit", "visits.view_visitreview", "visits.add_visitreview"]
_RISK_LISTS = ["risk.view_keymonitoring", "risk.view_risklevel", "risk.view_marketevent"]
_READ_TIERS = ["tiering.view_tierassignment", "tiering.view_tierchange", "tiering.view_tieroverride",
               "tiering.view_contributioncard", "tiering.view_silvercard"]

# Model permissions say *what* a role may do; scoping.py says *on which rows*.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.SERVICE_STAFF: [*_WORK_CLIENTS, "clients.reveal_phone", "risk.view_alert", *_RISK_LISTS, *_READ_TIERS,
                         *_CONTACTS, *_TICKETS, *_KB_WRITE, *_FOLLOW_UPS, *_COVERAGE, *_RESEARCH_READ,
                         *_INTERESTS, *_QUESTIONS, *_PROSPECTS, *_EVENTS, *_EVENTS_RUN, *_VISITS_MAKE],
    Role.ADVISOR: [*_WORK_CLIENTS, "clients.reveal_phone", "risk.view_alert", *_RISK_LISTS, "risk.change_alert",
                   *_READ_TIERS, "tiering.add_silvercard", *_CONTACTS, *_TICKETS, *_FOLLOW_UPS, *_RESEARCH_READ,
                   *_INTERESTS, *_QUESTIONS, *_PROSPECTS, *_EVENTS],
    Role.RISK_OFFICER: [*_READ_CLIENTS, "clients.reveal_phone", "settlement.view_tradingday", "risk.view_alert",
                        *_RISK_LISTS, "risk.add_keymonitoring", "risk.change_keymonitoring",
                        "risk.view_clientriskthresholds", "risk.add_clientriskthresholds",
                        "risk.view_riskthresholdset", "risk.change_alert", *_READ_TIERS, *_CONTACTS, *_TICKETS,
                        *_FOLLOW_UPS, *_RESEARCH_READ],
    Role.BRANCH_MANAGER: [
        *_WORK_CLIENTS,
        "clients.assign_advisor",
        "clients.reveal_phone",
        "clients.reveal_id_number",
        "risk.view_alert", *_RISK_LISTS,
        "service_log.view_broadcast",
        "service_log.add_broadcast",
        "risk.change_alert",
        "risk.add_keymonitoring",
        "risk.change_keymonitoring",
        *_READ_TIERS,
        *_CONTACTS,
        *_TICKETS,
        *_KB_REPORT,
        *_SURVEYS_RUN,
        *_FOLLOW_UPS, *_COVERAGE, *_RESEARCH_READ, *_RESEARCH_SEND, *_INTERESTS, *_QUESTIONS, *_PROSPECTS,
        *_EVENTS, *_EVENTS_RUN, *_REFERRERS, *_VISITS_READ,
        "tiering.view_tierpolicy",
        "tiering.add_tieroverride",
        "tiering.add_silvercard",
        "tiering.change_silvercard",
        "tiering.view_contributionpolicy",
    ],
    Role.HEAD_OFFICE: [
        *_WORK_CLIENTS,
        "clients.assign_advisor",
        "clients.reveal_phone",
        "clients.reveal_id_number",
        "clients.view_piiaccesslog",
        "acquisition.view_prospectreveallog",
        "acquisition.view_duplicatelookup",
        "core.view_exportlog",
        "clients.add_branch",
        "clients.change_branch",
        "clients.add_staffprofile",
        "clients.change_staffprofile",
        "settlement.view_tradingday",
        "settlement.change_tradingday",
        "settlement.view_calendaryear",
        "settlement.change_calendaryear",
        "settlement.view_settlementday",
        "settlement.view_intradaysnapshot",
        "settlement.view_apitoken",
        "settlement.change_apitoken",
        "risk.view_alert", *_RISK_LISTS, "risk.add_keymonitoring", "risk.change_keymonitoring",
        "risk.view_riskthresholdset",
        "risk.add_riskthresholdset",
        "risk.change_riskthresholdset",
        "risk.view_clientriskthresholds",
        "risk.add_clientriskthresholds",
        "risk.change_clientriskthresholds",
        *_READ_TIERS,
        "tiering.view_tierpolicy",
        "tiering.add_tierpolicy",
        "tiering.change_tierpolicy",
        "tiering.add_tieroverride",
        "tiering.change_tieroverride",
        "tiering.add_silvercard",
        "tiering.change_silvercard",
        "tiering.view_contributionpolicy",
        "tiering.add_contributionpolicy",
        "tiering.change_contributionpolicy",
        "core.view_jobrun",
        "core.view_owedwork",
        "risk.change_alert",
        *_CONTACTS,
        *_TICKETS,
        "service_log.view_messagetemplate",
        "service_log.change_messagetemplate",
        "service_log.view_contactplanrule",
        "service_log.change_contactplanrule",
        "service_log.view_broadcast",
        "service_log.add_broadcast",
        *_DESK_SETUP,
        *_KB_WRITE,
        *_KB_REPORT,
        *_SURVEYS_RUN,
        *_SURVEYS_WRITE,
        *_FOLLOW_UPS, *_COVERAGE, *_RESEARCH_READ, *_RESEARCH_SEND, *_INTERESTS, *_QUESTIONS, *_PROSPECTS,
        *_EVENTS, *_EVENTS_RUN, *_REFERRERS, *_VISITS_READ, *_VISIT_SCRIPTS_WRITE, "visits.view_visitreview",
        "research.add_product", "research.change_product", "research.view_disclosuretext",
        "research.view_pointword",
    ],
    Role.ANALYST: [*_RESEARCH_READ, *_RESEARCH_WRITE],
    Role.CHIEF_ANALYST: [*_RESEARCH_READ, *_RESEARCH_WRITE, "research.add_product", "research.change_product",
                         "research.view_question", "research.answer_question"],
    Role.COMPLIANCE: [*_RESEARCH_READ, *_RESEARCH_REVIEW, *_VISIT_SCRIPTS_APPROVE, *_VISITS_REVIEW],
    Role.SETTLEMENT_SYSTEM: [],
}

# Roles whose members may log in to the admin (the settlement system uses API tokens only).
STAFF_ROLES = {Role.SERVICE_STAFF, Role.ADVISOR, Role.RISK_OFFICER, Role.BRANCH_MANAGER, Role.HEAD_OFFICE,
               Role.ANALYST, Role.CHIEF_ANALYST, Role.COMPLIANCE}


def sync_role_groups(apps, using: str = "default") -> None:
    """Make one auth group per role hold exactly ROLE_PERMISSIONS. Called after every migrate (post_migrate, see
    clients.apps) with the migrated `apps`, so the groups always hold what this module says when it runs: a change
    of ROLE_PERMISSIONS needs no migration of its own."""
    # Local: clients.models imports this module while the apps load, before auth's management code may be imported.
    from django.contrib.auth.management import create_permissions

    # auth creates each app's permissions on its own post_migrate, maybe after this one: make them all now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, permissions in ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.using(using).get_or_create(name=role)
        wanted = Q(pk__in=[])
        for permission in permissions:
            app_label, codename = permission.split(".")
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(permission_model.objects.using(using).filter(wanted))
