"""Writes on client records (STYLE.md 2). Admin actions, API views and commands call these functions."""

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction

from clients.models import Client, PiiAccessLog, StaffProfile
from clients.roles import STAFF_ROLES, Role
from core.errors import DomainError

REVEAL_PERMISSIONS = {
    PiiAccessLog.Field.PHONE: "clients.reveal_phone",
    PiiAccessLog.Field.ID_NUMBER: "clients.reveal_id_number",
}


def pii_reveal(*, user, client_id: int, field: str, ip_address: str | None = None, purpose: str = "") -> str:
    """S9: return the plain phone or ID number of a client the user may see, if the role may reveal it; log it."""
    permission = REVEAL_PERMISSIONS.get(field)
    if permission is None:
        raise DomainError(f"Unknown personal-data field {field!r}.", field="field")
    if not user.has_perm(permission):
        raise PermissionDenied
    client = Client.objects.visible_to(user).filter(pk=client_id).first()
    if client is None:
        raise PermissionDenied
    PiiAccessLog.objects.create(user=user, client=client, field=field, ip_address=ip_address, purpose=purpose)
    return client.decrypted_phone() if field == PiiAccessLog.Field.PHONE else client.decrypted_id_number()


@transaction.atomic
def client_assign_advisor(*, user, client_ids, advisor: StaffProfile) -> int:
    """Assign `advisor` to the given clients. Every client must be visible to the user and belong to the advisor's
    branch; otherwise nothing changes. Returns how many clients were assigned."""
    if not user.has_perm("clients.assign_advisor"):
        raise PermissionDenied
    if advisor.role != Role.ADVISOR:
        raise DomainError(f"{advisor} is not an investment advisor.", field="advisor", code="not_advisor")
    if not StaffProfile.objects.visible_to(user).filter(pk=advisor.pk).exists():
        raise PermissionDenied
    client_ids = list(client_ids)
    clients = list(Client.objects.visible_to(user).filter(pk__in=client_ids).select_for_update())
    if len(clients) != len(set(client_ids)):
        raise PermissionDenied
    wrong_branch = [client.account_no for client in clients if client.branch_id != advisor.branch_id]
    if wrong_branch:
        raise DomainError(
            f"{advisor} works at another branch than clients {', '.join(wrong_branch[:10])}.",
            field="advisor",
            code="branch_mismatch",
        )
    for client in clients:
        client.advisor = advisor
        client.save(update_fields=["advisor", "updated_at"])  # one by one so the change history records each
    return len(clients)


@transaction.atomic
def staff_profile_save(profile: StaffProfile) -> StaffProfile:
    """Save a staff profile and make the user's groups and admin access follow its role (domain O)."""
    profile.full_clean()
    profile.save()
    user = profile.user
    user.groups.set([Group.objects.get(name=profile.role)])
    user.is_staff = profile.role in STAFF_ROLES
    user.save(update_fields=["is_staff"])
    return profile
