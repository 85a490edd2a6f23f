"""Writes on client records (STYLE.md 2). Admin actions, API views and commands call these functions."""

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext

from clients.models import Client, PiiAccessLog, StaffProfile
from clients.roles import STAFF_ROLES, Role
from core.errors import DomainError
from core.ratelimit import rate_limit_hit

REVEAL_PERMISSIONS = {
    PiiAccessLog.Field.PHONE: "clients.reveal_phone",
    PiiAccessLog.Field.ID_NUMBER: "clients.reveal_id_number",
}


REVEALS_PER_HOUR = 20  # S9 (issue 35): numbers one user reveals in an hour before each further one needs a reason


def reveal_watch(*, user, purpose: str = "") -> tuple[str, bool]:
    """S9, reveals under watch: the user's reveals of clients' and prospects' numbers are counted per hour; beyond
    REVEALS_PER_HOUR each needs a reason (a 429 asks for it), is logged with it, and head office is told by email.
    Returns the purpose to log and whether the reveal was beyond the limit."""
    purpose = (purpose or "").strip()[:200]
    counter = f"reveal:{user.pk}:{int(user.date_joined.timestamp())}"  # this user, not a later one of the same id
    if rate_limit_hit(counter, limit=REVEALS_PER_HOUR, per_seconds=3600) is None:
        return purpose, False
    if len(purpose) < 4:
        raise DomainError(gettext("More than %(count)s numbers revealed this hour: say why you need this one.")
                          % {"count": REVEALS_PER_HOUR}, code="reason_required", field="purpose", status=429)
    recipients = list(StaffProfile.objects.filter(role=Role.HEAD_OFFICE, user__is_active=True)
                      .exclude(user__email="").values_list("user__email", flat=True))
    if recipients:
        send_mail(gettext("Numbers revealed beyond the hourly limit"),
                  gettext("%(user)s revealed more than %(count)s phone or ID numbers within an hour and gave as the "
                          "reason: %(reason)s. The personal-data access log holds each reveal.")
                  % {"user": staff_name(user), "count": REVEALS_PER_HOUR, "reason": purpose},
                  None, recipients, fail_silently=True)
    return purpose, True


def staff_name(user) -> str:
    profile = getattr(user, "staff_profile", None)
    return profile.full_name if profile is not None and profile.full_name else user.get_username()


def pii_reveal(*, user, client_id: int, field: str, ip_address: str | None = None, purpose: str = "") -> str:
    """S9: return the plain phone or ID number of a client the user may see, if the role may reveal it; log it
    (beyond the hourly limit, with its reason: reveal_watch)."""
    permission = REVEAL_PERMISSIONS.get(field)
    if permission is None:
        raise DomainError(f"Unknown personal-data field {field!r}.", field="field")
    if not user.has_perm(permission):
        raise PermissionDenied
    client = Client.objects.visible_to(user).filter(pk=client_id).first()
    if client is None:
        raise PermissionDenied
    purpose, beyond = reveal_watch(user=user, purpose=purpose)
    PiiAccessLog.objects.create(user=user, client=client, field=field, ip_address=ip_address, purpose=purpose,
                                beyond_hourly_limit=beyond)
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
    user.first_name, user.last_name = profile.full_name[:150], ""  # how colleagues see them (clients.apps.person_name)
    user.save(update_fields=["is_staff", "first_name", "last_name"])
    return profile
