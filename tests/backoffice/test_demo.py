"""seed_demo: deterministic for a seed, every role present, a realistic spread, the settlement identity holds."""

import datetime
import hashlib
import logging
import socket

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from acquisition.models import Appointment, Attribution, EducationRecord, EventGuest, Prospect
from backoffice.demo_history import demo_load
from backoffice.management.commands.devstack import Command as DevstackCommand
from clients.models import Client, StaffProfile
from clients.roles import Role
from research.models import Publication, Question
from risk.models import Alert, KeyMonitoring
from risk.selectors import risk_dashboard
from service_desk.models import SurveyInvitation, Ticket
from service_log.models import Complaint, ContactRecord, FollowUpTask, SmsDelivery, SurveyResponse

END = datetime.date(2026, 11, 20)


def seed(clients=300, seed=7):
    call_command("seed_demo", clients=clients, months=1, seed=seed, end_date=END, password="demo-password-1",
                 verbosity=0)


def fingerprint() -> str:
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT c.account_no, c.name, c.opened_on, c.branch_id IS NOT NULL, c.phone_last4, s.trade_date, s.balance,
                   s.commission, s.margin, s.trade_volume
            FROM settlement_dailystatement s JOIN clients_client c ON c.id = s.client_id
            ORDER BY c.account_no, s.trade_date
        """)
        return hashlib.sha256(repr(cursor.fetchall()).encode()).hexdigest()


def wipe():
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE settlement_dailystatement, clients_client, clients_historicalclient, "
                       "clients_staffprofile, clients_branch, auth_user CASCADE")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_same_seed_same_data_other_seed_other_data():
    seed(seed=7)
    first = fingerprint()
    wipe()
    seed(seed=7)
    assert fingerprint() == first
    wipe()
    seed(seed=8)
    assert fingerprint() != first
    wipe()


@pytest.mark.django_db
def test_demo_data_shape():
    seed(clients=600)
    roles = set(StaffProfile.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    for profile in StaffProfile.objects.select_related("user"):
        assert list(profile.user.groups.values_list("name", flat=True)) == [profile.role]
    assert Group.objects.count() == len(Role.values)
    with connection.cursor() as cursor:
        # The settlement identity, checked here in SQL as well as by the table's constraint.
        cursor.execute("""SELECT count(*) FROM settlement_dailystatement WHERE balance <> pre_balance + deposit
                          - withdrawal + close_profit + position_profit - commission + other_adjustments""")
        assert cursor.fetchone()[0] == 0
        # Consecutive statements chain: today's previous equity is yesterday's equity.
        cursor.execute("""SELECT count(*) FROM (SELECT pre_balance, lag(balance) OVER (PARTITION BY client_id
                          ORDER BY trade_date) AS previous FROM settlement_dailystatement) t
                          WHERE previous IS NOT NULL AND previous <> pre_balance""")
        assert cursor.fetchone()[0] == 0
        cursor.execute("""SELECT avg(balance) FROM settlement_dailystatement GROUP BY client_id""")
        averages = sorted(row[0] for row in cursor.fetchall())
    diamond_level = [value for value in averages if value >= 10_000_000]
    small = [value for value in averages if value < 500_000]
    assert 1 <= len(diamond_level) <= 10  # a handful
    assert len(small) > 0.7 * len(averages)  # most are small
    statement_dates = Client.objects.filter(statements__isnull=False).values_list("statements__trade_date", flat=True)
    assert max(statement_dates) <= END
    assert not any(day.weekday() >= 5 for day in set(statement_dates))


@pytest.mark.django_db
def test_refuses_a_database_that_already_has_clients():
    seed(clients=5)
    with pytest.raises(CommandError, match="already holds clients"):
        seed(clients=5)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the evaluation's job records commit as they go
def test_the_demo_looks_like_a_working_day(settings, caplog):
    """Issue 15 item 5: after the days are graded and evaluated (as devstack does), the service centre's past.
    Issue 36: its SMS links point at the address `start` serves, and the console SMS backend's lines stay out of
    what a newcomer reads before the login."""
    settings.SMS_BACKEND = "core.sms.ConsoleBackend"
    settings.FUTCRM_PUBLIC_URL = "http://10.1.2.3:9000"
    with caplog.at_level(logging.INFO):
        counts = demo_load(clients=400, months=1, seed=3, password="demo-password-1", write=None)
    assert not [record for record in caplog.records if record.name == "core.sms"]
    # Issue 36: no client is on key monitoring for two idle months (R3) while its statements show it trading then;
    # the master's last trade agrees with the statements.
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM risk_keymonitoring AS entry WHERE entry.reason = 'idle_two_months' AND EXISTS (
                SELECT 1 FROM settlement_dailystatement AS s WHERE s.client_id = entry.client_id AND s.trade_volume > 0
                  AND s.trade_date >= entry.started_on - interval '2 months' AND s.trade_date < entry.started_on)""")
        assert cursor.fetchone()[0] == 0
        cursor.execute("""
            SELECT count(*) FROM clients_client AS c JOIN (SELECT client_id, max(trade_date) AS day
                FROM settlement_dailystatement WHERE trade_volume > 0 GROUP BY client_id) AS t ON t.client_id = c.id
            WHERE c.last_trade_date IS DISTINCT FROM t.day""")
        assert cursor.fetchone()[0] == 0
    assert KeyMonitoring.objects.filter(reason="idle_two_months").exists()  # the dormant ones are still found
    linked = SmsDelivery.objects.filter(text__contains="://")
    assert linked.exists() and not linked.exclude(text__contains="http://10.1.2.3:9000/").exists()

    latest = Alert.objects.aggregate(day=Max("trade_date"))["day"]
    past = Alert.objects.filter(trade_date__lt=latest)
    assert past.filter(status="resolved").exists() and past.filter(status="open").exists()
    assert counts["alerts"]["late"] > 0 and counts["alerts"]["in time"] > counts["alerts"]["late"]
    assert not Alert.objects.filter(trade_date=latest).exclude(status="open").exists()  # today's work
    for alert in past.filter(status="resolved")[:50]:
        steps = list(alert.events.order_by("at").values_list("action", "at", "note"))
        actions = [action for action, _at, _note in steps if action != "escalated"]
        assert actions == ["acknowledged", "contacted", "resolved"], steps
        assert timezone.localtime(alert.raised_at).time() == datetime.time(17, 30)
        contact = ContactRecord.objects.get(alert=alert)
        assert f"contact record {contact.pk}" in [note for action, _at, note in steps if action == "contacted"]
        assert alert.raised_at < contact.contacted_at <= steps[-1][1]
        assert (contact.contacted_at > alert.due_at) == alert.escalated  # late ones escalated at their deadline
    ages = risk_dashboard(StaffProfile.objects.filter(role=Role.HEAD_OFFICE).first().user)["ages"]
    assert sum(1 for bucket in ages if bucket["count"]) >= 2  # not every alert "raised within the hour"
    assert set(Complaint.objects.values_list("status", flat=True)) == set(Complaint.Status.values)
    assert SurveyResponse.objects.filter(reference="").count() == counts["surveys"] > 0
    # the service desk's past (S11–S15): tickets in every state, the knowledge base, clients' own survey answers
    assert counts["tickets"] > 0 and counts["knowledge base"] > 0
    assert {"new", "waiting", "resolved"} <= set(Ticket.objects.values_list("state", flat=True))
    assert SurveyResponse.objects.exclude(reference="").count() == SurveyInvitation.objects.filter(
        answered_at__isnull=False).count() > 0
    assert SmsDelivery.objects.filter(broadcast__isnull=False).count() == counts["broadcast SMS"] > 0
    # the plans' contacts; a low survey score adds a follow-up contact of its own (S8), as many as the hour brings
    assert ContactRecord.objects.filter(alert__isnull=True).exclude(
        category=ContactRecord.Category.SURVEY).count() == counts["contacts"] > 0
    # research (S18–S23) and prospects (S24–S25)
    assert counts["research SMS"] > 0 and Publication.objects.filter(state="in_review").exists()
    assert Question.objects.filter(state="answered").exists()
    assert counts["prospects"] > 0
    assert {"new", "contacted", "appointment", "lost"} <= set(Prospect.objects.values_list("stage", flat=True))
    assert Appointment.objects.filter(state="booked").count() == Prospect.objects.filter(stage="appointment").count()
    # events, attendance and referrers (S29–S34)
    assert counts["event guests"] == EventGuest.objects.count() > 0
    assert EducationRecord.objects.exists() and EventGuest.objects.filter(registered_at__isnull=True).exists()
    assert FollowUpTask.objects.filter(source="event").exists()
    assert Attribution.objects.filter(referrer__isnull=False).exists()
    assert Attribution.objects.count() == Client.objects.count()


@pytest.mark.parametrize(("address", "environment", "expected"), [
    ("127.0.0.1:9000", None, "http://127.0.0.1:9000"),
    ("0.0.0.0:8000", None, f"http://{socket.gethostname()}:8000"),
    ("127.0.0.1:9000", "https://crm.example.com", "https://crm.example.com"),
])
def test_the_demo_links_point_at_the_address_served(monkeypatch, address, environment, expected):
    """Issue 36: `dev.py start --address` is where a phone opens the demo's SMS links, unless FUTCRM_PUBLIC_URL says."""
    if environment:
        monkeypatch.setenv("FUTCRM_PUBLIC_URL", environment)
    else:
        monkeypatch.delenv("FUTCRM_PUBLIC_URL", raising=False)
    assert DevstackCommand._public_url(address) == expected
