"""The public pages' rate limit (issue 13 item 10), on the real Redis: per address, 429 with Retry-After."""

import uuid

from django.http import HttpResponse
from django.test import RequestFactory

from core.ratelimit import public_page_rate_limited, rate_limit_hit


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
