"""The query strings of acquisition's pages (core.filtersets, STYLE.md 5)."""

from django.utils.translation import gettext_lazy as _

from acquisition.models import Prospect, ReferrerMonth
from clients.filtersets import BranchFilter
from core.filtersets import IsoDateFilter, MonthFilter, PageFilterSet


class FunnelFilterSet(PageFilterSet):
    """S27 the funnel: the prospects first contacted from ?since= to ?until= (YYYY-MM-DD)."""

    since = IsoDateFilter(label=_("first contact from"))
    until = IsoDateFilter(label=_("first contact until"))

    class Meta:
        model = Prospect
        fields = []


class ReferrerReportFilterSet(PageFilterSet):
    """S34 the referrer report: ?month=YYYY-MM and one branch's referrers (?branch=<id>)."""

    month = MonthFilter(label=_("month (YYYY-MM)"))
    branch = BranchFilter()

    class Meta:
        model = ReferrerMonth
        fields = []
