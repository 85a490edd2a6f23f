from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceDeskConfig(AppConfig):
    """The service desk (domain S11–S13, docs/rules-added.md): hotline tickets, their SLAs on the trading calendar's
    service hours, and the call-centre's call events."""

    name = "service_desk"
    verbose_name = _("Service desk")

    def ready(self) -> None:
        from service_desk.workbench import tickets_panel
        from service_log.views import WORKBENCH_PANELS

        WORKBENCH_PANELS.append(tickets_panel)  # the service staff's queue on their workbench (issue 36)
