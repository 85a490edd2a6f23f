from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcquisitionConfig(AppConfig):
    """Client acquisition (domain S24–S28, docs/rules-added.md): prospects, their funnel, their becoming clients
    when the settlement push brings their account, account-opening appointments."""

    name = "acquisition"
    verbose_name = _("Prospects")
