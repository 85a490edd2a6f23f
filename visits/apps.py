from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    """Return visits (domain.md A5, docs/rules-added.md A): owed on their triggers, made by phone along a versioned
    script, read by the counter (settlement-api.md "Return-visit results")."""

    name = "visits"
    verbose_name = _("Return visits")

    def ready(self) -> None:
        from service_log.views import WORKBENCH_PANELS
        from visits.views import visits_panel

        WORKBENCH_PANELS.append(visits_panel)  # the visits due, on the service staff's workbench (A5)
