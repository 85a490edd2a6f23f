from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core import second_factor
from core.api import api_aware_error_handlers

admin.site.site_header = admin.site.site_title = "futcrm"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("account/second-factor/", second_factor.verify_view, name="second-factor"),
    path("account/second-factor/setup/", second_factor.setup_view, name="second-factor-setup"),
    # Each app's pages, from its own urls.py.
    path("", include("clients.urls")),
    path("", include("tiering.urls")),
    path("", include("risk.urls")),
    path("", include("service_log.urls")),
    path("", include("service_desk.urls")),
    path("", include("research.urls")),
    path("", include("acquisition.urls")),
    path("", include("visits.urls")),
    path("api/v1/", include("settlement.api.urls")),
    path("api/v1/", include("futcrm.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: the Content-Security-Policy allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

# JSON under /api/ (settlement-api.md: never an HTML page), Django's pages elsewhere.
_handlers = api_aware_error_handlers()
handler400, handler403 = _handlers["handler400"], _handlers["handler403"]
handler404, handler500 = _handlers["handler404"], _handlers["handler500"]
