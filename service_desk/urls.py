"""The service desk's pages: knowledge report (S14), questionnaires (S15) and their public page, the suggestion
box (S16), the KPIs (S17)."""

from django.urls import path, re_path

from service_desk.views import (
    knowledge_report_view,
    service_kpis_export,
    service_kpis_view,
    suggestion_view,
    survey_answer_view,
    survey_report_view,
)

urlpatterns = [
    path("service-desk/knowledge/", knowledge_report_view, name="knowledge-report"),
    path("surveys/questionnaires/", survey_report_view, name="survey-report"),
    path("dashboard/service-kpis/", service_kpis_view, name="service-kpis"),
    re_path(r"^dashboard/service-kpis/export\.(?P<fmt>csv|xlsx)$", service_kpis_export, name="service-kpis-export"),
    path("s/<str:token>/", survey_answer_view, name="survey-answer"),
    path("suggestions/", suggestion_view, name="suggestion-box"),
]
