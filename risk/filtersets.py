import django_filters
from django.utils.translation import gettext_lazy as _

from clients.filtersets import BranchFilter
from core.filtersets import PageFilterSet
from risk.models import Alert


class AlertFilterSet(django_filters.FilterSet):
    """Shared by the API and the alert pages (STYLE.md 5)."""

    account_no = django_filters.CharFilter(field_name="client__account_no", label=_("account number"))

    class Meta:
        model = Alert
        fields = ["trade_date", "kind", "status", "severity", "account_no"]


class RiskDashboardFilterSet(PageFilterSet):
    """R2–R6 the risk dashboard: ?branch=<id>, one the reader may see."""

    branch = BranchFilter()

    class Meta:
        model = Alert
        fields = []

