"""The service desk's pages outside the admin: the knowledge-base report for the service centre's lead (S14), the
survey results (S15), and the public survey and suggestion pages (S15, S16)."""

import datetime

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.dates import add_months, local_month_bounds
from core.errors import DomainError
from core.exports import sections_response
from core.ratelimit import public_page_rate_limited
from service_desk import surveys
from service_desk.filtersets import PERIODS, KnowledgeReportFilterSet, KpiFilterSet, SurveyReportFilterSet
from service_desk.kpis import service_kpis_cached
from service_desk.models import Questionnaire, Ticket
from service_desk.selectors import knowledge_report
from service_desk.services import suggestion_submit


@login_required
@permission_required("service_desk.view_knowledge_report", raise_exception=True)
def knowledge_report_view(request):
    """S14: the articles used most and the questions with no article, over the last 30, 90 or 365 days, scoped."""
    days = PERIODS[KnowledgeReportFilterSet(request.GET, request=request).values(days="30")["days"]]
    since = timezone.localdate() - datetime.timedelta(days=days)
    return render(request, "service_desk/knowledge_report.html", {
        **admin.site.each_context(request), "title": _("Knowledge base: use and gaps"),
        "report": knowledge_report(request.user, since), "days": days, "periods": list(PERIODS),
    })


# S15, S16: the public pages clients open from an SMS or the website (no login; rate-limited per address) ---------

SCORES = ["1", "2", "3", "4", "5"]


def _public(request, template: str, context: dict, status: int = 200):
    return render(request, f"public/{template}", {"hotline": settings.SERVICE_HOTLINE, **context}, status=status)


def _message(request, title: str, message: str, status: int):
    return _public(request, "message.html", {"title": title, "message": message}, status=status)


@public_page_rate_limited(limit=30, per_seconds=60)
@require_http_methods(["GET", "POST"])
def survey_answer_view(request, token: str):
    """S15: the questionnaire behind a signed link, answered once, before the link expires."""
    invitation = surveys.invitation_from_token(token)
    if invitation is None:
        return _message(request, _("Link not valid"), _("This link is not valid. Please check the SMS."), 404)
    state = surveys.invitation_state(invitation)
    if state == "answered":
        return _message(request, _("Thank you"), _("This survey has been answered already. Thank you."), 410)
    if state == "expired":
        return _message(request, _("Link expired"), _("This link has expired."), 410)
    questions = list(invitation.questionnaire.questions.all())
    status = 200
    if request.method == "POST":
        try:
            surveys.survey_answer(token=token, answers=request.POST)
        except DomainError as error:
            if error.status in {404, 410}:
                return _message(request, _("Thank you"), error.message, error.status)
            for question in questions:
                question.value = request.POST.get(f"q{question.pk}", "")
                question.error = error.message if error.field == f"q{question.pk}" else ""
            status = 400
        else:
            return _message(request, _("Thank you"), _("Your answers have been received. Thank you for your time."),
                            200)
    ticket_number = Ticket.objects.get(pk=invitation.ticket_id).reference if invitation.ticket_id else ""
    return _public(request, "survey.html", {
        "title": invitation.questionnaire.title, "questionnaire": invitation.questionnaire, "questions": questions,
        "scores": SCORES, "ticket_number": ticket_number}, status=status)


@public_page_rate_limited(limit=10, per_seconds=600)
@require_http_methods(["GET", "POST"])
def suggestion_view(request):
    """S16 客户意见箱: a suggestion becomes a ticket for the service centre."""
    title = _("Suggestion box")
    values, errors = {}, {}
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in ("text", "name", "phone", "account_no")}
        try:
            ticket = suggestion_submit(**values)
        except DomainError as error:
            errors[error.field] = error.message
        else:
            return _message(request, _("Thank you"), _("Your suggestion has been received as %(number)s. The "
                                                      "service centre will look at it.") % {"number": ticket.reference},
                            200)
    return _public(request, "suggestion.html", {"title": title, "values": values, "errors": errors},
                   status=400 if errors else 200)


@login_required
@permission_required("service_desk.view_surveyinvitation", raise_exception=True)
def survey_report_view(request):
    """S15: a questionnaire's response rate and results by question and ticket category, for the user's scope."""
    questionnaires = list(Questionnaire.objects.order_by("-created_at"))
    chosen = SurveyReportFilterSet(request.GET, request=request).values(
        questionnaire=questionnaires[0] if questionnaires else None)["questionnaire"]
    return render(request, "service_desk/survey_report.html", {
        **admin.site.each_context(request), "title": _("Survey results by question"),
        "questionnaires": questionnaires, "chosen": chosen,
        "report": surveys.survey_report(request.user, chosen) if chosen else None,
    })


# S17 service KPIs -------------------------------------------------------------------------------------------------

def _kpi_month(request) -> datetime.date:
    """The month asked for; an unreadable one shows this month."""
    return KpiFilterSet(request.GET, request=request).values(month=timezone.localdate().replace(day=1))["month"]


def _number(value, places: int = 1):
    return "—" if value is None else round(value, places)


def _pair(median, p90) -> str:
    return "—" if median is None else f"{median:.0f} / {p90:.0f}"


def kpi_columns(detail: bool = False) -> list[tuple[str, object]]:
    """The scorecard's columns (minutes are service minutes, S12); the page pairs each median with its 90th
    percentile, the export (`detail`) gives each its own column."""
    times = [
        (_("first response, median (min)"), lambda card: _number(card.first_response_median)),
        (_("first response, 90th percentile (min)"), lambda card: _number(card.first_response_p90)),
        (_("resolution, median (min)"), lambda card: _number(card.resolution_median)),
        (_("resolution, 90th percentile (min)"), lambda card: _number(card.resolution_p90)),
    ] if detail else [
        (_("first response (min), median / 90th percentile"),
         lambda card: _pair(card.first_response_median, card.first_response_p90)),
        (_("resolution (min), median / 90th percentile"),
         lambda card: _pair(card.resolution_median, card.resolution_p90)),
    ]
    return [
        (_("tickets handled"), lambda card: card.handled),
        *times,
        (_("resolved within SLA"), lambda card: _number(card.sla_rate)),
        (_("tickets reopened"), lambda card: card.reopened),
        (_("ticket satisfaction"), lambda card: _number(card.ticket_satisfaction, 2)),
        (_("client satisfaction (S8)"), lambda card: _number(card.client_satisfaction, 2)),
        (_("contact plans met (S2)"), lambda card: _number(card.plan_rate)),
        (_("alert deadlines met (R6)"), lambda card: _number(card.alert_rate)),
        (_("complaints"), lambda card: card.complaints),
    ]


def _kpi_rows(cards, detail: bool = False) -> list[dict]:
    columns = kpi_columns(detail)
    return [{"card": card, "cells": [value(card) for _label, value in columns]} for card in cards]


@login_required
@permission_required("service_desk.view_service_kpis", raise_exception=True)
def service_kpis_view(request):
    """S17: the month's scorecards per member of staff, team and branch, scoped (O), with drill-down to tickets."""
    month = _kpi_month(request)
    data = service_kpis_cached(request.user, month)
    start, end = local_month_bounds(month)
    return render(request, "service_desk/kpis.html", {
        **admin.site.each_context(request), "title": _("Service KPIs"), "month": month,
        "months": [add_months(timezone.localdate().replace(day=1), -back) for back in range(12)],
        "headers": [label for label, _value in kpi_columns()], "staff": _kpi_rows(data["staff"]),
        "teams": _kpi_rows(data["teams"]), "branches": _kpi_rows(data["branches"]),
        "total": _kpi_rows([data["total"]])[0], "as_of": data["as_of"],
        "drill": f"resolved_at__gte={start:%Y-%m-%d}&resolved_at__lt={end:%Y-%m-%d}",  # local midnights
    })


@login_required
@permission_required("service_desk.view_service_kpis", raise_exception=True)
def service_kpis_export(request, fmt: str):
    """S17: what the page shows, for the same month and scope, as CSV or Excel."""
    month = _kpi_month(request)
    data = service_kpis_cached(request.user, month)
    header = [_("name"), *[label for label, _value in kpi_columns(detail=True)]]
    sections = {}
    for title, cards in [(_("staff"), data["staff"]), (_("teams"), data["teams"]), (_("branches"), data["branches"]),
                         (_("total"), [data["total"]])]:
        sections[str(title)] = [header, *[[card.name or _("total"), *row["cells"]] for card, row in
                                         ((row["card"], row) for row in _kpi_rows(cards, detail=True))]]
    return sections_response(sections, f"service-kpis-{month:%Y-%m}", fmt, request=request)
