"""Prospects in the admin (S24–S25): entered and moved through acquisition.services, scoped (O), their personal
numbers shown masked only (S9)."""

import contextvars

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from acquisition import services
from acquisition.models import Appointment, Prospect, ProspectRevealLog, ProspectStep
from clients.models import Branch, StaffProfile
from clients.services import REVEAL_PERMISSIONS
from core.admin_tools import ReadOnlyAdminMixin, ScopedAdminMixin, ScopedRelatedFilter, reveal_response
from core.errors import DomainError

_page_request: contextvars.ContextVar = contextvars.ContextVar("prospect_page_request", default=None)


class _ServiceForm(forms.ModelForm):
    """The service's refusals shown on the field they name; the write happens in clean() inside a savepoint, so a
    refused one leaves nothing behind and save_model has nothing left to do."""

    user = None
    done = None

    def _through_service(self, write) -> None:
        try:
            with transaction.atomic():
                self.done = write()
        except DomainError as error:
            field = error.field if error.field in self.fields else None
            self.add_error(field, error.message)


class ProspectAddForm(_ServiceForm):
    phone = forms.CharField(label=_("phone"), required=False, max_length=20)
    id_number = forms.CharField(label=_("ID number"), required=False, max_length=18)

    class Meta:
        model = Prospect
        fields = ["name", "phone", "id_number", "source", "branch", "owner", "interests", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.visible_to(self.user)
        self.fields["owner"].queryset = StaffProfile.objects.visible_to(self.user).filter(user__is_active=True)

    def clean(self):
        data = super().clean()
        if not self.errors:
            self._through_service(lambda: services.prospect_create(
                user=self.user, name=data.get("name", ""), source=data.get("source", ""),
                branch_id=data["branch"].pk, phone=data.get("phone", ""), id_number=data.get("id_number", ""),
                owner_id=data["owner"].pk if data.get("owner") else None, interests=data.get("interests", ""),
                notes=data.get("notes", "")))
        return data


class ProspectMoveForm(_ServiceForm):
    note = forms.CharField(label=_("note (the reason, if lost)"), required=False, max_length=300)

    class Meta:
        model = Prospect
        fields = ["stage"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        manual = {*services.MANUAL_STAGES, Prospect.Stage.LOST, self.instance.stage}
        self.fields["stage"].choices = [(value, label) for value, label in Prospect.Stage.choices if value in manual]

    def clean(self):
        data = super().clean()
        if not self.errors and data.get("stage") != self.initial.get("stage"):
            self._through_service(lambda: services.prospect_move(
                user=self.user, prospect_id=self.instance.pk, stage=data["stage"], note=data.get("note", "")))
        return data


class ProspectImportForm(forms.Form):
    file = forms.FileField(label=_("list (CSV or Excel)"))


class StepInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ProspectStep
    fields = ["at", "stage", "by", "note"]
    readonly_fields = fields
    extra = 0
    verbose_name_plural = _("history since first contact")


@admin.register(Prospect)
class ProspectAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """潜在客户: who may become a client, where they came from, and how far they got (S24–S25)."""

    list_display = ["name", "phone_masked", "source", "stage", "branch", "owner", "created_at", "client"]
    list_select_related = ["branch", "owner", "client"]
    list_filter = ["stage", "source", ("branch", ScopedRelatedFilter), ("owner", ScopedRelatedFilter)]
    search_fields = ["name", "=phone_last4", "client__account_no"]
    date_hierarchy = "created_at"
    inlines = [StepInline]
    readonly = ["name", "phone_masked", "id_number_masked", "source", "branch", "owner", "interests", "notes",
                "lost_reason", "client", "created_at", "opened_on", "funded_on", "traded_on"]

    class Media:
        js = ["futcrm/pii_reveal.js"]

    @admin.display(description=_("phone"))
    def phone_masked(self, obj):
        return self._revealable(obj, "phone", obj.phone_masked)

    @admin.display(description=_("ID number"))
    def id_number_masked(self, obj):
        return self._revealable(obj, "id_number", obj.id_number_masked)

    def _revealable(self, obj, field, masked):
        """S9: masked; on the prospect's page a button reveals it to a role that may, logged."""
        request = _page_request.get()
        if not masked or request is None or not obj.pk:
            return masked or "-"
        if not request.user.has_perm(REVEAL_PERMISSIONS[field]):
            return masked
        url = reverse("admin:acquisition_prospect_reveal", args=[obj.pk, field])
        return format_html('<span class="pii">{}</span> <button type="button" class="button pii-reveal" '
                           'data-reveal-url="{}">{}</button>', masked, url, _("Reveal"))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        token = _page_request.set(request)  # the prospect's own page, not the list: the reveal buttons
        try:
            response = super().changeform_view(request, object_id, form_url, extra_context)
            return response.render() if hasattr(response, "render") else response  # rendered while it is set
        finally:
            _page_request.reset(token)

    def get_urls(self):
        reveal = self.admin_site.admin_view(require_POST(self.reveal_view))
        return [path("<int:prospect_id>/reveal/<str:field>/", reveal, name="acquisition_prospect_reveal"),
                path("import/", self.admin_site.admin_view(self.import_view), name="acquisition_prospect_import"),
                *super().get_urls()]

    def import_view(self, request):
        """S28: a prospect list previewed row by row, then imported all or nothing (the file is sent again)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ProspectImportForm(request.POST or None, request.FILES or None)
        rows, bad = [], 0
        if request.method == "POST" and form.is_valid():
            upload, commit = form.cleaned_data["file"], "commit" in request.POST
            try:
                rows = services.prospects_import(user=request.user, data=upload.read(), filename=upload.name,
                                                 commit=commit)
            except DomainError as error:
                form.add_error("file", error.message)
            bad = sum(1 for row in rows if row["problems"])
            if rows and commit and not bad:
                messages.success(request, _("%(count)s prospects imported.") % {"count": len(rows)})
                return redirect("admin:acquisition_prospect_changelist")
        return TemplateResponse(request, "admin/acquisition/prospect/import.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form, "rows": rows,
            "bad": bad, "title": _("Import a prospect list")})

    def reveal_view(self, request, prospect_id, field):
        return reveal_response(lambda: services.prospect_reveal(
            user=request.user, prospect_id=prospect_id, field=field, ip_address=request.META.get("REMOTE_ADDR")))

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = ProspectMoveForm if obj else ProspectAddForm
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_fields(self, request, obj=None):
        return [*self.readonly, "stage", "note"] if obj else list(ProspectAddForm.Meta.fields)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly if obj else []

    def save_model(self, request, obj, form, change):
        """The service wrote it in the form's clean(); the admin's log and redirect need its row."""
        if not change and form.done is not None:
            obj.pk, obj.name = form.done.pk, form.done.name

    def save_related(self, request, form, formsets, change):
        """Nothing: the service wrote the prospect and its first step."""


@admin.register(ProspectRevealLog)
class ProspectRevealLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """S9: who revealed which prospect's number, when (head office reads it, with the clients' reveal log)."""

    list_display = ["revealed_at", "user", "prospect", "field", "ip_address"]
    list_select_related = ["user", "prospect"]
    list_filter = ["field"]
    date_hierarchy = "revealed_at"


class AppointmentBookForm(_ServiceForm):
    class Meta:
        model = Appointment
        fields = ["prospect", "staff", "starts_at", "note"]
        widgets = {"starts_at": admin.widgets.AdminSplitDateTime}
        field_classes = {"starts_at": forms.SplitDateTimeField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prospect"].queryset = Prospect.objects.visible_to(self.user).filter(client__isnull=True)
        self.fields["staff"].queryset = StaffProfile.objects.visible_to(self.user).filter(
            user__is_active=True, branch__isnull=False)

    def clean(self):
        data = super().clean()
        if not self.errors:
            self._through_service(lambda: services.appointment_book(
                user=self.user, prospect_id=data["prospect"].pk, starts_at=data["starts_at"],
                staff_id=data["staff"].pk, note=data.get("note", "")))
        return data


class AppointmentMarkForm(_ServiceForm):
    class Meta:
        model = Appointment
        fields = ["state"]

    def clean(self):
        data = super().clean()
        if not self.errors and data.get("state") != self.initial.get("state"):
            self._through_service(lambda: services.appointment_mark(
                user=self.user, appointment_id=self.instance.pk, state=data["state"]))
        return data


@admin.register(Appointment)
class AppointmentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """预约开户 (S26): a branch's calendar of account-opening appointments, by day, each with who receives whom."""

    list_display = ["starts_at", "prospect", "branch", "staff", "state", "reminded_at"]
    list_select_related = ["prospect", "branch", "staff"]
    list_filter = ["state", ("branch", ScopedRelatedFilter), ("staff", ScopedRelatedFilter)]
    date_hierarchy = "starts_at"
    search_fields = ["prospect__name", "=prospect__phone_last4"]
    readonly = ["prospect", "branch", "staff", "starts_at", "note", "created_by", "created_at", "reminded_at",
                "reminder_error"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = AppointmentMarkForm if obj else AppointmentBookForm
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_fields(self, request, obj=None):
        return [*self.readonly, "state"] if obj else list(AppointmentBookForm.Meta.fields)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly if obj else []

    def save_model(self, request, obj, form, change):
        """The service wrote it in the form's clean()."""
        if not change and form.done is not None:
            obj.pk = form.done.pk

    def save_related(self, request, form, formsets, change):
        """Nothing to save: the appointment has no related rows of its own."""
