"""The query strings of service_log's pages (core.filtersets, STYLE.md 5)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from clients.filtersets import AdvisorFilter, BranchFilter
from clients.roles import Role
from clients.scoping import sees_everything, staff_profile_of
from core.filtersets import IsoDateFilter, PageFilterSet
from service_log.models import ContactRecord, InformationCoverage, Notification, SurveyResponse

WORK_KINDS = [
    ("alerts", _("Risk alerts")), ("complaints", _("Complaints near their deadline")),
    ("follow_ups", _("Follow-ups due")), ("tasks", _("Same-day follow-ups")),
    ("no_information", _("Received no information on the last trading day")),
    ("plan", _("Contacts due this week")),
    ("onboarding", _("Onboarding calls")), ("archives", _("VIP archives to complete")),
    ("birthdays", _("VIP birthdays today")), ("tier_changes", _("Tier changes")),
]


class WorkbenchFilterSet(PageFilterSet):
    """Narrow the workbench (issue 14 item 5): a branch and an advisor among those the user may see (O), and one
    kind of work, shown whole and paged. An advisor sees only their own clients and gets no branch or advisor
    filter; a branch role gets no branch filter. Head office picks an advisor among the chosen branch's (the
    advisor filter shows once a branch is chosen, or an advisor was given): hundreds of names in one list help
    nobody."""

    branch = BranchFilter(empty_label=_("every branch"))
    advisor = AdvisorFilter(empty_label=_("every advisor"))
    kind = django_filters.ChoiceFilter(choices=WORK_KINDS, label=_("kind of work"), empty_label=_("every kind"))

    class Meta:
        model = ContactRecord
        fields = []

    def narrow(self, request) -> None:
        user, data = request.user, self.data or {}
        profile = staff_profile_of(user)
        if profile is not None and profile.role == Role.ADVISOR:
            del self.filters["advisor"]
        if not sees_everything(user):
            del self.filters["branch"]
        elif "advisor" in self.filters:
            branch, advisor = str(data.get("branch") or ""), str(data.get("advisor") or "")
            if branch.isdigit():
                self.filters["advisor"].queryset = lambda request: AdvisorFilter.scope(request).filter(
                    branch_id=branch)
            elif advisor.isdigit():
                self.filters["advisor"].queryset = lambda request: AdvisorFilter.scope(request).filter(
                    branch_id__in=AdvisorFilter.scope(request).filter(pk=advisor).values("branch_id"))
            else:
                del self.filters["advisor"]


class SurveyResultsFilterSet(PageFilterSet):
    """S8: ?survey=<name>."""

    survey = django_filters.CharFilter(label=_("survey"), max_length=100)

    class Meta:
        model = SurveyResponse
        fields = []


class CoverageFilterSet(PageFilterSet):
    """S4: ?day=YYYY-MM-DD."""

    day = IsoDateFilter(label=_("day"))

    class Meta:
        model = InformationCoverage
        fields = []


class NoticesFilterSet(PageFilterSet):
    """The pages' poll: ?after=<the last notice's id>."""

    after = django_filters.NumberFilter(label=_("after"), min_value=0)

    class Meta:
        model = Notification
        fields = []
