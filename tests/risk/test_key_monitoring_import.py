"""R3 (issue 16 item 5): the settlement department's key-monitoring list from before go-live imported from CSV or
Excel, with reasons and dates; all or nothing with each bad row named; only clients the importer may see (O)."""

import datetime
import io
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook

from clients.roles import Role
from core.errors import DomainError
from risk.models import KeyMonitoring
from risk.services import key_monitoring_import

HEADER = "资金账号,原因,列入日期,最近触发日期,备注\n"



@pytest.fixture(autouse=True)
def in_english():
    """The services' messages read here in English (the admin's tests below read them in Chinese, as staff do)."""
    with translation.override("en"):
        yield


def imported(world, role, text, filename="list.csv"):
    return key_monitoring_import(user=world["staff"][role].user, data=text.encode(), filename=filename)


def test_the_list_is_imported_with_its_reasons_and_dates(world):
    entries = imported(world, Role.HEAD_OFFICE, HEADER
                       + "1001,大额亏损,2026-09-01,2026-11-20,结算部名单\n"
                       + "1002,large_fund_movement,2026/10/08,,\n"
                       + "2001,客户持仓集中度高,2026-11-02,,\n")
    assert len(entries) == 3
    rows = {entry.client.account_no: entry for entry in KeyMonitoring.objects.select_related("client")}
    own = rows["1001"]
    assert (own.reason, own.started_on, own.last_trigger_on, own.note, own.ended_on) == (
        "large_loss", datetime.date(2026, 9, 1), datetime.date(2026, 11, 20), "结算部名单", None)
    # No last trigger named: R3's quiet days count from the import.
    assert (rows["1002"].reason, rows["1002"].last_trigger_on) == ("large_fund_movement", timezone.localdate())
    # Words that are no reason of R3: an entry added by hand, the words kept as its note.
    assert (rows["2001"].reason, rows["2001"].note) == ("manual", "客户持仓集中度高")


@pytest.mark.parametrize(("line", "named"), [
    ("9999,大额亏损,2026-09-01,,", "Row 3: account_no 9999 is not a client you may see"),
    ("1001,大额亏损,2026-09-01,,", "Row 3: account_no 1001 appears again (first in row 2)"),
    ("1002,,2026-09-01,,", "Row 3: reason is required"),
    ("1002,大额亏损,,,", "Row 3: started_on is required"),
    ("1002,大额亏损,2026-02-30,,", "Row 3: started_on '2026-02-30' is not a date"),
    ("1002,大额亏损,2099-01-01,,", "Row 3: started_on 2099-01-01 is in the future"),
    ("1002,大额亏损,2026-09-01,2026-08-31,", "Row 3: last_trigger_on is before started_on"),
])  # fmt: skip
def test_one_bad_row_is_named_and_nothing_is_added(world, line, named):
    with pytest.raises(DomainError, match=re.escape(named)) as raised:
        imported(world, Role.HEAD_OFFICE, HEADER + "1001,大额亏损,2026-09-01,,\n" + line + "\n")
    assert raised.value.status == 400
    assert not KeyMonitoring.objects.exists()


def test_exactly_today_and_started_on_as_last_trigger_are_accepted(world):
    today = timezone.localdate()
    imported(world, Role.HEAD_OFFICE, HEADER + f"1001,大额亏损,{today},{today},\n")
    assert KeyMonitoring.objects.get().started_on == today


def test_a_client_already_on_the_list_is_named(world):
    imported(world, Role.HEAD_OFFICE, HEADER + "1001,大额亏损,2026-09-01,,\n")
    with pytest.raises(DomainError, match="Row 2: account_no 1001 is on the key-monitoring list already"):
        imported(world, Role.HEAD_OFFICE, HEADER + "1001,大额亏损,2026-09-01,,\n")


def test_a_branch_imports_only_its_own_clients(world):
    with pytest.raises(DomainError, match="Row 3: account_no 2001 is not a client you may see"):
        imported(world, Role.BRANCH_MANAGER, HEADER + "1001,大额亏损,2026-09-01,,\n2001,大额亏损,2026-09-01,,\n")
    assert not KeyMonitoring.objects.exists()
    with pytest.raises(PermissionDenied):
        imported(world, Role.ADVISOR, HEADER + "1001,大额亏损,2026-09-01,,\n")


def test_an_excel_list_without_the_optional_columns(world):
    workbook = Workbook()
    workbook.active.append(["account_no", "reason", "started_on"])
    workbook.active.append([1001, "大额出入金", datetime.datetime(2026, 10, 12)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    key_monitoring_import(user=world["staff"][Role.RISK_OFFICER].user, data=buffer.getvalue(), filename="名单.xlsx")
    entry = KeyMonitoring.objects.get()
    assert (entry.client.account_no, entry.reason, entry.started_on) == ("1001", "large_fund_movement",
                                                                         datetime.date(2026, 10, 12))


def test_the_admin_imports_and_names_bad_rows_on_the_form(world, login):
    browser = login(world["staff"][Role.RISK_OFFICER])
    url = reverse("admin:risk_keymonitoring_import")
    listing = browser.get(reverse("admin:risk_keymonitoring_changelist")).content.decode()
    assert url in listing
    bad = io.BytesIO((HEADER + "2001,大额亏损,2026-09-01,,\n").encode())
    bad.name = "list.csv"
    page = browser.post(url, {"file": bad})
    assert page.status_code == 200 and "第 2 行：资金账号 2001 不是您可查看的客户。" in page.content.decode()
    good = io.BytesIO((HEADER + "1001,大额亏损,2026-09-01,,\n").encode())
    good.name = "list.csv"
    preview = browser.post(url, {"file": good})  # the preview writes nothing; the Import button does
    assert preview.status_code == 200 and not KeyMonitoring.objects.exists()
    good.seek(0)
    assert browser.post(url, {"file": good, "commit": "1"}).status_code == 302
    assert KeyMonitoring.objects.get().client == world["clients"]["own"]


@pytest.mark.parametrize("role", [Role.ADVISOR, Role.SERVICE_STAFF])
def test_roles_that_do_not_keep_the_list_cannot_open_the_import(world, login, role):
    assert login(world["staff"][role]).get(reverse("admin:risk_keymonitoring_import")).status_code == 403
