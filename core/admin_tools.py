"""Shared admin pieces: scoped model admins (domain O), the one way to write from the admin (STYLE.md 18: the
service in the form's clean(), in a savepoint, its refusal on the field) and a paginator that never counts a big
table in full."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, JsonResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext, gettext_noop

from core.errors import DomainError

COUNT_CAP = 10_000

# Django's admin reads these column headings to screen readers (app_list.html) and has no Chinese for them yet; our
# catalogue gives them, so no English reaches a person who listens to the page either.
DJANGO_ADMIN_WORDS = [gettext_noop("Model name"), gettext_noop("Add link"), gettext_noop("Change or view list link")]


class BoundedCountPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows (STYLE.md 11: no unbounded COUNT(*) on big lists). Past the cap the admin
    shows the first COUNT_CAP rows' pages; narrowing the search or filters shows the rest."""
    @cached_property
    def count(self) -> int:
        # Only the keys: the list's annotated columns (the client list's facts) are not computed to be counted.
        return self.object_list.order_by().values("pk")[: COUNT_CAP + 1].count()


class ScopedAdminMixin:
    """Every queryset the admin builds for this model goes through Model.objects.visible_to(user): lists, detail
    and change pages, history, autocomplete and actions (domain O, STYLE.md 4)."""
    paginator = BoundedCountPaginator
    show_full_result_count = False

    def get_queryset(self, request):
        queryset = self.model._default_manager.visible_to(request.user)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def has_delete_permission(self, request, obj=None):
        return False  # S9: records are archived, never hard-deleted, while the retention period runs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related_manager = db_field.related_model._default_manager
        if hasattr(related_manager, "visible_to"):
            kwargs["queryset"] = related_manager.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyAdminMixin:
    """Records written only by services (jobs, audit trails, settlement days): listed and read, never edited."""
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PickManyMixin:
    """Many-to-many fields picked from two lists, with the field's own help: Django's hint ("hold down Control, or
    Command on a Mac") is for a plain multiple select, and reads as English on a Chinese page (issue 36)."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None:
            field.help_text = db_field.help_text
        return field


class ScopedRelatedFilter(admin.RelatedFieldListFilter):
    """A related-object filter whose choices are only the objects the user may see."""
    def field_choices(self, field, request, model_admin):
        related = field.related_model._default_manager.visible_to(request.user)
        return [(obj.pk, str(obj)) for obj in related]


class ScopedHistoryAdminMixin(ScopedAdminMixin):
    """For SimpleHistoryAdmin: its history pages fall back to the history table when the object is not in
    get_queryset (meant for deleted rows), which would show another advisor's client. Refuse unless in scope."""
    def _ensure_in_scope(self, request, object_id):

        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._ensure_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._ensure_in_scope(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


def apply_to_each(model_admin, request, queryset, action, done) -> None:
    """Run an admin action's service on each selected row, saying per row what happened. A refusal (a domain
    rule, or the row out of scope) is reported and the other rows go on."""
    for obj in queryset:
        try:
            action(obj)
        except (DomainError, PermissionDenied) as error:
            model_admin.message_user(request, f"{obj}: {getattr(error, 'message', gettext('not allowed'))}",
                                     messages.ERROR)
        else:
            model_admin.message_user(request, f"{obj}: {done}", messages.SUCCESS)


def posted_int(value) -> int | None:
    """A posted id: its integer, or None when absent or not a whole number."""
    return int(value) if value and str(value).isdigit() else None


def act_on(request, step, *, denied: str, done="") -> None:
    """Run one step posted from an object's page (an "act" view) and say what became of it: a refusal by a rule
    (DomainError) or of the role (PermissionDenied) is a message, never an error page. `done` is the message, or a
    function giving it once the step has run (to name what the step did)."""
    try:
        step()
    except PermissionDenied:
        messages.error(request, denied)
    except DomainError as error:
        error.recorded()
        messages.error(request, error.message)
    else:
        messages.success(request, (done() if callable(done) else done) or gettext("Done."))


def reveal_response(reveal) -> JsonResponse:
    """S9's reveal buttons (static/futcrm/pii_reveal.js): the number a reveal service returns, or why not, as JSON."""
    try:
        return JsonResponse({"value": reveal()})
    except PermissionDenied:
        return JsonResponse({"error": "forbidden"}, status=403)
    except DomainError as error:
        return JsonResponse({"error": error.message, "code": error.code}, status=error.status if error.status == 429
                            else 400)


class ServiceForm(forms.ModelForm):
    """STYLE.md 18, the one way to write from the admin: `write(data)` calls the service (a subclass says how) in
    clean(), inside a savepoint, and returns the row it wrote. A refusal (DomainError, a model's ValidationError, a
    role's PermissionDenied) is shown on the field it names and leaves nothing behind; the admin then has nothing
    left to save (ServiceAdminMixin). `self.instance` carries the posted values when write() runs."""

    user = None  # set by ServiceAdminMixin.get_form
    written = None

    def write(self, data: dict):
        raise NotImplementedError

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        forms.models.construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)
        try:
            with transaction.atomic():
                self.written = self.write(data)
        except DomainError as error:
            error.recorded()
            self.add_error(error.field if error.field in self.fields else None, error.message)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
            else:
                self.add_error(None, error)
        except PermissionDenied:
            self.add_error(None, gettext("Your role may not do this."))
        return data

    def _post_clean(self):
        """The service validated and wrote the row; the ModelForm's own model validation would see it twice."""


class ServiceAdminMixin:
    """For a ModelAdmin whose add (and change) form is a ServiceForm: the form knows its user, the row the service
    wrote is the admin's object (its log entry, its redirect), and nothing more is saved."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def save_form(self, request, form, change):
        written = getattr(form, "written", None)
        return written if written is not None else super().save_form(request, form, change)

    def save_model(self, request, obj, form, change):
        if not isinstance(form, ServiceForm):  # a page of the same admin with a plain form (an edit of names)
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if not isinstance(form, ServiceForm):
            super().save_related(request, form, formsets, change)
            return
        for formset in formsets:  # read-only inlines (a history): nothing saved, nothing for the change message
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
