"""GET /api/v1/settlement/visits?from=&to=&trigger= (settlement-api.md "Return-visit results", domain.md A6): the
return visits finished in the period, for the counter, which activates a new account once its visit is successful.
Only a settlement:write token reads it (the counter serves every branch); paginated as the read endpoints are."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from core.filtersets import IsoDateFilter
from settlement.api.authentication import SettlementWrite
from visits.models import ReturnVisit, Trigger


class VisitResultSerializer(serializers.ModelSerializer):
    account_no = serializers.CharField(source="client.account_no", read_only=True)
    outcome = serializers.CharField(source="status", read_only=True)

    class Meta:
        model = ReturnVisit
        fields = ["account_no", "trigger", "outcome", "finished_at"]


class VisitResultFilterSet(django_filters.FilterSet):
    """`from` and `to` are inclusive dates (YYYY-MM-DD) of the finishing time in Asia/Shanghai; `trigger` one of
    domain.md A5's (declared below: `from` is a Python keyword)."""

    trigger = django_filters.ChoiceFilter(choices=Trigger.choices)

    class Meta:
        model = ReturnVisit
        fields = []


VisitResultFilterSet.base_filters["from"] = IsoDateFilter(field_name="finished_at", lookup_expr="date__gte",
                                                          label="from (YYYY-MM-DD)")
VisitResultFilterSet.base_filters["to"] = IsoDateFilter(field_name="finished_at", lookup_expr="date__lte",
                                                        label="to (YYYY-MM-DD)")


class VisitResultList(generics.ListAPIView):
    permission_classes = [SettlementWrite]
    serializer_class = VisitResultSerializer
    filterset_class = VisitResultFilterSet

    @extend_schema(summary="Return visits finished in a period, for the counter (?from=&to=&trigger=)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return (ReturnVisit.objects.exclude(status=ReturnVisit.Status.OWED).select_related("client")
                .order_by("finished_at", "pk"))
