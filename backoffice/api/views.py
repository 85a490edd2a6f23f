import django_filters
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, viewsets

from clients.api.serializers import ClientSerializer
from clients.filtersets import ClientFilterSet
from clients.models import Client
from tiering.selectors import with_current_tier


class ClientWithTierSerializer(ClientSerializer):
    """The contract's client read view: the record (clients/) with its current and computed tier (T9, T11)."""

    tier = serializers.CharField(source="current_tier", default=None)  # T11 override in force, else T9
    computed_tier = serializers.CharField(default=None)

    class Meta(ClientSerializer.Meta):
        fields = [*ClientSerializer.Meta.fields, "tier", "computed_tier"]


class ClientWithTierFilterSet(ClientFilterSet):
    """`?tier=` (the current tier) on top of the client record's filters."""

    tier = django_filters.CharFilter(method="filter_tier", label=_("current tier"))

    class Meta(ClientFilterSet.Meta):
        fields = [*ClientFilterSet.Meta.fields, "tier"]

    def filter_tier(self, queryset, name, value):
        return with_current_tier(queryset).filter(current_tier=value)


class ClientViewSet(viewsets.ReadOnlyModelViewSet):
    """GET /api/v1/clients/ (settlement-api.md, read endpoints), scoped to what the caller may see (O)."""

    serializer_class = ClientWithTierSerializer
    filterset_class = ClientWithTierFilterSet
    lookup_field = "account_no"

    def get_queryset(self):
        return with_current_tier(Client.objects.visible_to(self.request.user)).select_related(
            "branch", "advisor").order_by("account_no")
