from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    """The top floor (docs/architecture.md): the only app that composes several domain apps: the day-close and
    client-arrived workflows, the client page, the workbench, demo data and devstack."""

    name = "backoffice"
    verbose_name = _("Back office")

    def ready(self):
        # The workbench shows the session's intraday alerts (I8) beside the day's work: risk cannot reach the
        # workbench's floor (service_log), so the roof of both registers the panel.
        from risk.views import intraday_panel
        from service_log.views import WORKBENCH_PANELS

        if intraday_panel not in WORKBENCH_PANELS:
            WORKBENCH_PANELS.insert(0, intraday_panel)
