"""Admin for service staff (issue 2): a thin layer over clients.services, scoped by Model.objects.visible_to. The
client page as people use it, with tiers, risk and contacts, is backoffice/admin.py's ClientPageAdmin."""

import secrets
from contextvars import ContextVar

from django import forms
from django.contrib import admin, messages
from django.http import JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from clients import pii, services
from clients.models import Branch, ClientArchive, PiiAccessLog, StaffProfile
from clients.roles import Role
from core.admin_tools import ScopedAdminMixin, ScopedHistoryAdminMixin, ScopedRelatedFilter, reveal_response
from core.errors import DomainError
from core.ratelimit import client_address
from core.second_factor import second_factor_reset

# The request being rendered, for display methods that depend on the user's permissions; a ContextVar, not an
# attribute of the shared ModelAdmin instance, so concurrent requests never see each other's user.
_current_request: ContextVar = ContextVar("clients_admin_request", default=None)

SETTLEMENT_OWNED = [
    "account_no", "name", "client_type", "branch", "opened_on", "closed_on", "id_type", "email", "address",
    "last_trade_date",
]  # fmt: skip


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("open", _("active")), ("closed", _("closed"))]

    def queryset(self, request, queryset):
        if self.value() in {"open", "closed"}:
            return queryset.open() if self.value() == "open" else queryset.closed()
        return queryset


class ClientArchiveInline(admin.StackedInline):
    model = ClientArchive
    can_delete = False
    extra = 0
    readonly_fields = ["completeness_display"]

    @admin.display(description=_("completeness"))
    def completeness_display(self, archive):
        return f"{archive.completeness:.0%}" if archive.pk else "-"


class AssignAdvisorForm(forms.Form):
    advisor = forms.ModelChoiceField(queryset=StaffProfile.objects.none(), label=_("advisor"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["advisor"].queryset = StaffProfile.objects.visible_to(user).filter(role=Role.ADVISOR)


class AdvisorFilter(ScopedRelatedFilter):
    """The advisor filter offers advisors only (not head office, managers, risk officers or the settlement system),
    and only those the viewer may see (O)."""

    def field_choices(self, field, request, model_admin):
        advisors = StaffProfile.objects.visible_to(request.user).filter(role=Role.ADVISOR)
        return [(advisor.pk, str(advisor)) for advisor in advisors]


class ClientAdmin(ScopedHistoryAdminMixin, SimpleHistoryAdmin):
    """The client record as this floor knows it (O, S6, S9). The client page composes it with the tiers, risk and
    contacts of the floors above and is registered once, there (backoffice.admin.ClientPageAdmin)."""

    list_display = ["account_no", "name", "branch", "advisor", "phone_display", "opened_on", "status_display"]
    list_select_related = ["branch", "advisor"]
    list_filter = [("branch", ScopedRelatedFilter), ("advisor", AdvisorFilter), StatusFilter, "client_type",
                   "investor_category", "risk_tolerance"]
    search_fields = ["account_no"]  # the real search is Client.objects.search, see get_search_results
    search_help_text = _("Account number, name, last 4 phone digits, or a whole phone or ID number")
    list_per_page = 50
    autocomplete_fields = ["marketer"]
    inlines = [ClientArchiveInline]  # the client page (backoffice/admin.py) adds tiers, risk and contacts
    actions = ["assign_advisor"]
    fieldsets = [
        (_("Settlement master data"), {"fields": [
            ("account_no", "name"), ("client_type", "branch"), ("opened_on", "closed_on", "last_trade_date"),
            ("id_type", "id_number_display"), ("phone_display", "email"), "address", ("birth_date", "home_region"),
        ]}),
        (_("Service"), {"fields": [
            ("advisor", "marketer"), ("investor_category", "risk_tolerance"), "marketing_opt_in", "service_card",
        ]}),
    ]  # fmt: skip

    def has_add_permission(self, request):
        return False  # clients arrive through the settlement push, which owns their master data

    def get_readonly_fields(self, request, obj=None):
        # The marketer changes with the account's attribution, approved by a second person (S33, acquisition).
        return [*SETTLEMENT_OWNED, "id_number_display", "phone_display", "birth_date", "home_region", "advisor",
                "marketer", "service_card"]

    def get_search_results(self, request, queryset, search_term):
        if search_term.startswith("@"):  # a term kept in the session (S9: whole numbers never in the URL)
            search_term = request.session.get(self.SEARCH_SESSION_KEY + search_term[1:])
            if search_term is None:  # another session's key, or an expired one: it finds nothing
                return queryset.none(), False
        return queryset.search(search_term), False

    @admin.display(description=_("Service card"))
    def service_card(self, client):
        if not client.pk:
            return "-"
        return format_html('<a class="button" href="{}" target="_blank">{}</a>',
                           reverse("service-card", args=[client.pk]), _("Print service card"))

    @admin.display(description=_("status"))
    def status_display(self, client):
        return _("closed") if client.is_closed else _("active")

    def _pii_display(self, client, field, masked, permission):
        if not masked:
            return "-"
        request = _current_request.get()
        if not client.pk or request is None or not request.user.has_perm(permission):
            return masked
        url = reverse("admin:clients_client_reveal", args=[client.pk, field])
        return format_html(
            '<span class="pii" data-reveal-url="{}">{}</span> '
            '<button type="button" class="button pii-reveal" data-reveal-url="{}">{}</button>',
            url, masked, url, _("Reveal"),
        )  # fmt: skip

    @admin.display(description=_("phone"))
    def phone_display(self, client):
        return self._pii_display(client, PiiAccessLog.Field.PHONE, client.phone_masked, "clients.reveal_phone")

    @admin.display(description=_("ID number"))
    def id_number_display(self, client):
        return self._pii_display(client, PiiAccessLog.Field.ID_NUMBER, client.id_number_masked,
                                 "clients.reveal_id_number")

    def changeform_view(self, request, *args, **kwargs):
        return self._render_with_request(request, super().changeform_view, request, *args, **kwargs)

    SEARCH_SESSION_KEY = "client-search:"

    def changelist_view(self, request, extra_context=None):
        term = request.GET.get("q", "")
        if pii.is_whole_personal_number(term):  # S9: a whole number arrived in the URL (no script): move it out
            return redirect(self._search_url(request, term, request.GET))
        return self._render_with_request(request, super().changelist_view, request, extra_context)

    def _search_url(self, request, term: str, query) -> str:
        """The changelist URL for `term`, the term itself kept in the session under a random key (S9)."""
        key = secrets.token_urlsafe(9)
        request.session[self.SEARCH_SESSION_KEY + key] = term
        query = query.copy()
        query["q"] = f"@{key}"
        return f"{reverse('admin:clients_client_changelist')}?{query.urlencode()}"

    def search_view(self, request):
        """POST the search box's term (static/futcrm/client_search.js): answers the URL to go to, which holds a
        session key in place of a whole phone or ID number."""
        term = request.POST.get("q", "").strip()
        if not pii.is_whole_personal_number(term):
            url = f"{reverse('admin:clients_client_changelist')}?{urlencode({'q': term})}"
        else:
            url = self._search_url(request, term, QueryDict(mutable=True))
        return JsonResponse({"url": url})

    @staticmethod
    def _render_with_request(request, view, *args, **kwargs):
        token = _current_request.set(request)
        try:
            response = view(*args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()  # display methods run while rendering: do it while the request is set
            return response
        finally:
            _current_request.reset(token)

    class Media:
        js = ["futcrm/pii_reveal.js", "futcrm/client_search.js"]

    def get_urls(self):
        reveal = self.admin_site.admin_view(require_POST(self.reveal_view))
        search = self.admin_site.admin_view(require_POST(self.search_view))
        return [path("<int:client_id>/reveal/<str:field>/", reveal, name="clients_client_reveal"),
                path("search/", search, name="clients_client_search"), *super().get_urls()]

    def reveal_view(self, request, client_id, field):
        """S9: POST only, permission-checked and logged by services.pii_reveal; answers JSON for the button."""
        return reveal_response(lambda: services.pii_reveal(user=request.user, client_id=client_id, field=field,
                                                           ip_address=client_address(request),
                                                           purpose=request.POST.get("purpose", "")))

    @admin.action(description=_("Assign advisor to selected clients"), permissions=["assign_advisor"])
    def assign_advisor(self, request, queryset):
        form = AssignAdvisorForm(request.POST if "apply" in request.POST else None, user=request.user)
        if form.is_valid():
            try:
                count = services.client_assign_advisor(
                    user=request.user, client_ids=queryset.values_list("pk", flat=True),
                    advisor=form.cleaned_data["advisor"],
                )
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
                return None
            self.message_user(request, _("%(count)d clients assigned to %(advisor)s.")
                              % {"count": count, "advisor": form.cleaned_data["advisor"]}, messages.SUCCESS)
            return None
        return render(request, "admin/clients/assign_advisor.html", {
            **self.admin_site.each_context(request), "title": _("Assign advisor"), "form": form,
            "clients": queryset[:200], "client_count": queryset.count(), "opts": self.model._meta,
            "selected_ids": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        })  # fmt: skip

    def has_assign_advisor_permission(self, request):
        return request.user.has_perm("clients.assign_advisor")


@admin.register(StaffProfile)
class StaffProfileAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["staff_code", "full_name", "role", "branch", "phone"]
    list_select_related = ["branch", "user"]
    list_filter = ["role", ("branch", ScopedRelatedFilter)]
    search_fields = ["staff_code", "full_name"]
    autocomplete_fields = ["user"]

    actions = ["reset_second_factor"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self.has_change_permission(request, obj):
            return fields
        return [field for field in fields if field != "user"]  # a colleague's login is for head office only

    def save_model(self, request, obj, form, change):
        services.staff_profile_save(obj)

    @admin.action(description=_("Reset the second factor (a lost phone): set up again at the next login"),
                  permissions=["change"])
    def reset_second_factor(self, request, queryset):
        """Issue 35: head office (who alone changes staff) resets; each reset is in the staff member's history."""
        for profile in queryset.select_related("user"):
            removed = second_factor_reset(profile.user)
            self.log_change(request, profile, gettext("Second factor reset (%(devices)s devices removed).")
                            % {"devices": removed})
            self.message_user(request, gettext("%(staff)s sets up a second factor again at the next login.")
                              % {"staff": profile}, messages.SUCCESS)


@admin.register(Branch)
class BranchAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "phone"]
    search_fields = ["code", "name"]


@admin.register(PiiAccessLog)
class PiiAccessLogAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["revealed_at", "user", "client", "field", "ip_address"]
    list_select_related = ["user", "client"]
    list_filter = ["field"]
    date_hierarchy = "revealed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
