"""risk's pages: the risk dashboard (R2–R6)."""

from django.urls import path

from risk.views import risk_dashboard_view

urlpatterns = [
    path("dashboard/risk/", risk_dashboard_view, name="risk-dashboard"),
]
