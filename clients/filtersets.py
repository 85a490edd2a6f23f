import django_filters
from django.utils.translation import gettext_lazy as _

from clients.models import Client


class ClientFilterSet(django_filters.FilterSet):
    """One FilterSet for clients, shared by the API and the pages (STYLE.md 5); the API adds `tier`
    (backoffice/api/views.py). `branch` and `advisor` take codes."""

    branch = django_filters.CharFilter(field_name="branch__code", label=_("branch code"))
    advisor = django_filters.CharFilter(field_name="advisor__staff_code", label=_("advisor staff code"))
    status = django_filters.ChoiceFilter(
        choices=[("open", _("active")), ("closed", _("closed"))], method="filter_status", label=_("status")
    )
    search = django_filters.CharFilter(method="filter_search", label=_("search"))

    class Meta:
        model = Client
        fields = ["branch", "advisor", "status", "search", "client_type", "investor_category", "risk_tolerance"]

    def filter_status(self, queryset, name, value):
        return queryset.open() if value == "open" else queryset.closed()

    def filter_search(self, queryset, name, value):
        return queryset.search(value)


