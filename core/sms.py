"""SMS backends, chosen by the SMS_BACKEND setting like Django's email backends (R7, S3–S5):

* core.sms.ConsoleBackend — writes messages to the log (development);
* core.sms.LocmemBackend — keeps them in `outbox` (tests);
* core.sms.HttpBackend — POSTs JSON to SMS_GATEWAY_URL with SMS_GATEWAY_TOKEN, retrying with back-off.

A backend's send() returns the gateway's message id or raises SmsError; callers record every attempt. send_many()
sends a batch (S20's distributions): one id or one SmsError per message, in order; a backend without a batch call
sends them one by one."""

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


def send_many(backend, messages: list["SmsMessage"]) -> list:
    """A batch through the backend's own batch call when it has one, else one send() each."""
    if hasattr(backend, "send_many"):
        return backend.send_many(messages)
    results = []
    for message in messages:
        try:
            results.append(backend.send(message))
        except SmsError as error:
            results.append(error)
    return results


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

    def send_many(self, messages: list[SmsMessage]) -> list:
        """One POST of {"messages": [{"phone", "text"} …]} to SMS_GATEWAY_URL + "/batch" → {"ids": […]}, retried
        like send(); a batch the gateway refuses or never answers fails each of its messages."""
        body = json.dumps({"messages": [{"phone": m.phone, "text": m.text} for m in messages]}).encode()
        last_error = "no attempt made"
        for attempt in range(1, self.attempts + 1):
            request = urllib.request.Request(self.url.rstrip("/") + "/batch", data=body, method="POST", headers={  # noqa: S310
                "Content-Type": "application/json", "Authorization": f"Bearer {self.token}"})
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - URL from settings
                    ids = json.loads(response.read() or b"{}").get("ids") or []
                    if len(ids) == len(messages):
                        return [str(gateway_id) for gateway_id in ids]
                    last_error = "the gateway answered a different number of ids"
            except urllib.error.HTTPError as error:
                last_error = f"HTTP {error.code}"
                if error.code < 500:
                    break
            except (urllib.error.URLError, TimeoutError, ValueError) as error:
                last_error = str(error)
            if attempt < self.attempts:
                time.sleep(0.2 * 2 ** (attempt - 1))
        return [SmsError(last_error) for _message in messages]


def get_backend():
    return import_string(settings.SMS_BACKEND)()
