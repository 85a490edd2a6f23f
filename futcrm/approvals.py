"""The four-eyes rule shared by T10 (tier policy), T11 (tier overrides) and R8 (risk thresholds): a draft is in
force only once a head-office manager other than its author approves it (seed: 参数调整 经总经理办公会批准)."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from clients.scoping import sees_everything
from futcrm.errors import DomainError


def second_person_approve(record, *, user, permission: str, author_field: str = "author"):
    """Approve `record` (locked by the caller) as `user`; the record's model has approved_by and approved_at."""
    if not sees_everything(user) or not user.has_perm(permission):
        raise PermissionDenied
    if record.approved_at is not None:
        raise DomainError(f"{record} is approved already.", code="already_approved")
    if getattr(record, f"{author_field}_id") == user.pk:
        raise DomainError("The author cannot approve it; a second person must.", code="same_person")
    record.approved_by = user
    record.approved_at = timezone.now()
    record.save(update_fields=["approved_by", "approved_at"])
    return record
