"""GET /api/v1/clients/{account_no}/statements?from=&to= (settlement-api.md, read endpoints): a client's daily
statements, every field of the push, for a caller who may see the client (O); anyone else gets 404."""

import django_filters
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from clients.models import Client
from core.filtersets import IsoDateFilter
from settlement.models import DailyStatement


class StatementSerializer(serializers.ModelSerializer):
    account_no = serializers.CharField(source="client.account_no", read_only=True)

    class Meta:
        model = DailyStatement
        fields = ["account_no", "trade_date", "pre_balance", "deposit", "withdrawal", "close_profit",
                  "position_profit", "commission", "other_adjustments", "balance", "margin", "exchange_margin",
                  "available", "trade_volume", "position_volume", "margin_call", "forced_liquidation"]


class StatementFilterSet(django_filters.FilterSet):
    """`from` and `to` are inclusive trade dates, written YYYY-MM-DD (declared below: `from` is a Python keyword)."""

    class Meta:
        model = DailyStatement
        fields = []


StatementFilterSet.base_filters["from"] = IsoDateFilter(field_name="trade_date", lookup_expr="gte",
                                                        label="from (YYYY-MM-DD)")
StatementFilterSet.base_filters["to"] = IsoDateFilter(field_name="trade_date", lookup_expr="lte",
                                                      label="to (YYYY-MM-DD)")


class ClientStatementList(generics.ListAPIView):
    serializer_class = StatementSerializer
    filterset_class = StatementFilterSet

    @extend_schema(summary="A client's daily statements, newest first (?from=&to=, YYYY-MM-DD)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the filters for the schema
            return DailyStatement.objects.none()
        client = Client.objects.visible_to(self.request.user).filter(account_no=self.kwargs["account_no"]).first()
        if client is None:
            raise Http404
        return (DailyStatement.objects.visible_to(self.request.user).filter(client=client)
                .select_related("client").order_by("-trade_date"))
