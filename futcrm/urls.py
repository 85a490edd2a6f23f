from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from acquisition.views import funnel_view, referrer_report_view, register_view
from clients.views import service_card_view
from core.api import api_aware_error_handlers
from research.views import library_publication_view, library_view, research_read_view
from risk.views import risk_dashboard_view
from service_desk.views import (
    knowledge_report_view,
    service_kpis_export,
    service_kpis_view,
    suggestion_view,
    survey_answer_view,
    survey_report_view,
)
from service_log.views import (
    complaint_analysis_view,
    information_coverage_view,
    notice_open_view,
    notices_view,
    service_dashboard_view,
    survey_results_view,
    workbench_view,
)
from tiering.views import cards_dashboard_export, cards_dashboard_view, tier_dashboard_export, tier_dashboard_view

admin.site.site_header = admin.site.site_title = "futcrm"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("dashboard/tiers/", tier_dashboard_view, name="tier-dashboard"),
    path("dashboard/risk/", risk_dashboard_view, name="risk-dashboard"),
    path("workbench/", workbench_view, name="workbench"),
    path("notices/", notices_view, name="notices"),
    path("notices/<int:notice_id>/", notice_open_view, name="notice-open"),
    path("clients/<int:client_id>/service-card/", service_card_view, name="service-card"),
    path("complaints/analysis/", complaint_analysis_view, name="complaint-analysis"),
    path("surveys/results/", survey_results_view, name="survey-results"),
    path("dashboard/service/", service_dashboard_view, name="service-dashboard"),
    path("service-desk/knowledge/", knowledge_report_view, name="knowledge-report"),
    path("surveys/questionnaires/", survey_report_view, name="survey-report"),
    path("dashboard/service-kpis/", service_kpis_view, name="service-kpis"),
    re_path(r"^dashboard/service-kpis/export\.(?P<fmt>csv|xlsx)$", service_kpis_export, name="service-kpis-export"),
    path("s/<str:token>/", survey_answer_view, name="survey-answer"),
    path("suggestions/", suggestion_view, name="suggestion-box"),
    path("r/<str:token>/", research_read_view, name="research-read"),
    path("e/<str:token>/", register_view, name="event-register"),
    path("research/library/", library_view, name="research-library"),
    path("research/library/<int:pk>/", library_publication_view, name="research-library-publication"),
    path("dashboard/information/", information_coverage_view, name="information-coverage"),
    path("dashboard/prospects/", funnel_view, name="prospect-funnel"),
    path("dashboard/referrers/", referrer_report_view, name="referrer-report"),
    re_path(r"^dashboard/tiers/export\.(?P<fmt>csv|xlsx)$", tier_dashboard_export, name="tier-dashboard-export"),
    path("dashboard/cards/", cards_dashboard_view, name="cards-dashboard"),
    re_path(r"^dashboard/cards/export\.(?P<fmt>csv|xlsx)$", cards_dashboard_export, name="cards-dashboard-export"),
    path("api/v1/", include("settlement.api.urls")),
    path("api/v1/", include("futcrm.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]

# JSON under /api/ (settlement-api.md: never an HTML page), Django's pages elsewhere.
_handlers = api_aware_error_handlers()
handler400, handler403 = _handlers["handler400"], _handlers["handler403"]
handler404, handler500 = _handlers["handler404"], _handlers["handler500"]
