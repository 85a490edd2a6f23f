from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The ground floor (docs/architecture.md): what every app shares. It imports no domain app."""

    name = "core"
    verbose_name = _("Jobs and shared records")
