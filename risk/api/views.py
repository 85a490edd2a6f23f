from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import error_response
from core.dates import parse_iso_date
from core.errors import request_error
from risk.api.serializers import AlertSerializer
from risk.filtersets import AlertFilterSet
from risk.models import INTRADAY_KINDS, Alert
from settlement.api.authentication import SettlementWrite
from settlement.intraday import snapshot_status


class AlertViewSet(viewsets.ReadOnlyModelViewSet):
    """GET /api/v1/alerts/ (settlement-api.md), scoped to what the caller may see (O)."""

    serializer_class = AlertSerializer
    filterset_class = AlertFilterSet

    def get_queryset(self):
        return (Alert.objects.visible_to(self.request.user).select_related("client", "assigned_to")
                .order_by("-trade_date", "id"))


class SnapshotStatusView(APIView):
    """GET /api/v1/settlement/snapshots/{trading_day} (settlement-api.md v1.1): the last sequence, its taken_at, the
    accounts held, whether it is evaluated, and the intraday alerts raised so far that day (I8)."""

    permission_classes = [SettlementWrite]

    @extend_schema(summary="Status of a trading day's intraday snapshots", responses={200: OpenApiTypes.OBJECT})
    def get(self, request, trading_day):
        try:
            day = parse_iso_date(trading_day)
        except ValueError:
            return error_response(request_error(422, "trading_day", "invalid", "trading_day must be YYYY-MM-DD"))
        alerts = (Alert.objects.filter(trade_date=day, kind__in=INTRADAY_KINDS).select_related("client")
                  .order_by("raised_at", "id"))
        return Response({**snapshot_status(day), "alerts": [{
            "id": alert.pk, "account_no": alert.client.account_no, "kind": alert.kind, "product": alert.product,
            "severity": alert.severity, "status": alert.status,
            "raised_at": timezone.localtime(alert.raised_at).isoformat(),
            "eased_at": timezone.localtime(alert.eased_at).isoformat() if alert.eased_at else None,
        } for alert in alerts]})
