"""The query string of the advisors' library (S23; core.filtersets, STYLE.md 5)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from core.filtersets import IsoDateFilter, PageFilterSet
from research.models import Kind, Product, Publication

PAGES = 1000  # the library's last page a link may ask for


class LibraryFilterSet(PageFilterSet):
    """?product=<id>&kind=&since=&until=&received=1&page=; a value that does not parse is left out."""

    product = django_filters.ModelChoiceFilter(queryset=Product.objects.filter(active=True), label=_("product"))
    kind = django_filters.ChoiceFilter(choices=Kind.choices, label=_("kind"))
    since = IsoDateFilter(label=_("approved from"))
    until = IsoDateFilter(label=_("approved until"))
    received = django_filters.BooleanFilter(label=_("received by my clients"), widget=forms.CheckboxInput)
    page = django_filters.NumberFilter(label=_("page"), min_value=1, max_value=PAGES)

    class Meta:
        model = Publication
        fields = []
