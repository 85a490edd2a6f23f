"""acquisition's pages: an event's public page (S30), the funnel (S27) and the referrer report (S34)."""

from django.urls import path

from acquisition.views import funnel_view, referrer_report_view, register_view

urlpatterns = [
    path("e/<str:token>/", register_view, name="event-register"),
    path("dashboard/prospects/", funnel_view, name="prospect-funnel"),
    path("dashboard/referrers/", referrer_report_view, name="referrer-report"),
]
