from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The ground floor (docs/architecture.md): what every app shares. It imports no domain app."""

    name = "core"
    verbose_name = _("Jobs and shared records")

    def ready(self) -> None:
        from core import admin_links

        admin_links.install()  # a related record's link only for who may follow it (issue 36)
