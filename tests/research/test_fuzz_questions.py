"""The fuzz pass (issue 35) on S22's public question form: whatever is posted to a publication's link is a page or a
4xx, never a 5xx."""

from urllib.parse import urlencode, urlsplit

from django.core.cache import cache
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from clients.roles import Role
from research.models import Delivery
from research.services import delivery_link, distribution_create
from tests.fixtures.research import DAY, approved, sent

WILD = st.one_of(st.text(max_size=300), st.sampled_from(["\x00", "\ud800", "\x07\x1b[31m", "x" * 5000, "", " "]))


@seed(42)
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=WILD)
def test_any_question_posted_to_a_link_is_a_page_or_a_4xx(research, client, text):
    cache.clear()
    if not Delivery.objects.exists():
        publication = approved(research)
        sent(distribution_create(user=research["staff"][Role.HEAD_OFFICE].user, publication_id=publication.pk,
                                 today=DAY))
    path = urlsplit(delivery_link(Delivery.objects.first().pk)).path
    body = urlencode({"text": text}, errors="surrogatepass")
    response = client.post(path, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500
