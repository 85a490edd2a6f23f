from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    """Margin-risk monitoring (domain R1–R8): arrives with its own issue."""

    name = "risk"
    verbose_name = _("Margin risk")
