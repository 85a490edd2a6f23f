"""S20 distribution (audience, suitability, consent at sending, idempotent), S21 same-day follow-up, S4 coverage."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from clients.roles import Role
from core.errors import DomainError
from core.sms import LocmemBackend
from research.models import Delivery, Publication, ReviewDecision
from research.services import delivery_link, distribution_create, follow_up_due, publication_withdraw
from service_log.models import FollowUpTask, InformationGap, Notification, SmsDelivery
from service_log.services import contact_record_create, information_gaps_write
from tests.factories import make_staff
from tests.fixtures.research import DAY, approved, sent, tier
from tests.fixtures.times import local


@pytest.fixture
def gold_tip(research):
    """A trading tip (R3) approved; the advisor's client is gold, the colleague's is quality."""
    tier(research["clients"]["own"], "gold")
    tier(research["clients"]["colleague"], "quality")
    return approved(research, kind="tip", title="沪铜交易机会", body="关注回调后的机会。")


def test_a_tip_to_gold_and_above_of_one_branch_reaches_those_it_suits(research, gold_tip, settings):
    settings.SMS_BACKEND = "core.sms.LocmemBackend"
    LocmemBackend.outbox.clear()
    manager = research["staff"][Role.BRANCH_MANAGER].user
    distribution = distribution_create(user=manager, publication_id=gold_tip.pk, tiers=["diamond", "platinum", "gold"],
                                       branch_id=research["branches"][0].pk, today=DAY)
    distribution = sent(distribution)
    assert (distribution.recipients, distribution.sent, distribution.state) == (1, 1, "sent")
    delivery = Delivery.objects.get(distribution=distribution)
    assert delivery.client == research["clients"]["own"] and delivery.status == "sent"
    assert "沪铜交易机会" in LocmemBackend.outbox[0].text and "/r/" in LocmemBackend.outbox[0].text
    assert SmsDelivery.objects.get(pk=delivery.sms_id).sent_on == DAY
    told = Notification.objects.filter(recipient=research["staff"][Role.ADVISOR].user, text__contains="沪铜交易机会")
    assert told.count() == 1
    sent(distribution)  # run again (a retried job): nothing sent twice, the advisor not told twice
    assert len(LocmemBackend.outbox) == 1 and Delivery.objects.filter(distribution=distribution).count() == 1
    assert told.count() == 1


@pytest.mark.parametrize(("tolerance", "level", "gets"), [("C3", "R3", True), ("C2", "R3", False),
                                                          ("C5", "R5", True), ("", "R1", False)])
def test_a_client_gets_only_what_suits_their_risk_tolerance(research, tolerance, level, gets):
    client = research["clients"]["own"]
    client.risk_tolerance = tolerance
    client.save()
    publication = approved(research, risk_level=level)
    distribution = sent(distribution_create(user=research["staff"][Role.HEAD_OFFICE].user,
                                            publication_id=publication.pk, today=DAY))
    assert Delivery.objects.filter(distribution=distribution, client=client).exists() is gets


def test_consent_is_read_at_sending_and_the_scope_bounds_the_audience(research, gold_tip):
    manager = research["staff"][Role.BRANCH_MANAGER].user
    with pytest.raises(DomainError) as other_branch:
        distribution_create(user=manager, publication_id=gold_tip.pk, branch_id=research["branches"][1].pk)
    assert other_branch.value.field == "branch"
    distribution = distribution_create(user=manager, publication_id=gold_tip.pk, today=DAY)
    colleague = research["clients"]["colleague"]
    colleague.marketing_opt_in = False  # opted out after the distribution was written, before it is sent
    colleague.save()
    sent(distribution)
    statuses = dict(Delivery.objects.filter(distribution=distribution).values_list("client__account_no", "status"))
    assert statuses == {"1001": "sent", "1002": "no_consent"}  # branch B's client is not in the manager's scope


def test_an_investment_plan_goes_to_institutions_or_vip_tiers_only(research):
    plan = approved(research, kind="plan", title="套保方案")
    head_office = research["staff"][Role.HEAD_OFFICE].user
    with pytest.raises(DomainError) as everyone:
        distribution_create(user=head_office, publication_id=plan.pk)
    assert everyone.value.field == "client_type"
    with pytest.raises(DomainError):
        distribution_create(user=head_office, publication_id=plan.pk, tiers=["gold", "quality"])
    assert distribution_create(user=head_office, publication_id=plan.pk, client_type="institution").pk
    assert distribution_create(user=head_office, publication_id=plan.pk, tiers=["gold"]).pk


def test_the_tip_sets_same_day_follow_ups_closed_by_a_contact(research, gold_tip, client):
    distribution = sent(distribution_create(user=research["staff"][Role.HEAD_OFFICE].user,
                                            publication_id=gold_tip.pk, today=DAY))
    task = FollowUpTask.objects.get()  # the gold client only: the quality one is neither VIP nor key-monitored
    assert task.client == research["clients"]["own"] and task.due_at == local("2026-12-03", "00:00")
    assert task.advisor == research["staff"][Role.ADVISOR] and follow_up_due(DAY) == task.due_at
    colleague_delivery = Delivery.objects.get(distribution=distribution, client=research["clients"]["colleague"])
    token = delivery_link(colleague_delivery.pk).rsplit("/r/", 1)[1].strip("/")
    page = client.get(reverse("research-read", args=[token]))  # the colleague's client opens the link
    assert page.status_code == 200 and "沪铜交易机会" in page.content.decode() and "风险提示" in page.content.decode()
    assert FollowUpTask.objects.count() == 2
    assert client.get(reverse("research-read", args=[token + "x"])).status_code == 404
    FollowUpTask.objects.update(set_at=local("2026-12-02", "10:00"))  # sent on that trading day
    advisor = research["staff"][Role.ADVISOR]
    contact_record_create(user=advisor.user, client_id=research["clients"]["own"].pk, channel="phone",
                          direction="outbound", category="guidance", summary="回访交易机会",
                          contacted_at=local("2026-12-02", "23:59"))
    task.refresh_from_db()
    assert task.done_at == local("2026-12-02", "23:59") and task.contact_id is not None


def test_a_contact_before_the_task_was_set_does_not_close_it(research):
    from service_log.services import follow_up_tasks_set

    own = research["clients"]["own"]
    follow_up_tasks_set(source="test", source_key="1", client_ids=[own.pk], reason="x",
                        due_at=local("2026-12-03", "00:00"))
    contact_record_create(user=research["staff"][Role.ADVISOR].user, client_id=own.pk, channel="phone",
                          direction="outbound", category="other", summary="早先的电话",
                          contacted_at=local("2026-12-01", "10:00"))
    assert FollowUpTask.objects.get().done_at is None


def test_a_contact_logged_in_the_minute_the_task_was_set_closes_it_one_minute_before_does_not(research):
    from django.utils import timezone

    from service_log.services import follow_up_tasks_set

    own, colleague = research["clients"]["own"], research["clients"]["colleague"]
    follow_up_tasks_set(source="test", source_key="1", client_ids=[own.pk, colleague.pk], reason="x",
                        due_at=timezone.now() + datetime.timedelta(hours=2))
    minute = FollowUpTask.objects.values_list("set_at", flat=True).first()
    assert minute.second == 0 and minute.microsecond == 0  # set to the minute (S21)
    for client, at in [(own, minute), (colleague, minute - datetime.timedelta(minutes=1))]:
        contact_record_create(user=research["staff"][Role.BRANCH_MANAGER].user, client_id=client.pk,
                              channel="phone", direction="outbound", category="guidance", summary="回访",
                              contacted_at=at)
    assert FollowUpTask.objects.get(client=own).done_at == minute
    assert FollowUpTask.objects.get(client=colleague).done_at is None


def test_the_coverage_lists_opted_in_clients_who_got_nothing_that_day(research, gold_tip, login):
    sent(distribution_create(user=research["staff"][Role.HEAD_OFFICE].user, publication_id=gold_tip.pk,
                             tiers=["gold"], today=DAY))
    assert information_gaps_write(DAY) == 2  # the colleague's and branch B's clients
    assert set(InformationGap.objects.filter(trade_date=DAY).values_list("client__account_no", flat=True)) == {
        "1002", "2001"}
    assert information_gaps_write(DAY) == 2  # a second count rewrites the day
    assert information_gaps_write(DAY + datetime.timedelta(days=1)) == 3
    manager = login(research["staff"][Role.BRANCH_MANAGER])
    page = manager.get(reverse("information-coverage") + f"?day={DAY:%Y-%m-%d}")
    assert page.status_code == 200
    coverage = page.context["coverage"]
    assert (coverage["total"]["clients"], coverage["total"]["without"]) == (2, 1)  # branch A only (O)
    assert manager.get(reverse("information-coverage") + "?day=yesterday").status_code == 400


@pytest.mark.parametrize(("role", "status"), [(Role.ADVISOR, 403), (Role.SERVICE_STAFF, 200),
                                              (Role.BRANCH_MANAGER, 200), (Role.HEAD_OFFICE, 200)])
def test_the_coverage_report_is_for_the_desk_managers_and_head_office(research, login, role, status):
    assert login(research["staff"][role]).get(reverse("information-coverage")).status_code == status


def test_the_workbench_shows_the_advisors_follow_ups_and_who_got_nothing(research, gold_tip, login):
    sent(distribution_create(user=research["staff"][Role.HEAD_OFFICE].user, publication_id=gold_tip.pk,
                             tiers=["gold"], today=DAY))
    information_gaps_write(DAY)
    page = login(research["staff"][Role.ADVISOR]).get(reverse("workbench"))
    sections = {section["key"]: section["count"] for section in page.context["sections"]}
    assert sections["tasks"] == 1 and sections["no_information"] == 0  # the advisor's own client got the tip
    colleague = login(research["advisors"][1]).get(reverse("workbench"))
    assert {s["key"]: s["count"] for s in colleague.context["sections"]}["no_information"] == 1


def test_a_publication_link_opens_for_90_days_from_its_sending(research, gold_tip, client):
    """S20 with core/links.py: a link sent 90 days ago to the second is closed, one second less is open; a link sent
    before links carried their expiry is judged by the delivery's own sending time."""
    distribution = sent(distribution_create(user=research["staff"][Role.HEAD_OFFICE].user,
                                            publication_id=gold_tip.pk, today=DAY))
    delivery = Delivery.objects.filter(distribution=distribution).exclude(sent_at=None).first()
    now = timezone.now()
    open_link = delivery_link(delivery.pk, now - datetime.timedelta(days=90) + datetime.timedelta(seconds=5))
    closed_link = delivery_link(delivery.pk, now - datetime.timedelta(days=90))
    assert client.get(urlsplit(open_link).path).status_code == 200
    assert client.get(urlsplit(closed_link).path).status_code == 404
    old_token = signing.Signer(salt="futcrm.research.delivery").sign(str(delivery.pk))
    assert client.get(reverse("research-read", args=[old_token])).status_code == 200
    Delivery.objects.filter(pk=delivery.pk).update(sent_at=now - datetime.timedelta(days=90))
    assert client.get(reverse("research-read", args=[old_token])).status_code == 404


def test_compliance_withdraws_a_publication_and_its_link_is_gone(research, gold_tip, client, login):
    """Issue 35 finding 9: a withdrawn publication stayed public at its phone link, and nobody could withdraw one.
    Compliance withdraws it from its page with a reason (kept as a decision); its links answer 404, nothing more is
    sent; an analyst may not withdraw."""
    distribution = sent(distribution_create(user=research["staff"][Role.HEAD_OFFICE].user,
                                            publication_id=gold_tip.pk, today=DAY))
    delivery = Delivery.objects.filter(distribution=distribution).exclude(sent_at=None).first()
    path = urlsplit(delivery_link(delivery.pk)).path
    assert client.get(path).status_code == 200
    compliance = make_staff(Role.COMPLIANCE, None, "COMP-W")
    act = reverse("admin:research_publication_act", args=[gold_tip.pk])
    login(compliance).post(act, {"action": "withdraw", "withdraw_reason": ""})  # a reason is required
    gold_tip.refresh_from_db()
    assert gold_tip.state == Publication.State.APPROVED
    login(compliance).post(act, {"action": "withdraw", "withdraw_reason": "行情已变化，提示失效"})
    gold_tip.refresh_from_db()
    assert gold_tip.state == Publication.State.WITHDRAWN
    assert ReviewDecision.objects.filter(decision="withdrawn", comment="行情已变化，提示失效",
                                         reviewer=compliance.user).exists()
    assert client.get(path).status_code == 404
    with pytest.raises(DomainError):
        distribution_create(user=research["staff"][Role.HEAD_OFFICE].user, publication_id=gold_tip.pk, today=DAY)
    with pytest.raises(PermissionDenied):
        publication_withdraw(user=research["staff"][Role.HEAD_OFFICE].user, publication_id=gold_tip.pk, reason="x")
