"""The API router (the roof): every read endpoint of settlement-api.md under /api/v1/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from backoffice.api.views import ClientViewSet
from risk.api.views import AlertViewSet, SnapshotStatusView
from service_desk.api.views import CallEventView
from settlement.api.reads import ClientStatementList
from tiering.api.views import TierAssignmentViewSet
from visits.api import VisitResultList

router = DefaultRouter(trailing_slash=True)
router.register("clients", ClientViewSet, basename="client")
router.register("tiers", TierAssignmentViewSet, basename="tier")
router.register("alerts", AlertViewSet, basename="alert")

urlpatterns = [
    path("service/calls", CallEventView.as_view(), name="service-calls"),
    path("settlement/snapshots/<str:trading_day>", SnapshotStatusView.as_view(), name="settlement-snapshot-day"),
    path("settlement/visits", VisitResultList.as_view(), name="settlement-visits"),
    path("clients/<str:account_no>/statements", ClientStatementList.as_view(), name="client-statements"),
    *router.urls,
]
