"""visits' pages: a return visit being made (A5), the month's figures and sample (A6)."""

from django.urls import path

from visits.views import visit_sample_view, visit_view, visits_dashboard_view

urlpatterns = [
    path("visits/<int:visit_id>/", visit_view, name="return-visit"),
    path("visits/sample/", visit_sample_view, name="visit-sample"),
    path("dashboard/visits/", visits_dashboard_view, name="visits-dashboard"),
]
