from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceLogConfig(AppConfig):
    """Service operations (domain S1–S10): contact records so far."""

    name = "service_log"
    verbose_name = _("Service operations")
