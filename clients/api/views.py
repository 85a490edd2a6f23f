from rest_framework import viewsets

from clients.api.serializers import ClientSerializer
from clients.filtersets import ClientFilterSet
from clients.models import Client


class ClientViewSet(viewsets.ReadOnlyModelViewSet):
    """GET /api/v1/clients/ (settlement-api.md, read endpoints), scoped to what the caller may see (O)."""

    serializer_class = ClientSerializer
    filterset_class = ClientFilterSet
    lookup_field = "account_no"

    def get_queryset(self):
        return (
            Client.objects.visible_to(self.request.user)
            .with_current_tier()
            .select_related("branch", "advisor")
            .order_by("account_no")
        )
