from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    """The top floor (docs/architecture.md): the only app that composes several domain apps: the day-close and
    client-arrived workflows, the client page, the workbench, demo data and devstack."""

    name = "backoffice"
    verbose_name = _("Back office")
