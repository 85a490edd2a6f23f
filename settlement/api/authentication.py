"""Bearer tokens for other systems (settlement-api.md, authentication): 401 without a valid token, 403 without
the scope."""

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions, throttling

from settlement.models import ApiToken
from settlement.services import token_hash


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace")
        if not header:
            return None
        keyword, _, token = header.partition(" ")
        if keyword != self.keyword or not token.strip():
            raise exceptions.AuthenticationFailed("Authorization must be 'Bearer <token>'.")
        record = (ApiToken.objects.select_related("user").filter(token_hash=token_hash(token.strip()),
                                                                  revoked_at__isnull=True).first())
        if record is None or not record.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        ApiToken.objects.filter(pk=record.pk).update(last_used_at=timezone.now())
        return record.user, record

    def authenticate_header(self, request):
        return self.keyword  # makes unauthenticated requests 401, as the contract fixes


def token_of(request) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


class SettlementWrite(permissions.BasePermission):
    """Only a token with settlement:write may push or close (a logged-in person may not)."""

    def has_permission(self, request, view):
        token = token_of(request)
        return token is not None and token.has_scope(ApiToken.Scope.SETTLEMENT_WRITE)


class SettlementWriteOrPerson(permissions.BasePermission):
    """A logged-in person, or a token with settlement:write (used where the person's role decides, e.g. reopen)."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        token = token_of(request)
        return token is None or token.has_scope(ApiToken.Scope.SETTLEMENT_WRITE)


class CrmRead(permissions.BasePermission):
    """Read endpoints: a token with crm:read, or a logged-in person; rows are scoped to that user either way."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        token = token_of(request)
        return token is None or token.has_scope(ApiToken.Scope.CRM_READ)


class PerTokenRateThrottle(throttling.SimpleRateThrottle):
    """settlement-api.md: requests beyond a token's rate limit answer 429 with {"detail": …} and Retry-After. Counted
    per token (per person for a logged-in session), in Redis through Django's cache, so every web worker shares
    the count. The rate is REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api"] (FUTCRM_API_RATE)."""

    scope = "api"

    def get_cache_key(self, request, view):
        token = token_of(request)
        if token is not None:
            return self.cache_format % {"scope": self.scope, "ident": f"token-{token.pk}"}
        if request.user and request.user.is_authenticated:
            return self.cache_format % {"scope": self.scope, "ident": f"user-{request.user.pk}"}
        return self.cache_format % {"scope": self.scope, "ident": f"ip-{self.get_ident(request)}"}
