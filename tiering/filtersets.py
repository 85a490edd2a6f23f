
import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from core.dates import parse_month
from tiering.models import TierAssignment


class MonthField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_month(value)
        except ValueError:
            raise forms.ValidationError(_("Enter a month as YYYY-MM.")) from None


class MonthFilter(django_filters.Filter):
    field_class = MonthField


class TierAssignmentFilterSet(django_filters.FilterSet):
    """Shared by GET /api/v1/tiers/ and the tier pages (STYLE.md 5)."""

    month = MonthFilter(field_name="month", label=_("month (YYYY-MM)"))
    account_no = django_filters.CharFilter(field_name="client__account_no", label=_("account number"))

    class Meta:
        model = TierAssignment
        fields = ["month", "tier", "account_no", "state"]
