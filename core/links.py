"""Signed public links (S15 questionnaires, S20 publications, S30 event invitations): one way to put a row's number
in a link sent by SMS so that nobody can guess, change or reuse it for anything else.

A token is `<key>.<nonce>.<expiry>` signed with the secret key and a salt naming its purpose: a survey's token
never opens a publication, a changed key or expiry breaks the signature, and the nonce makes two links of one row
differ. The expiry (seconds since the epoch, base 36) travels in the token, so a link dies on its day without a
lookup; the row may still refuse it earlier (an answered questionnaire). Short enough for an SMS (about 60
characters). Links sent before this module (`<key>:<signature>`, or `<key>.<nonce>:<signature>` for surveys, with
the purposes' old salts) are still read: their expiry is the caller's (the row's own date), so they keep working
exactly as long as a new link for the same row would."""

import datetime
import secrets
from dataclasses import dataclass

from django.core import signing
from django.utils import timezone

# Purposes, and the salts the links sent before core/links.py were signed with.
SURVEY = "survey"
PUBLICATION = "publication"
EVENT_GUEST = "event-guest"
_LEGACY_SALTS = {SURVEY: "futcrm.survey-invitation", PUBLICATION: "futcrm.research.delivery",
                 EVENT_GUEST: "futcrm.acquisition.guest"}


@dataclass(frozen=True)
class LinkKey:
    """What a valid token names: the row's key, its nonce, and when the link expires (None: a link sent before
    expiries were signed, whose expiry the caller decides from the row)."""

    key: int
    nonce: str
    expires_at: datetime.datetime | None

    def expired(self, now: datetime.datetime | None = None) -> bool:
        """Expiry is exclusive: at `expires_at` exactly the link no longer works."""
        return self.expires_at is not None and (now or timezone.now()) >= self.expires_at


def _signer(purpose: str) -> signing.Signer:
    return signing.Signer(salt=f"futcrm.link.{purpose}")


def link_token(purpose: str, key: int, *, expires_at: datetime.datetime, nonce: str | None = None) -> str:
    """A token for row `key` of `purpose`, valid until `expires_at`; `nonce` one the row keeps (a questionnaire's
    invitation), else a fresh random one."""
    nonce = nonce if nonce is not None else secrets.token_hex(4)
    if not nonce.isalnum():
        raise ValueError("A link's nonce is letters and digits.")
    return _signer(purpose).sign(f"{int(key)}.{nonce}.{_base36(int(expires_at.timestamp()))}")


def link_read(purpose: str, token: str) -> LinkKey | None:
    """The key a token of `purpose` names, or None when it is not one (forged, changed, another purpose's)."""
    try:
        key, nonce, expiry = _signer(purpose).unsign(token).split(".")
        return LinkKey(int(key), nonce, datetime.datetime.fromtimestamp(int(expiry, 36), tz=datetime.UTC))
    except (signing.BadSignature, ValueError):
        pass
    try:  # a link sent before this module
        key, _dot, nonce = signing.Signer(salt=_LEGACY_SALTS[purpose]).unsign(token).partition(".")
        return LinkKey(int(key), nonce, None)
    except (signing.BadSignature, ValueError, KeyError):
        return None


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = digits[digit] + text
        if not number:
            return text
