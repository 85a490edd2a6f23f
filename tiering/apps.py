from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TieringConfig(AppConfig):
    """Monthly tier classification (domain T1–T12): arrives with its own issue."""

    name = "tiering"
    verbose_name = _("Client tiers")
