"""service_log's pages: the workbench, notices, complaints, surveys, the service dashboard, information coverage."""

from django.urls import path

from service_log.views import (
    complaint_analysis_view,
    information_coverage_view,
    notice_open_view,
    notices_view,
    service_dashboard_view,
    survey_results_view,
    workbench_view,
)

urlpatterns = [
    path("workbench/", workbench_view, name="workbench"),
    path("notices/", notices_view, name="notices"),
    path("notices/<int:notice_id>/", notice_open_view, name="notice-open"),
    path("complaints/analysis/", complaint_analysis_view, name="complaint-analysis"),
    path("surveys/results/", survey_results_view, name="survey-results"),
    path("dashboard/service/", service_dashboard_view, name="service-dashboard"),
    path("dashboard/information/", information_coverage_view, name="information-coverage"),
]
