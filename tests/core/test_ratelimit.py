"""The public pages' rate limit (issue 13 item 10), on the real Redis: per address, 429 with Retry-After."""

import ipaddress
import uuid

from django.http import HttpResponse
from django.test import RequestFactory

from core.ratelimit import client_address, public_page_rate_limited, rate_limit_hit


@public_page_rate_limited(limit=2, per_seconds=60)
def survey_page(request):
    return HttpResponse("ok")


def test_a_public_page_answers_429_past_its_limit_per_address():
    factory, address, neighbour = RequestFactory(), f"test-{uuid.uuid4()}", f"test-{uuid.uuid4()}"  # fresh counts
    first = [survey_page(factory.get("/s/x", REMOTE_ADDR=address)).status_code for _ in range(3)]
    assert first == [200, 200, 429]
    refused = survey_page(factory.get("/s/x", REMOTE_ADDR=address))
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 60
    assert "请求过于频繁" in refused.content.decode()
    assert survey_page(factory.get("/s/x", REMOTE_ADDR=neighbour)).status_code == 200  # another address


def test_the_count_is_per_key_and_window():
    key, other = f"test-{uuid.uuid4()}", f"test-{uuid.uuid4()}"
    assert [rate_limit_hit(key, limit=1, per_seconds=60) is None for _ in range(2)] == [True, False]
    assert rate_limit_hit(other, limit=1, per_seconds=60) is None


def test_a_client_cannot_pass_the_limit_by_writing_its_own_x_forwarded_for():
    """Issue 35 finding 3: 30 of 30 posts passed a limit of 10 with a new X-Forwarded-For each. With no trusted proxy
    (the default; docker-compose's gunicorn is reached directly) the header counts for nothing."""
    factory, address = RequestFactory(), f"198.51.100.{uuid.uuid4().int % 250 + 1}-{uuid.uuid4()}"
    statuses = [survey_page(factory.get("/s/x", REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"))
                .status_code for n in range(5)]
    assert statuses == [200, 200, 429, 429, 429]


def test_behind_a_trusted_proxy_the_client_is_the_last_address_it_added(settings):
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    factory = RequestFactory()

    def via_proxy(forwarded):
        return factory.get("/s/x", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR=forwarded)

    # What the client wrote before the proxy's own entry is ignored; the proxies' own hops are skipped.
    assert client_address(via_proxy("1.1.1.1, 203.0.113.7")) == "203.0.113.7"
    assert client_address(via_proxy("203.0.113.7, 10.9.9.9")) == "203.0.113.7"
    assert client_address(factory.get("/", REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="1.1.1.1")) \
        == "198.51.100.4"  # not from a proxy: the header counts for nothing
    client = f"203.0.113.{uuid.uuid4().int % 250 + 1}"
    other = "192.0.2.77" if client != "192.0.2.77" else "192.0.2.78"
    spoofed = [survey_page(via_proxy(f"{uuid.uuid4()}, {client}")).status_code for _ in range(3)]
    assert spoofed == [200, 200, 429]
    assert survey_page(via_proxy(f"x, {other}-{uuid.uuid4()}")).status_code == 200  # another client
