"""Rate limits for the public pages (survey answers and event registration links that clients open from an SMS,
issue 13 item 10): a fixed window per key, counted in Redis through Django's cache so every web worker shares it.
The API has its own, per token (settlement.api.authentication.PerTokenRateThrottle)."""

import functools
import ipaddress
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.TRUSTED_PROXIES)


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, unless the request came through one of settings.TRUSTED_PROXIES; then the
    last address in X-Forwarded-For that is not one of them (what our own proxies appended: a client can write any
    X-Forwarded-For it likes, so nothing it wrote counts)."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not _trusted(remote):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return remote  # not an address our proxy wrote: believe only the connection
        if not _trusted(hop):
            return hop
    return remote


def rate_limit_hit(key: str, *, limit: int, per_seconds: int) -> int | None:
    """Count one request for `key`; None while within `limit` per `per_seconds`, else the seconds until the next
    window (the Retry-After)."""
    window = int(time.time() // per_seconds)
    cache_key = f"futcrm:rate:{key}:{window}"
    cache.add(cache_key, 0, timeout=per_seconds + 1)
    if cache.incr(cache_key) <= limit:
        return None
    return max(1, per_seconds - int(time.time() % per_seconds))


def public_page_rate_limited(*, limit: int, per_seconds: int):
    """For a public page: at most `limit` requests per `per_seconds` from one address (client_address), else 429 with
    Retry-After."""

    def decorate(view):
        @functools.wraps(view)
        def limited(request, *args, **kwargs):
            address = client_address(request)
            wait = rate_limit_hit(f"{view.__module__}.{view.__name__}:{address}", limit=limit,
                                  per_seconds=per_seconds)
            if wait is not None:
                response = HttpResponse("请求过于频繁，请稍后再试。", status=429,
                                        content_type="text/plain; charset=utf-8")
                response["Retry-After"] = str(wait)
                return response
            return view(request, *args, **kwargs)

        return limited

    return decorate
