from rest_framework import viewsets

from tiering.api.serializers import TierAssignmentSerializer
from tiering.filtersets import TierAssignmentFilterSet
from tiering.models import TierAssignment


class TierAssignmentViewSet(viewsets.ReadOnlyModelViewSet):
    """GET /api/v1/tiers/ (settlement-api.md), scoped to what the caller may see (O)."""

    serializer_class = TierAssignmentSerializer
    filterset_class = TierAssignmentFilterSet

    def get_queryset(self):
        return (TierAssignment.objects.visible_to(self.request.user).select_related("client", "policy")
                .order_by("-month", "client__account_no"))
