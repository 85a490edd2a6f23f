"""R7 notices: the margin-call SMS from its editable template, the staff notification, and the SMS backends."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from backoffice.workflows import day_close_risk_steps_run
from clients.roles import Role
from core.errors import DomainError
from core.sms import HttpBackend, LocmemBackend, SmsError, SmsMessage
from risk.services import alerts_evaluate
from service_log.models import MessageTemplate, Notification, SmsDelivery
from service_log.services import margin_call_notices_send, notification_create, sms_send
from tests.fixtures.pages import visible_text
from tests.fixtures.risk import DAY, statement


@pytest.fixture(autouse=True)
def empty_outbox():
    LocmemBackend.outbox.clear()


def test_margin_call_sends_the_statutory_notice_and_tells_the_advisor(world):
    own = world["clients"]["own"]
    own.marketing_opt_in = False  # statutory notices do not depend on marketing consent (S9)
    own.save()
    advisor = world["staff"][Role.ADVISOR].user
    advisor.email = "advisor@example.com"
    advisor.save()
    statement(own, margin="100000.00")
    alerts_evaluate(DAY)
    assert margin_call_notices_send(DAY) == {"sms_sent": 1, "sms_failed": 0, "staff_notified": 1}
    [message] = LocmemBackend.outbox
    assert message.phone == own.decrypted_phone()
    assert own.name in message.text and own.account_no in message.text and "100.00%" in message.text
    assert "400-000-0000" in message.text
    delivery = SmsDelivery.objects.get()
    assert delivery.status == "sent" and delivery.alert.kind == "margin_call"
    assert own.decrypted_phone() not in delivery.text
    assert Notification.objects.get(recipient=advisor).link.startswith("/admin/risk/alert/")
    assert mail.outbox[0].to == ["advisor@example.com"]
    # Running again sends nothing twice.
    assert margin_call_notices_send(DAY) == {"sms_sent": 0, "sms_failed": 0, "staff_notified": 0}
    assert len(LocmemBackend.outbox) == 1


def test_the_template_is_edited_in_the_admin_and_used(world):
    MessageTemplate.objects.filter(code="margin_call").update(body="{name} 请追加保证金 {hotline}")
    statement(world["clients"]["own"], margin="120000.00")
    alerts_evaluate(DAY)
    margin_call_notices_send(DAY)
    assert LocmemBackend.outbox[0].text == f"{world['clients']['own'].name} 请追加保证金 400-000-0000"


def test_marketing_messages_need_consent(world):
    MessageTemplate.objects.create(code="daily_news", name="每日资讯", body="今日资讯", marketing=True)
    client = world["clients"]["own"]
    with pytest.raises(DomainError, match="marketing"):
        sms_send(client=client, template_code="daily_news", context={})
    client.marketing_opt_in = True
    client.save()
    assert sms_send(client=client, template_code="daily_news", context={}).status == "sent"


class Gateway(BaseHTTPRequestHandler):
    replies: list[int] = []
    received: list[dict] = []

    def do_POST(self):  # noqa: N802
        Gateway.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        status = Gateway.replies.pop(0) if Gateway.replies else 200
        self.send_response(status)
        self.end_headers()
        self.wfile.write(json.dumps({"id": "gw-42"}).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Gateway.received.clear()
    with override_settings(SMS_GATEWAY_URL=f"http://127.0.0.1:{server.server_port}/send", SMS_GATEWAY_TOKEN="t",
                           SMS_GATEWAY_ATTEMPTS=3):
        yield Gateway
    server.shutdown()


def test_http_backend_retries_server_errors(gateway):
    gateway.replies = [500, 503]
    assert HttpBackend().send(SmsMessage(phone="13800000000", text="hi")) == "gw-42"
    assert len(gateway.received) == 3 and gateway.received[0] == {"phone": "13800000000", "text": "hi"}


def test_http_backend_gives_up_and_the_failure_is_recorded(gateway, world):
    gateway.replies = [500, 500, 500]
    with override_settings(SMS_BACKEND="core.sms.HttpBackend"):
        delivery = sms_send(client=world["clients"]["own"], template_code="margin_call",
                            context={"trade_date": "2026-11-20", "risk_degree": "101%"})
    assert (delivery.status, delivery.error) == ("failed", "HTTP 500")
    assert len(gateway.received) == 3


def test_http_backend_does_not_retry_a_refusal(gateway):
    gateway.replies = [400]
    with pytest.raises(SmsError, match="HTTP 400"):
        HttpBackend().send(SmsMessage(phone="13800000000", text="hi"))
    assert len(gateway.received) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_day_close_sends_notices_through_the_workflow(world):
    statement(world["clients"]["own"], margin="100000.00")
    evaluation, notices, *_rest = day_close_risk_steps_run(DAY)
    assert evaluation.result["raised_now"] == 1 and notices.status == "succeeded"
    assert SmsDelivery.objects.filter(status="sent").count() == 1


def test_the_notification_list_links_each_notice_through_its_page_never_as_an_address(world, login):
    """Issue 36: the list showed the raw `/admin/research/delivery/?distribution__id__exact=2`."""
    advisor = world["staff"][Role.ADVISOR]
    notice = notification_create(user=advisor.user, text="《铜日评》已发送给您的客户",
                                 link="/admin/research/delivery/?distribution__id__exact=2")
    page = login(advisor).get(reverse("admin:service_log_notification_changelist")).content.decode()
    assert "distribution__id__exact" not in visible_text(page)
    assert reverse("notice-open", args=[notice.pk]) in page and "打开" in visible_text(page)
