"""The query strings of the service desk's pages (core.filtersets, STYLE.md 5)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filtersets import MonthFilter, PageFilterSet
from service_desk.models import Article, Questionnaire, Ticket

PERIODS = {"30": 30, "90": 90, "365": 365}  # S14's report: the last 30, 90 or 365 days


class KnowledgeReportFilterSet(PageFilterSet):
    """S14: ?days=30|90|365."""

    days = django_filters.ChoiceFilter(choices=[(days, days) for days in PERIODS], label=_("days"))

    class Meta:
        model = Article
        fields = []


class SurveyReportFilterSet(PageFilterSet):
    """S15: ?questionnaire=<id>."""

    questionnaire = django_filters.ModelChoiceFilter(queryset=Questionnaire.objects.all(), label=_("questionnaire"))

    class Meta:
        model = Questionnaire
        fields = []


class KpiFilterSet(PageFilterSet):
    """S17 the KPIs and their export: ?month=YYYY-MM."""

    month = MonthFilter(label=_("month (YYYY-MM)"))

    class Meta:
        model = Ticket
        fields = []
