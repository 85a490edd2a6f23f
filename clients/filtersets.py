import django_filters
from django.utils.translation import gettext_lazy as _

from clients.models import Branch, Client, StaffProfile
from clients.roles import Role


class ClientFilterSet(django_filters.FilterSet):
    """One FilterSet for clients, shared by the API and the pages (STYLE.md 5); the API adds `tier`
    (backoffice/api/views.py). `branch` and `advisor` take codes."""

    branch = django_filters.CharFilter(field_name="branch__code", label=_("branch code"))
    advisor = django_filters.CharFilter(field_name="advisor__staff_code", label=_("advisor staff code"))
    status = django_filters.ChoiceFilter(
        choices=[("open", _("active")), ("closed", _("closed"))], method="filter_status", label=_("status")
    )
    search = django_filters.CharFilter(method="filter_search", label=_("search"))

    class Meta:
        model = Client
        fields = ["branch", "advisor", "status", "search", "client_type", "investor_category", "risk_tolerance"]

    def filter_status(self, queryset, name, value):
        return queryset.open() if value == "open" else queryset.closed()

    def filter_search(self, queryset, name, value):
        return queryset.search(value)


def visible_branches(request):
    """O: the branches a page may be narrowed to are the reader's, by code."""
    return (Branch.objects.visible_to(request.user).order_by("code") if request is not None
            else Branch.objects.none())


def visible_advisors(request):
    """O: the advisors a page may be narrowed to are the reader's, by name."""
    return (StaffProfile.objects.visible_to(request.user).filter(role=Role.ADVISOR).order_by("full_name")
            if request is not None else StaffProfile.objects.none())


class BranchFilter(django_filters.ModelChoiceFilter):
    """A page's branch (?branch=<id>), one the reader may see; another is not a choice (the page shows its scope)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", visible_branches)
        kwargs.setdefault("label", _("branch"))
        super().__init__(*args, **kwargs)


class AdvisorFilter(django_filters.ModelChoiceFilter):
    """A page's advisor (?advisor=<id>), one the reader may see."""

    scope = staticmethod(visible_advisors)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", visible_advisors)
        kwargs.setdefault("label", _("advisor"))
        super().__init__(*args, **kwargs)

