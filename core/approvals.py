"""The four-eyes rule shared by T10 (tier policy), T11 (tier overrides) and R8 (risk thresholds): a draft is in
force only once a head-office manager other than its author approves it (seed: 参数调整 经总经理办公会批准)."""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone

from core.errors import DomainError


class VersionedQuerySet(models.QuerySet):
    """T10, R8: numbered versions; the approved version with the highest number is the one in force."""

    def approved(self):
        return self.filter(approved_at__isnull=False)

    def in_force(self):
        """The version in force, or None while no version has been approved."""
        return self.approved().order_by("-version").first()


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
    if getattr(record, f"{author_field}_id") == user.pk:
        raise DomainError("The author cannot approve it; a second person must.", code="same_person")
    record.approved_by = user
    record.approved_at = timezone.now()
    record.save(update_fields=["approved_by", "approved_at"])
    return record
