"""S9 personal data and GB 11643 ID numbers."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from clients import pii
from clients.models import Client, PiiAccessLog
from clients.roles import Role
from clients.services import REVEALS_PER_HOUR, pii_reveal
from tests.factories import ClientFactory, valid_id_card


def test_gb11643_check_digit_of_the_standard_example():
    # The example of GB 11643-1999 itself: 11010519491231002X.
    assert pii.id_card_check_character("11010519491231002") == "X"
    assert pii.id_card_error("11010519491231002X") is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("110105194912310021", "check digit"),  # last character off by one
        ("11010519491231002", "18 characters"),  # 17 characters
        ("1101051949123100XX", "18 characters"),  # X before the last place
        ("110105194902300028", "birth date"),  # 30 February
    ],
)
def test_invalid_id_numbers_say_why(value, reason):
    assert reason in pii.id_card_error(value)


def test_birth_date_and_home_region_come_from_a_valid_id(db):
    client = ClientFactory(personal_data__id_number=valid_id_card("44030119880512123"))
    assert client.birth_date == datetime.date(1988, 5, 12)
    assert client.home_region == "广东"
    assert client.age_on(datetime.date(2026, 5, 11)) == 37
    assert client.age_on(datetime.date(2026, 5, 12)) == 38


def test_no_birth_date_from_an_invalid_or_foreign_id(db):
    invalid = ClientFactory(personal_data__id_number="440301198805121230")  # wrong check digit
    passport = ClientFactory(id_type=Client.IdType.PASSPORT, personal_data__id_number="E12345678")
    assert invalid.birth_date is None and invalid.home_region == ""
    assert passport.birth_date is None


def test_phone_and_id_are_encrypted_at_rest(db):
    client = ClientFactory(personal_data__phone="13912345678", personal_data__id_number=valid_id_card())
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM clients_client WHERE id = %s", [client.pk])
        stored = " ".join(str(value) for value in cursor.fetchone())
        cursor.execute("SELECT * FROM clients_historicalclient WHERE id = %s", [client.pk])
        history = " ".join(str(value) for row in cursor.fetchall() for value in row)
    for plain in ("13912345678", valid_id_card()):
        assert plain not in stored
        assert plain not in history
    assert client.decrypted_phone() == "13912345678"
    assert client.phone_last4 == "5678"


def test_masks_hide_all_but_the_edges(db):
    client = ClientFactory(personal_data__phone="13912345678", personal_data__id_number="11010519491231002X")
    assert client.phone_masked == "139****5678"
    assert client.id_number_masked == "110***********002X"
    assert pii.mask_phone("021-62345678") == "********5678"


@pytest.mark.parametrize(
    ("phone", "valid"),
    [("13912345678", True), ("1391234567", False), ("23912345678", False), ("021-62345678", True),
     ("0755-8765432", True), ("62345678", False)],
)
def test_phone_rule(phone, valid):
    assert pii.is_valid_phone(phone) is valid


def test_search_by_last_four_whole_phone_and_id_hash(db):
    wanted = ClientFactory(name="张三", personal_data__phone="13912345678",
                           personal_data__id_number=valid_id_card("31010119800101123"))
    ClientFactory(name="李四", personal_data__phone="13900000000")
    assert list(Client.objects.search("5678")) == [wanted]
    assert list(Client.objects.search("139 1234 5678")) == [wanted]
    assert list(Client.objects.search(valid_id_card("31010119800101123").lower())) == [wanted]
    assert list(Client.objects.search("张")) == [wanted]
    assert list(Client.objects.search(wanted.account_no)) == [wanted]


def test_reveals_beyond_the_hourly_limit_need_a_reason_and_tell_head_office(world, login, mailoutbox):
    """Issue 35 (bj01_service1 revealed 60 phone numbers in 13 s): REVEALS_PER_HOUR reveals go through; each one more
    in the hour needs a reason, is logged with it, and head office is told by email (no number in it)."""
    cache.clear()
    head_office = world["staff"][Role.HEAD_OFFICE].user
    head_office.email = "hq@example.com"
    head_office.save()
    service = world["staff"][Role.SERVICE_STAFF]
    own = world["clients"]["own"]
    for _reveal in range(REVEALS_PER_HOUR):
        pii_reveal(user=service.user, client_id=own.pk, field="phone")
    browser = login(service)
    url = reverse("admin:clients_client_reveal", args=[own.pk, "phone"])
    asked = browser.post(url)
    assert asked.status_code == 429 and asked.json()["code"] == "reason_required"
    assert browser.post(url, {"purpose": "客户来电核实身份"}).json()["value"] == "13800001001"
    logged = PiiAccessLog.objects.order_by("-pk").first()
    assert (logged.purpose, logged.beyond_hourly_limit) == ("客户来电核实身份", True)
    assert PiiAccessLog.objects.filter(beyond_hourly_limit=False).count() == REVEALS_PER_HOUR
    assert [message.to for message in mailoutbox] == [["hq@example.com"]]
    assert "13800001001" not in mailoutbox[0].body and "客户来电核实身份" in mailoutbox[0].body
