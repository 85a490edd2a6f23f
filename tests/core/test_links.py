"""core/links.py: the signed public links of S15, S20 and S30 (purpose, nonce, expiry), and the links sent before it
that keep working until their row's own expiry."""

import datetime

from django.core import signing

from core import links
from core.links import link_read, link_token

EXPIRES = datetime.datetime(2026, 12, 31, 16, 0, tzinfo=datetime.UTC)  # 2027-01-01 00:00 in Shanghai


def test_a_token_names_its_key_nonce_and_expiry_for_its_purpose_only():
    token = link_token(links.PUBLICATION, 42, expires_at=EXPIRES, nonce="ab12")
    assert link_read(links.PUBLICATION, token) == links.LinkKey(42, "ab12", EXPIRES)
    assert link_read(links.SURVEY, token) is None and link_read(links.EVENT_GUEST, token) is None
    assert len(token) <= 64  # an SMS carries it (the signature alone is 43)


def test_a_changed_key_or_expiry_is_refused():
    token = link_token(links.EVENT_GUEST, 7, expires_at=EXPIRES, nonce="ff")
    assert link_read(links.EVENT_GUEST, token.replace("7.", "8.", 1)) is None
    later = link_token(links.EVENT_GUEST, 7, expires_at=EXPIRES + datetime.timedelta(days=365), nonce="ff")
    forged = later.split(":")[0] + ":" + token.split(":")[1]
    assert link_read(links.EVENT_GUEST, forged) is None


def test_two_links_of_one_row_differ_by_their_nonce():
    first, second = (link_token(links.PUBLICATION, 1, expires_at=EXPIRES) for _ in range(2))
    assert first != second and link_read(links.PUBLICATION, first).key == link_read(links.PUBLICATION, second).key


def test_expiry_is_exclusive():
    link = link_read(links.SURVEY, link_token(links.SURVEY, 3, expires_at=EXPIRES, nonce="n0"))
    assert not link.expired(EXPIRES - datetime.timedelta(seconds=1))
    assert link.expired(EXPIRES)


def test_links_sent_before_core_links_are_read_with_no_expiry_of_their_own():
    """The old formats and salts: the row's own date decides how long they work (the callers' tests)."""
    old_publication = signing.Signer(salt="futcrm.research.delivery").sign("15")
    old_survey = signing.Signer(salt="futcrm.survey-invitation").sign("9.0a1b")
    assert link_read(links.PUBLICATION, old_publication) == links.LinkKey(15, "", None)
    assert link_read(links.SURVEY, old_survey) == links.LinkKey(9, "0a1b", None)
    assert link_read(links.EVENT_GUEST, old_publication) is None
    assert not link_read(links.PUBLICATION, old_publication).expired()
