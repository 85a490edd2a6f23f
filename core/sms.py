"""SMS backends, chosen by the SMS_BACKEND setting like Django's email backends (R7, S3–S5):

* core.sms.ConsoleBackend — writes messages to the log (development);
* core.sms.LocmemBackend — keeps them in `outbox` (tests);
* core.sms.HttpBackend — POSTs JSON to SMS_GATEWAY_URL with SMS_GATEWAY_TOKEN, retrying with back-off.

A backend's send() returns the gateway's message id or raises SmsError; callers record every attempt."""

import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    pass


@dataclass
class SmsMessage:
    phone: str
    text: str


class ConsoleBackend:
    def send(self, message: SmsMessage) -> str:
        logger.info("SMS to %s****: %s", message.phone[:3], message.text)
        return "console"


class LocmemBackend:
    outbox: list[SmsMessage] = []

    def send(self, message: SmsMessage) -> str:
        LocmemBackend.outbox.append(message)
        return f"locmem-{len(LocmemBackend.outbox)}"


class HttpBackend:
    """A generic JSON gateway: {"phone": …, "text": …} → {"id": …}. Retries 5xx and network errors."""

    def __init__(self):
        self.url = settings.SMS_GATEWAY_URL
        self.token = settings.SMS_GATEWAY_TOKEN
        self.attempts = settings.SMS_GATEWAY_ATTEMPTS
        if not self.url:
            raise SmsError("SMS_GATEWAY_URL is not set")

    def send(self, message: SmsMessage) -> str:
        body = json.dumps({"phone": message.phone, "text": message.text}).encode()
        last_error = "no attempt made"
        for attempt in range(1, self.attempts + 1):
            request = urllib.request.Request(self.url, data=body, method="POST", headers={  # noqa: S310
                "Content-Type": "application/json", "Authorization": f"Bearer {self.token}"})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - URL from settings
                    return str(json.loads(response.read() or b"{}").get("id", ""))
            except urllib.error.HTTPError as error:
                last_error = f"HTTP {error.code}"
                if error.code < 500:
                    break  # the gateway refused this message: retrying will not help
            except (urllib.error.URLError, TimeoutError, ValueError) as error:
                last_error = str(error)
            if attempt < self.attempts:
                time.sleep(0.2 * 2 ** (attempt - 1))
        raise SmsError(last_error)


def get_backend():
    return import_string(settings.SMS_BACKEND)()
