"""tiering's pages: the tier dashboard (T12) and the contribution cards (T13–T16), with their exports."""

from django.urls import path, re_path

from tiering.views import cards_dashboard_export, cards_dashboard_view, tier_dashboard_export, tier_dashboard_view

urlpatterns = [
    path("dashboard/tiers/", tier_dashboard_view, name="tier-dashboard"),
    re_path(r"^dashboard/tiers/export\.(?P<fmt>csv|xlsx)$", tier_dashboard_export, name="tier-dashboard-export"),
    path("dashboard/cards/", cards_dashboard_view, name="cards-dashboard"),
    re_path(r"^dashboard/cards/export\.(?P<fmt>csv|xlsx)$", cards_dashboard_export, name="cards-dashboard-export"),
]
