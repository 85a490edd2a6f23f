"""The advisor workbench (issue 6 item 9; S2, S3, S6, R5, T12): what is due today, within the user's scope."""

import datetime

from django.urls import reverse
from django.utils import timezone

from clients.models import ClientArchive
from clients.roles import Role
from risk.models import RiskThresholdSet
from service_log.selectors import workbench
from tests.factories import AlertFactory, ClientFactory, ContactRecordFactory, KeyMonitoringFactory
from tests.fixtures.workbench import TODAY


def test_vip_contact_plan_counts_outbound_contacts_this_week(gold_clients):

    world = gold_clients
    own, advisor = world["clients"]["own"], world["staff"][Role.ADVISOR]
    work = workbench(advisor.user, TODAY)
    assert [(client, client.done, client.minimum) for client in work["plan"].all_clients()] == [(own, 0, 3)]
    monday = timezone.make_aware(datetime.datetime(2026, 11, 23, 10))
    for hours in range(3):
        ContactRecordFactory(client=own, staff=advisor, category="guidance", summary="market view",
                                     contacted_at=monday + datetime.timedelta(hours=hours))
    ContactRecordFactory(client=own, staff=advisor, category="guidance", summary="last week",
                                 contacted_at=monday - datetime.timedelta(days=1))
    assert workbench(advisor.user, TODAY)["plan"].all_clients() == []


def test_key_monitoring_puts_any_client_on_the_plan(world):

    colleague = world["clients"]["colleague"]
    KeyMonitoringFactory(client=colleague, reason="large_loss", started_on=TODAY, last_trigger_on=TODAY)
    due = workbench(world["staff"][Role.SERVICE_STAFF].user, TODAY)["plan"].all_clients()
    assert due == [colleague]
    assert workbench(world["staff"][Role.ADVISOR].user, TODAY)["plan"].all_clients() == []  # not the advisor's client


def test_onboarding_calls_every_three_trading_days_until_the_first_trade(world):

    own, advisor = world["clients"]["own"], world["staff"][Role.ADVISOR]
    # opened in 2024: dormancy, not onboarding
    assert own not in workbench(advisor.user, TODAY)["onboarding"].all_clients()
    own.opened_on = datetime.date(2026, 11, 2)
    own.save()
    assert own in workbench(advisor.user, TODAY)["onboarding"].all_clients()
    ContactRecordFactory(client=own, staff=advisor, category="onboarding", summary="welcome call",
                                 contacted_at=timezone.make_aware(datetime.datetime(2026, 11, 23, 9)))
    assert own not in workbench(advisor.user, TODAY)["onboarding"].all_clients()
    later = datetime.date(2026, 11, 27)  # 3 trading days later
    assert own in workbench(advisor.user, later)["onboarding"].all_clients()


def test_vip_archives_and_follow_ups_and_alerts(gold_clients, login):
    world = gold_clients
    own, advisor = world["clients"]["own"], world["staff"][Role.ADVISOR]
    ContactRecordFactory(client=own, staff=advisor, category="guidance", summary="call back",
                                 contacted_at=timezone.make_aware(datetime.datetime(2026, 11, 20, 9)),
                                 next_follow_up=TODAY)
    now = timezone.now()
    AlertFactory(client=own, trade_date=TODAY, kind="margin_call", severity="high",
                         thresholds=RiskThresholdSet.objects.get(), raised_at=now, due_at=now)

    work = workbench(advisor.user, TODAY)
    assert work["archives"].all_clients() == [own]
    assert work["follow_ups"].all_clients() == [own]
    assert work["alerts"].all_clients() == [own]
    ClientArchive.objects.create(client=own, serial_number="DA-1", total_investable_assets=5000000,
                                 trading_experience_years=8, trading_habits="trend", risk_preference="balanced",
                                 return_expectation="15%")
    assert workbench(advisor.user, TODAY)["archives"].all_clients() == []
    page = login(advisor).get(reverse("workbench"))
    assert page.status_code == 200 and own.name in page.content.decode()
    assert world["clients"]["other_branch"].name not in page.content.decode()


def test_no_workbench_for_the_settlement_system(world, login):
    assert login(world["staff"][Role.SETTLEMENT_SYSTEM]).get(reverse("workbench")).status_code == 403


# Issue 14 item 5: sorted by urgency, each client once, true counts, paging, filters -------------------------------

def alert_for(client, kind="margin_call", due_in=datetime.timedelta(minutes=30), trade_date=TODAY):
    now = timezone.now()
    return AlertFactory(client=client, trade_date=trade_date, kind=kind, severity="high",
                                thresholds=RiskThresholdSet.objects.get(), raised_at=now - datetime.timedelta(
                                    minutes=5), due_at=now + due_in)


def test_alerts_due_soonest_lead_and_the_overdue_are_a_group_of_their_own(world):
    colleague, own = world["clients"]["colleague"], world["clients"]["own"]
    stale = alert_for(colleague, due_in=-datetime.timedelta(days=90), trade_date=datetime.date(2026, 8, 25))
    soon = alert_for(own, due_in=datetime.timedelta(minutes=30))
    later = alert_for(own, kind="risk_warning", due_in=datetime.timedelta(hours=20))
    groups = {group.key: list(group.clients) for group in
              workbench(world["staff"][Role.SERVICE_STAFF].user, TODAY)["alerts"].groups}
    assert [group.key for group in workbench(world["staff"][Role.SERVICE_STAFF].user, TODAY)["alerts"].groups] == [
        "due", "overdue"]
    assert groups == {"due": [own], "overdue": [colleague]}  # each client once
    section = workbench(world["staff"][Role.SERVICE_STAFF].user, TODAY)["alerts"]
    assert section.all_items() == [soon, later, stale]  # own's two alerts, soonest first; then the overdue one


def test_the_client_with_the_soonest_deadline_comes_first(world):
    own, colleague = world["clients"]["own"], world["clients"]["colleague"]
    alert_for(own, kind="risk_warning", due_in=datetime.timedelta(hours=20))
    alert_for(colleague, due_in=datetime.timedelta(minutes=40))
    due = workbench(world["staff"][Role.BRANCH_MANAGER].user, TODAY)["alerts"].groups[0]
    assert list(due.clients) == [colleague, own]


def test_the_page_says_how_many_it_shows_and_links_the_whole_list(world, login, monkeypatch):
    branch, advisor = world["branches"][0], world["staff"][Role.ADVISOR]
    for number in range(11):
        alert_for(ClientFactory(branch=branch, advisor=advisor, account_no=f"31{number:02d}"),
                  due_in=datetime.timedelta(minutes=10 + number))
    browser = login(advisor)
    overview = browser.get(reverse("workbench")).content.decode()
    assert "显示 8 / 11" in overview and 'href="?kind=alerts"' in overview
    monkeypatch.setattr("service_log.views.PAGE_SIZE", 5)
    whole = browser.get(reverse("workbench"), {"kind": "alerts"})
    due = whole.context["sections"][0]["groups"][0]
    assert (due["count"], len(due["page"].object_list), due["pages"].num_pages) == (11, 5, 3)
    last = browser.get(reverse("workbench"), {"kind": "alerts", "due_page": 3}).context["sections"][0]
    assert [client.account_no for client in last["groups"][0]["page"].object_list] == ["3110"]
    assert [section["key"] for section in whole.context["sections"]] == ["alerts"]


def test_the_weekly_plan_is_explained_in_words(gold_clients, login):
    page = login(gold_clients["staff"][Role.ADVISOR]).get(reverse("workbench")).content.decode()
    assert "本周已联系 0 次 / 计划 3 次" in page
    assert "gold" not in page and "黄金" in page  # the archive's tier, in Chinese


def test_head_office_filters_by_branch_and_advisor(world, login):
    for client in world["clients"].values():
        alert_for(client)
    browser = login(world["staff"][Role.HEAD_OFFICE])
    branch_b = browser.get(reverse("workbench"), {"branch": world["branches"][1].pk})
    assert [c for c in branch_b.context["sections"][0]["groups"][0]["page"].object_list] == [
        world["clients"]["other_branch"]]
    one_advisor = browser.get(reverse("workbench"), {"advisor": world["advisors"][1].pk})
    assert list(one_advisor.context["sections"][0]["groups"][0]["page"].object_list) == [
        world["clients"]["colleague"]]


def test_head_office_picks_an_advisor_among_the_chosen_branchs(world, login):
    browser = login(world["staff"][Role.HEAD_OFFICE])
    assert "advisor" not in browser.get(reverse("workbench")).context["form"].fields
    branch_a = browser.get(reverse("workbench"), {"branch": world["branches"][0].pk}).context["form"]
    assert set(branch_a.fields["advisor"].queryset) == {world["advisors"][0], world["advisors"][1]}
    given = browser.get(reverse("workbench"), {"advisor": world["advisors"][2].pk}).context["form"]
    assert set(given.fields["advisor"].queryset) == {world["advisors"][2]}


def test_branch_roles_pick_among_their_branchs_advisors_and_advisors_pick_nothing(world, login):
    for client in world["clients"].values():
        alert_for(client)
    manager = login(world["staff"][Role.BRANCH_MANAGER]).get(reverse("workbench"))
    form = manager.context["form"]
    assert "branch" not in form.fields
    assert set(form.fields["advisor"].queryset) == {world["advisors"][0], world["advisors"][1]}
    refused = login(world["staff"][Role.BRANCH_MANAGER]).get(reverse("workbench"),
                                                             {"advisor": world["advisors"][2].pk})
    assert refused.context["form"].errors["advisor"]
    shown = {c for g in refused.context["sections"][0]["groups"] for c in g["page"].object_list}
    assert world["clients"]["other_branch"] not in shown  # an invalid filter never widens the scope
    advisor = login(world["staff"][Role.ADVISOR]).get(reverse("workbench"))
    assert set(advisor.context["form"].fields) == {"kind"}


def test_the_overdue_count_is_the_true_count(world, login):
    for client in world["clients"].values():
        alert_for(client, due_in=-datetime.timedelta(hours=2))
    sections = login(world["staff"][Role.HEAD_OFFICE]).get(reverse("workbench")).context["sections"]
    alerts = sections[0]
    assert alerts["key"] == "alerts" and alerts["count"] == 3
    assert [(group["key"], group["count"]) for group in alerts["groups"]] == [("due", 0), ("overdue", 3)]


def test_a_client_with_many_alerts_shows_the_first_four_and_links_the_rest(world, login):
    own = world["clients"]["own"]
    for back in range(6):
        alert_for(own, trade_date=TODAY - datetime.timedelta(days=back), due_in=datetime.timedelta(minutes=30 + back))
    page = login(world["staff"][Role.ADVISOR]).get(reverse("workbench")).content.decode()
    assert "等另外 2 条" in page and f"?q={own.account_no}" in page


def test_follow_ups_due_today_lead_and_the_missed_follow_the_latest_first(world):
    own, colleague, advisor = world["clients"]["own"], world["clients"]["colleague"], world["staff"][Role.ADVISOR]
    called = timezone.make_aware(datetime.datetime(2026, 11, 2, 9))
    for client, day in ((own, TODAY), (colleague, TODAY - datetime.timedelta(days=1))):
        ContactRecordFactory(client=client, staff=advisor, category="guidance", summary="call back",
                                     contacted_at=called, next_follow_up=day)
    other = ClientFactory(branch=world["branches"][0], advisor=world["advisors"][1], account_no="3999")
    ContactRecordFactory(client=other, staff=advisor, category="guidance", summary="call back",
                                 contacted_at=called, next_follow_up=TODAY - datetime.timedelta(days=9))
    groups = {group.key: list(group.clients) for group in
              workbench(world["staff"][Role.SERVICE_STAFF].user, TODAY)["follow_ups"].groups}
    assert groups == {"due": [own], "overdue": [colleague, other]}  # missed yesterday, then nine days ago
    ContactRecordFactory(client=colleague, staff=advisor, category="guidance", summary="called back",
                                 contacted_at=timezone.make_aware(datetime.datetime(2026, 11, 24, 9)))
    answered = workbench(world["staff"][Role.SERVICE_STAFF].user, TODAY)["follow_ups"]
    assert [list(group.clients) for group in answered.groups] == [[own], [other]]  # answered since: gone
