"""Issue 35: staff sign in with a password and a code from an authenticator app (core/second_factor.py): enrolled at
the first login with recovery codes shown once, asked at every login, reset by head office (logged); API tokens are
unchanged."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clients.roles import Role
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def required(settings):
    settings.SECOND_FACTOR_REQUIRED = True
    # django-otp slows guessing down after a wrong code (1 s, then 2, 4 …); these tests give a right one at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0


def code_of(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=0):06d}"


def password_login(client, user):
    response = client.post(reverse("admin:login"), {"username": user.username, "password": PASSWORD,
                                                    "next": reverse("workbench")})
    assert response.status_code == 302
    return response


def test_the_first_login_sets_up_the_app_and_gives_recovery_codes_once(world, client):
    advisor = world["staff"][Role.ADVISOR].user
    password_login(client, advisor)
    asked = client.get(reverse("workbench"))
    assert asked.status_code == 302 and asked["Location"].startswith("/account/second-factor/")
    setup = client.get(reverse("second-factor-setup") + "?next=/workbench/")
    text = setup.content.decode()
    assert setup.status_code == 200 and "<svg" in text and 'id="totp-secret"' in text
    device = TOTPDevice.objects.get(user=advisor, confirmed=False)
    wrong_code = "000000" if code_of(device) != "000000" else "111111"
    wrong = client.post(reverse("second-factor-setup"), {"code": wrong_code})
    assert wrong.status_code == 200 and not TOTPDevice.objects.filter(user=advisor, confirmed=True).exists()
    done = client.post(reverse("second-factor-setup"), {"code": code_of(device), "next": "/workbench/"})
    codes = re.findall(r"<li><code>([^<]+)</code></li>", done.content.decode())
    assert len(codes) == 10 and StaticToken.objects.filter(device__user=advisor).count() == 10
    assert client.get(reverse("workbench")).status_code == 200  # this session has given its second factor
    assert client.get(reverse("second-factor-setup")).status_code == 302  # set up once; never shown again


def test_every_later_login_asks_for_a_code_or_a_recovery_code(world, client):
    advisor = world["staff"][Role.ADVISOR].user
    device = TOTPDevice.objects.create(user=advisor, name="authenticator", confirmed=True)
    recovery = advisor.staticdevice_set.create(name="recovery")
    recovery.token_set.create(token="abcd1234")
    password_login(client, advisor)
    assert client.get(reverse("workbench"))["Location"].startswith("/account/second-factor/")
    page = client.get(reverse("second-factor") + "?next=/workbench/")
    assert page.status_code == 200 and 'id="second-factor"' in page.content.decode()
    assert client.post(reverse("second-factor"), {"code": "12345"}).status_code == 200  # not a code: asked again
    assert client.get(reverse("workbench")).status_code == 302
    answered = client.post(reverse("second-factor"), {"code": code_of(device), "next": "/workbench/"})
    assert answered.status_code == 302 and answered["Location"] == "/workbench/"
    assert client.get(reverse("workbench")).status_code == 200
    client.logout()
    password_login(client, advisor)
    # A recovery code, once.
    assert client.post(reverse("second-factor"), {"code": "abcd1234"}).status_code == 302
    client.logout()
    password_login(client, advisor)
    assert client.post(reverse("second-factor"), {"code": "abcd1234"}).status_code == 200


def test_the_api_read_through_a_session_needs_the_second_factor_and_tokens_do_not(world, client):
    head_office = world["staff"][Role.HEAD_OFFICE].user
    password_login(client, head_office)
    assert client.get("/api/v1/clients/").status_code == 403


def test_head_office_resets_a_lost_phone_and_the_reset_is_logged(world, login):
    advisor = world["staff"][Role.ADVISOR]
    TOTPDevice.objects.create(user=advisor.user, name="authenticator", confirmed=True)
    head_office = world["staff"][Role.HEAD_OFFICE]
    browser = login(head_office)  # force_login: the test's session stands for one that gave its factor
    session = browser.session
    device = TOTPDevice.objects.create(user=head_office.user, name="authenticator", confirmed=True)
    session["otp_device_id"] = device.persistent_id
    session.save()
    response = browser.post(reverse("admin:clients_staffprofile_changelist"), {
        "action": "reset_second_factor", "_selected_action": [advisor.pk]})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=advisor.user).exists()
    assert LogEntry.objects.filter(object_id=str(advisor.pk), change_message__contains="第二重验证").exists()
