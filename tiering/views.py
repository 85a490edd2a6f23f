"""The managers' tier dashboard (issue 4): scoped by role, drill-down to the lists, CSV and Excel export."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from clients.models import Branch
from core.dates import add_months
from core.exports import sections_response
from tiering.cards import cards_dashboard
from tiering.filtersets import CardsDashboardFilterSet, TierDashboardFilterSet
from tiering.models import Card, ContributionMonth, Tier, TierAssignment
from tiering.selectors import TIER_CODES, tier_dashboard

ADVISORS_PER_PAGE = 50  # the per-advisor table of the dashboard, a page at a time


def _selected(request):
    latest = TierAssignment.objects.visible_to(request.user).order_by("-month").values_list("month", flat=True).first()
    values = TierDashboardFilterSet(request.GET, request=request).values(
        month=latest or timezone.localdate().replace(day=1))
    return values["month"], values["branch"].pk if values["branch"] else None


def _drill(month, **filters) -> str:
    query = {"month": month.isoformat(), **{key: value for key, value in filters.items() if value is not None}}
    return reverse("admin:tiering_tierassignment_changelist") + "?" + urlencode(query)


@login_required
@permission_required("tiering.view_tierassignment", raise_exception=True)
def tier_dashboard_view(request):
    month, branch_id = _selected(request)
    dashboard = tier_dashboard(request.user, month, branch_id=branch_id)
    branch_filter = {"client__branch__id__exact": branch_id}
    for row in dashboard.per_tier:
        row["url"] = _drill(month, tier=row["tier"], **branch_filter)
    for row in dashboard.by_branch:
        row["cells"] = [(count, _drill(month, tier=code, client__branch__id__exact=row["id"]))
                        for code, count in zip(TIER_CODES, row["counts"], strict=True)]
    advisors = Paginator(dashboard.by_advisor, ADVISORS_PER_PAGE).get_page(request.GET.get("advisor_page"))
    for row in advisors.object_list:
        row["cells"] = [(count, _drill(month, tier=code, client__advisor__id__exact=row["id"], **branch_filter))
                        for code, count in zip(TIER_CODES, row["counts"], strict=True)]
    matrix = [{"from": label, "cells": [(count, _drill(month, previous_tier=TIER_CODES[i], tier=TIER_CODES[j],
                                                       **branch_filter)) for j, count in enumerate(row)]}
              for i, (label, row) in enumerate(zip(Tier.labels, dashboard.migration, strict=True))]
    chart_data = {
        "tiers": [str(label) for label in Tier.labels],
        "clients": [row["clients"] for row in dashboard.per_tier],
        "equity": [float(row["equity"]) for row in dashboard.per_tier],
        "trendMonths": dashboard.trend_months,
        "trend": [{"name": str(Tier(code).label), "data": dashboard.trend[code]} for code in TIER_CODES],
        "migration": [[j, i, count] for i, row in enumerate(dashboard.migration) for j, count in enumerate(row)],
        "words": {"tiers": _("Clients by tier"), "trend": _("Clients by tier, the last 12 months"),
                  "migration": _("Tier moves from last month"), "clients": _("clients"), "empty": _("No data yet")},
    }
    query = urlencode({"month": f"{month:%Y-%m}", **({"branch": branch_id} if branch_id else {})})
    return render(request, "tiering/dashboard.html", {
        **admin.site.each_context(request),
        "title": _("Tier dashboard"), "dashboard": dashboard, "matrix": matrix, "tier_labels": list(Tier.labels),
        "chart_data": chart_data, "month_value": f"{month:%Y-%m}", "branch_id": branch_id,
        "branches": Branch.objects.visible_to(request.user), "query": query,
        "previous_month": f"{add_months(month, -1):%Y-%m}", "advisors": advisors,
    })  # fmt: skip


def _export_rows(dashboard) -> dict[str, list[list]]:
    labels = [str(label) for label in Tier.labels]
    return {
        _("Per tier"): [[_("tier"), _("clients"), _("total average equity"), _("total average commission")]]
        + [[row["label"], row["clients"], row["equity"], row["commission"]] for row in dashboard.per_tier],
        _("By branch"): [[_("branch"), *labels, _("total")]]
        + [[row["name"], *row["counts"], row["total"]] for row in dashboard.by_branch],
        _("By advisor"): [[_("advisor"), *labels, _("total")]]
        + [[row["name"], *row["counts"], row["total"]] for row in dashboard.by_advisor],
        _("Migration"): [[_("from \\ to"), *labels]]
        + [[label, *row] for label, row in zip(labels, dashboard.migration, strict=True)],
        _("Policy by month"): [[_("months"), _("tier policy")]]
        + [[span["months"], str(span["policy"])] for span in dashboard.policy_spans],
        _("Trend"): [[_("month"), *labels]]
        + [[month, *(dashboard.trend[code][index] for code in TIER_CODES)]
           for index, month in enumerate(dashboard.trend_months)],
    }


@login_required
@permission_required("tiering.view_tierassignment", raise_exception=True)
def tier_dashboard_export(request, fmt):
    """What the dashboard shows, for the same month, branch and user scope, as CSV or Excel."""
    month, branch_id = _selected(request)
    sections = _export_rows(tier_dashboard(request.user, month, branch_id=branch_id))
    return sections_response(sections, f"tiers-{month:%Y-%m}", fmt, request=request)


# The contribution cards (issue 16 item 6, T13–T16) -----------------------------------------------------------------

def _cards_selected(request):
    latest = ContributionMonth.objects.order_by("-month").values_list("month", flat=True).first()
    values = CardsDashboardFilterSet(request.GET, request=request).values(
        month=latest or timezone.localdate().replace(day=1))
    return values["month"], values["branch"].pk if values["branch"] else None


@login_required
@permission_required("tiering.view_contributioncard", raise_exception=True)
def cards_dashboard_view(request):
    month, branch_id = _cards_selected(request)
    dashboard = cards_dashboard(request.user, month, branch_id=branch_id)
    listing = reverse("admin:tiering_contributioncard_changelist")
    for row in dashboard.per_card:
        if row["computed"]:
            row["url"] = listing + "?" + urlencode({"month": month.isoformat(), "card": row["card"],
                                                    **({"branch__id__exact": branch_id} if branch_id else {})})
    query = urlencode({"month": f"{month:%Y-%m}", **({"branch": branch_id} if branch_id else {})})
    return render(request, "tiering/cards.html", {
        **admin.site.each_context(request), "title": _("Contribution cards"), "dashboard": dashboard,
        "card_labels": [str(label) for label in Card.labels], "month_value": f"{month:%Y-%m}",
        "branch_id": branch_id, "branches": Branch.objects.visible_to(request.user), "query": query,
        "chart_data": {"cards": [row["label"] for row in dashboard.per_card],
                       "clients": [row["clients"] for row in dashboard.per_card],
                       "words": {"title": _("Clients by contribution card"), "empty": _("No data yet")}},
    })  # fmt: skip


def _cards_export_rows(dashboard) -> dict[str, list[list]]:
    labels = [str(label) for label in Card.labels]
    firm = dashboard.firm
    return {
        _("Per card"): [[_("card"), _("clients")]] + [[row["label"], row["clients"]] for row in dashboard.per_card],
        _("By branch"): [[_("branch"), *labels, _("total")]]
        + [[row["name"], *row["counts"], row["total"]] for row in dashboard.by_branch],
        _("Firm figures"): [[_("figure"), _("value")]] + ([
            [_("policy"), str(firm.policy)], [_("last trading day used"), firm.last_day.isoformat()],
            [_("clients"), firm.clients], [_("the firm's period-end equity"), firm.total_equity],
            [_("average period-end equity"), firm.average_equity],
            [_("average commission"), firm.average_commission],
            [_("average profit-rate deviation"), firm.average_stability]] if firm else []),
    }


@login_required
@permission_required("tiering.view_contributioncard", raise_exception=True)
def cards_dashboard_export(request, fmt):
    """What the cards dashboard shows, for the same month, branch and scope, as CSV or Excel."""
    month, branch_id = _cards_selected(request)
    return sections_response(_cards_export_rows(cards_dashboard(request.user, month, branch_id=branch_id)),
                              f"cards-{month:%Y-%m}", fmt, request=request)
