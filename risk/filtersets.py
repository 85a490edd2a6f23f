import django_filters
from django.utils.translation import gettext_lazy as _

from risk.models import Alert


class AlertFilterSet(django_filters.FilterSet):
    """Shared by the API and the alert pages (STYLE.md 5)."""

    account_no = django_filters.CharFilter(field_name="client__account_no", label=_("account number"))

    class Meta:
        model = Alert
        fields = ["trade_date", "kind", "status", "severity", "account_no"]
