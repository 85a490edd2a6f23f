from rest_framework import viewsets

from risk.api.serializers import AlertSerializer
from risk.filtersets import AlertFilterSet
from risk.models import Alert


class AlertViewSet(viewsets.ReadOnlyModelViewSet):
    """GET /api/v1/alerts/ (settlement-api.md), scoped to what the caller may see (O)."""

    serializer_class = AlertSerializer
    filterset_class = AlertFilterSet

    def get_queryset(self):
        return (Alert.objects.visible_to(self.request.user).select_related("client", "assigned_to")
                .order_by("-trade_date", "id"))
