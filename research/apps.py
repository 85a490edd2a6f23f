from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResearchConfig(AppConfig):
    """Research and client information (domain S18–S23, docs/rules-added.md): publications, compliance review,
    distribution to the clients they suit, same-day follow-up."""

    name = "research"
    verbose_name = _("Research")
