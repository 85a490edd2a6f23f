"""What a page's query string may say, read once (STYLE.md 5): each dashboard and list page has a FilterSet of its
own (in its app's filtersets.py) built on PageFilterSet, whose fields parse months, dates and choices the same way
everywhere, and whose branch and advisor choices are those the reader may see (clients.filtersets). The view hands
the values to its selector; it never reads request.GET itself."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from core.dates import parse_iso_date, parse_month


class MonthField(forms.CharField):
    """A month written exactly YYYY-MM (core.dates.parse_month), as its first day."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_month(value)
        except ValueError:
            raise forms.ValidationError(_("Enter a month as YYYY-MM.")) from None


class IsoDateField(forms.CharField):
    """A date written exactly YYYY-MM-DD (core.dates.parse_iso_date)."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_iso_date(value)
        except ValueError:
            raise forms.ValidationError(_("Enter a date as YYYY-MM-DD.")) from None


class MonthFilter(django_filters.Filter):
    field_class = MonthField


class IsoDateFilter(django_filters.Filter):
    field_class = IsoDateField


class PageFilterSet(django_filters.FilterSet):
    """A page's filters. `values()` gives every filter's value: what the query string says when it parses, else the
    default the view names (an unreadable month shows the latest one, a branch outside the reader's scope shows the
    whole scope: never another branch's figures); `errors` says what did not parse, for pages that refuse it."""

    def __init__(self, data=None, *, request, **kwargs):
        super().__init__(data, request=request, **kwargs)
        self.narrow(request)
        self.form.is_valid()

    def narrow(self, request) -> None:
        """A hook for filters that depend on the reader (a role that gets no branch choice): drop them from
        `self.filters` here, before the form is built."""

    @property
    def errors(self):
        return self.form.errors

    def values(self, **defaults) -> dict:
        cleaned = getattr(self.form, "cleaned_data", {})
        return {name: cleaned.get(name) if cleaned.get(name) not in (None, "") else defaults.get(name)
                for name in {*self.filters, *defaults}}
