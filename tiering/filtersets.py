
import django_filters
from django.utils.translation import gettext_lazy as _

from clients.filtersets import BranchFilter
from core.filtersets import MonthFilter, PageFilterSet
from tiering.models import ContributionCard, TierAssignment


class TierAssignmentFilterSet(django_filters.FilterSet):
    """Shared by GET /api/v1/tiers/ and the tier pages (STYLE.md 5)."""

    month = MonthFilter(field_name="month", label=_("month (YYYY-MM)"))
    account_no = django_filters.CharFilter(field_name="client__account_no", label=_("account number"))

    class Meta:
        model = TierAssignment
        fields = ["month", "tier", "account_no", "state"]


class TierDashboardFilterSet(PageFilterSet):
    """T12 the tier dashboard and its export: ?month=YYYY-MM&branch=<id>."""

    month = MonthFilter(label=_("month (YYYY-MM)"))
    branch = BranchFilter()

    class Meta:
        model = TierAssignment
        fields = []


class CardsDashboardFilterSet(TierDashboardFilterSet):
    """T13–T16 the contribution cards and their export: ?month=YYYY-MM&branch=<id>."""

    class Meta:
        model = ContributionCard
        fields = []

