"""The four-eyes rule (seed: 参数调整 经总经理办公会批准), written once for T10 (tier policy), T11 (tier overrides),
T14 (card policy), T16 (silver cards), R8 (risk thresholds) and S33 (attribution changes): a request or draft is in
force only once a second person approves it, never its author. Here: the abstract model of what is approved
(`Approvable`), the rule (`four_eyes_check`, `second_person_approve`, `draft_save`) and the admin's approve action
(`ApprovalAdminMixin`)."""

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from core.admin_tools import apply_to_each
from core.errors import DomainError


class Approvable(models.Model):
    """A draft or request that a second person approves; `requester_field` names who asked (author or
    requested_by), whom the rule refuses as approver."""

    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=gettext_lazy("approved by"))
    approved_at = models.DateTimeField(gettext_lazy("approved at"), null=True, blank=True)

    requester_field = "author"

    class Meta:
        abstract = True


def four_eyes_check(record, user, *, requester_field: str = "author") -> None:
    """The rule itself: whoever asked (drafted, requested) may not approve."""
    if getattr(record, f"{requester_field}_id") == user.pk:
        raise DomainError(gettext("A second person approves: not the one who asked."), code="four_eyes",
                          field="state")


class VersionedQuerySet(models.QuerySet):
    """T10, R8: numbered versions; the approved version with the highest number is the one in force."""

    def approved(self):
        return self.filter(approved_at__isnull=False)

    def in_force(self):
        """The version in force, or None while no version has been approved."""
        return self.approved().order_by("-version").first()


class MonthVersionedQuerySet(VersionedQuerySet):
    """T10 and the contribution cards' policy: each version names the first month it applies to."""

    def for_month(self, month):
        """The version that applies to `month`: of the approved versions taking effect by then, the highest number
        (a later version, or an approved re-grading, supersedes the ones before it from its month on)."""
        return self.approved().filter(effective_from__lte=month.replace(day=1)).order_by("-version").first()


class TakesEffectFromMonth:
    """For a versioned policy model with `effective_from` and `regrade_reason` (T10, T14): a version taking
    effect before the current month is a re-grading and needs a reason."""

    @property
    def is_regrading(self) -> bool:
        return self.effective_from < timezone.localdate().replace(day=1)

    def clean(self):
        if self.effective_from:
            self.effective_from = self.effective_from.replace(day=1)
            if self.is_regrading and not self.regrade_reason.strip():
                raise ValidationError({"regrade_reason": gettext(
                    "It takes effect before the current month: a re-grading needs a reason.")})

    def refuse_unreasoned_regrading(self) -> None:
        """At approval: the month may have passed since the draft was saved."""
        if self.is_regrading and not self.regrade_reason.strip():
            raise DomainError(f"{self} takes effect from {self.effective_from:%Y-%m}, before the current month: a "
                              "re-grading needs a reason.", field="regrade_reason", code="regrade_reason_missing")


def draft_save(record, *, user, permission: str, author_field: str = "author"):
    """Save a draft (T10, T11, R8): a new one is the user's, an approved one is history and never changes (a change
    is a new draft). `permission` is the model's add (new) or change (edit) permission."""
    if not user.has_perm(permission):
        raise PermissionDenied
    if record.pk is not None and type(record).objects.filter(pk=record.pk, approved_at__isnull=False).exists():
        raise DomainError(f"{record} is approved: add a new draft instead.", code="already_approved")
    if record.pk is None:
        setattr(record, author_field, user)
    record.full_clean()
    record.save()
    return record


def second_person_approve(record, *, user, permission: str, approver_is_head_office: bool,
                          author_field: str = "author"):
    """Approve `record` (locked by the caller) as `user`; the record's model has approved_by and approved_at.
    Who is head office is the caller's to say (clients.scoping.sees_everything: this floor knows no roles)."""
    if not approver_is_head_office or not user.has_perm(permission):
        raise PermissionDenied
    if record.approved_at is not None:
        raise DomainError(f"{record} is approved already.", code="already_approved")
    four_eyes_check(record, user, requester_field=author_field)
    record.approved_by = user
    record.approved_at = timezone.now()
    record.save(update_fields=["approved_by", "approved_at"])
    return record


class ApprovalAdminMixin:
    """The admin of an Approvable: a draft is edited until approved (or, with `editable=False`, a request is never
    edited: a change is a new request), never deleted; another person approves it with the action, which calls
    `approve_service(user=…, <approve_argument>=record)` on each selected row and says what became of each."""

    approve_service = None  # a staticmethod
    approve_argument = "record"
    editable = True
    actions = ["approve"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and (obj.approved_at is not None or not self.editable):
            return False  # approved: history; a change is a new draft
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Approve selected drafts"))
    def approve(self, request, queryset):
        apply_to_each(self, request, queryset, lambda record: self.approve_service(
            user=request.user, **{self.approve_argument: record}), gettext("approved"))

