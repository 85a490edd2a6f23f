import django_filters
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError

from clients import pii
from clients.api.serializers import ClientSerializer
from clients.filtersets import ClientFilterSet
from clients.models import Client
from tiering.selectors import with_current_tier


class ClientWithTierSerializer(ClientSerializer):
    """The contract's client read view: the record (clients/) with its current and computed tier (T9, T11)."""

    tier = serializers.CharField(source="current_tier", default=None, allow_null=True)  # T11 override, else T9
    computed_tier = serializers.CharField(default=None, allow_null=True)

    class Meta(ClientSerializer.Meta):
        fields = [*ClientSerializer.Meta.fields, "tier", "computed_tier"]


class ClientWithTierFilterSet(ClientFilterSet):
    """`?tier=` (the current tier) on top of the client record's filters."""

    tier = django_filters.CharFilter(method="filter_tier", label=_("current tier"))

    class Meta(ClientFilterSet.Meta):
        fields = [*ClientFilterSet.Meta.fields, "tier"]

    def filter_tier(self, queryset, name, value):
        return with_current_tier(queryset).filter(current_tier=value)

    def filter_search(self, queryset, name, value):
        if pii.is_whole_personal_number(value) and self.request is not None and self.request.method == "GET":
            raise ValidationError({"search": [
                "a whole phone or ID number never goes in a URL (S9): POST it to /api/v1/clients/search"]})
        return super().filter_search(queryset, name, value)


class ClientSearchSerializer(serializers.Serializer):
    search = serializers.CharField(help_text="account number, name, last 4 phone digits, or a whole phone or ID number")
    branch = serializers.CharField(required=False)
    advisor = serializers.CharField(required=False)
    tier = serializers.CharField(required=False)
    status = serializers.ChoiceField(choices=["open", "closed"], required=False)


class ClientViewSet(viewsets.ReadOnlyModelViewSet):
    """GET /api/v1/clients/ (settlement-api.md, read endpoints), scoped to what the caller may see (O)."""

    serializer_class = ClientWithTierSerializer
    filterset_class = ClientWithTierFilterSet
    lookup_field = "account_no"

    @extend_schema(summary="Search clients by a whole phone or ID number, in the body rather than the URL (S9)",
                   request=ClientSearchSerializer, responses={200: ClientWithTierSerializer(many=True)})
    @action(detail=False, methods=["post"], url_path="search")
    def search(self, request):
        """POST /api/v1/clients/search {"search": …, and any of the list's filters}: the list's answer, paginated,
        for look-ups that must not travel in a URL (access logs, proxies, histories)."""
        body = request.data if isinstance(request.data, dict) else {}
        data = QueryDict(mutable=True)
        for name in ClientWithTierFilterSet.base_filters:
            if isinstance(body.get(name), str | int):
                data[name] = str(body[name])
        filterset = ClientWithTierFilterSet(data=data, queryset=self.get_queryset(), request=request)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def get_queryset(self):
        return with_current_tier(Client.objects.visible_to(self.request.user)).select_related(
            "branch", "advisor").order_by("account_no")
