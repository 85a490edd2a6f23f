from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcquisitionConfig(AppConfig):
    """Client acquisition (domain S24–S25, docs/rules-added.md): prospects, their funnel, and their becoming clients
    when the settlement push brings their account."""

    name = "acquisition"
    verbose_name = _("Prospects")
