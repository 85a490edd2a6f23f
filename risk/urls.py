"""risk's pages: the risk dashboard (R2–R6) and the intraday desk (I7, I8)."""

from django.urls import path

from risk.views import intraday_desk_view, intraday_feed_view, risk_dashboard_view

urlpatterns = [
    path("dashboard/risk/", risk_dashboard_view, name="risk-dashboard"),
    path("dashboard/intraday/", intraday_desk_view, name="intraday-desk"),
    path("dashboard/intraday/feed", intraday_feed_view, name="intraday-feed"),
]
