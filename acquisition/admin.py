"""Prospects in the admin (S24–S25): entered and moved through acquisition.services, scoped (O), their personal
numbers shown masked only (S9)."""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from acquisition import services
from acquisition.models import Prospect, ProspectStep
from clients.models import Branch, StaffProfile
from core.admin_tools import ReadOnlyAdminMixin, ScopedAdminMixin, ScopedRelatedFilter
from core.errors import DomainError


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

    @admin.display(description=_("phone"))
    def phone_masked(self, obj):
        return obj.phone_masked

    @admin.display(description=_("ID number"))
    def id_number_masked(self, obj):
        return obj.id_number_masked

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
