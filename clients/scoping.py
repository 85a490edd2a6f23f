"""Row scoping (domain O), decided once, failing closed (STYLE.md 4).

An advisor sees only their own clients; service staff, risk officers and branch managers see their branch; head
office sees everything; anyone else (no staff profile, the settlement system, anonymous) sees nothing. Every scoped
model's queryset subclasses ScopedQuerySet and names the paths from itself to the branch and to the advisor.
"""

from django.db import models

from clients.roles import Role

BRANCH_WIDE_ROLES = {Role.SERVICE_STAFF, Role.RISK_OFFICER, Role.BRANCH_MANAGER}


def staff_profile_of(user):
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    try:
        return user.staff_profile
    except AttributeError:
        return None
    except models.ObjectDoesNotExist:
        return None


def sees_everything(user) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    profile = staff_profile_of(user)
    return profile is not None and profile.role == Role.HEAD_OFFICE


class ScopedQuerySet(models.QuerySet):
    """Subclasses set the lookup paths; None means "this model has no such link" (that scope then sees nothing)."""

    branch_path: str | None = None
    advisor_path: str | None = None

    def visible_to(self, user):
        if sees_everything(user):
            return self
        profile = staff_profile_of(user)
        if profile is None:
            return self.none()
        if profile.role == Role.ADVISOR and self.advisor_path:
            return self.filter(**{self.advisor_path: profile.pk})
        if profile.role in BRANCH_WIDE_ROLES and self.branch_path and profile.branch_id:
            return self.filter(**{self.branch_path: profile.branch_id})
        return self.none()


class ClientScopedQuerySet(ScopedQuerySet):
    """For every model that belongs to a client (archives, statements, alerts, tiers …): the client's scope."""

    branch_path = "client__branch"
    advisor_path = "client__advisor"


class BranchAdvisorScopedQuerySet(ScopedQuerySet):
    """For rows that carry their own branch and advisor columns: copies of their client's kept by triggers
    (clients/sql.py: alerts, contact records), or the key of a summary (tier and alert summaries, weekly contact
    plans). The client's scope, read from those columns and their indexes instead of a join to the clients."""

    branch_path = "branch"
    advisor_path = "advisor"
