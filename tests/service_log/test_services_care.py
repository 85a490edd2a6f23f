"""S3 welcome SMS on a new account from the settlement push; S5 birthday greetings for VIP clients (S9 consent)."""

import datetime

import pytest

from core.sms import LocmemBackend
from futcrm.celery import app
from service_log.models import SmsDelivery
from service_log.selectors import workbench
from service_log.services import birthday_greetings_send, holiday_greetings_send
from settlement.models import TradingDay
from tests.factories import valid_id_card
from tests.fixtures.settlement_days import client_row
from tests.fixtures.tiering import OCTOBER, close, statements
from tiering.services import tiers_recalculate


@pytest.fixture(autouse=True)
def eager_tasks():
    LocmemBackend.outbox.clear()
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the owed welcome runs after a real commit
def test_a_new_account_gets_the_welcome_sms_once(setup):
    setup["api"].push_clients([client_row("9001")])
    assert len(LocmemBackend.outbox) == 1
    assert "欢迎" in LocmemBackend.outbox[0].text and "9001" in LocmemBackend.outbox[0].text
    setup["api"].push_clients([client_row("9001", name="王伟伟")])  # an update: no second welcome
    assert len(LocmemBackend.outbox) == 1
    assert SmsDelivery.objects.get().template.code == "welcome"


def test_birthday_greetings_go_to_opted_in_vips_born_today(world):
    own, colleague = world["clients"]["own"], world["clients"]["colleague"]
    for client, opted_in in ((own, True), (colleague, False)):
        client.set_id_number(valid_id_card("11010519801125123"))  # born 25 November 1980
        client.marketing_opt_in = opted_in
        client.save()
        statements(client, OCTOBER, "2000000.00")
    close(OCTOBER)
    tiers_recalculate(OCTOBER)  # both gold (VIP)
    today = datetime.date(2026, 11, 25)
    assert birthday_greetings_send(today) == 1
    assert birthday_greetings_send(today) == 0  # once a day
    assert LocmemBackend.outbox[0].phone == own.decrypted_phone()
    assert birthday_greetings_send(datetime.date(2026, 11, 26)) == 0


def test_holiday_greetings_on_the_first_day_of_a_holiday_only(world):

    own = world["clients"]["own"]
    own.marketing_opt_in = True
    own.save()
    statements(own, OCTOBER, "2000000.00")
    close(OCTOBER)
    tiers_recalculate(OCTOBER)
    assert holiday_greetings_send(datetime.date(2026, 12, 31)) == 0  # an ordinary day
    assert holiday_greetings_send(datetime.date(2027, 1, 1)) == 0  # 2027 holidays are not seeded: nothing named

    TradingDay.objects.filter(date__in=[datetime.date(2027, 1, 1), datetime.date(2027, 1, 2)]).update(note="元旦")
    assert holiday_greetings_send(datetime.date(2027, 1, 1)) == 1
    assert "元旦快乐" in LocmemBackend.outbox[-1].text
    assert holiday_greetings_send(datetime.date(2027, 1, 1)) == 0  # once
    assert holiday_greetings_send(datetime.date(2027, 1, 2)) == 0  # not again on the second day


def test_vip_birthdays_are_on_the_workbench_whatever_the_consent(world):

    own = world["clients"]["own"]
    own.set_id_number(valid_id_card("11010519801125123"))
    own.marketing_opt_in = False
    own.save()
    statements(own, OCTOBER, "2000000.00")
    close(OCTOBER)
    tiers_recalculate(OCTOBER)
    assert workbench(world["staff"]["advisor"].user, datetime.date(2026, 11, 25))["birthdays"].all_clients() == [own]
