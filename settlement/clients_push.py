"""Client master data pushed by the settlement system (settlement-api.md, client master data): per-row
validation, then one all-or-nothing upsert by account_no. CRM-owned fields are never touched. New accounts owe
their welcome (S3), recorded with them and run by backoffice/workflows.py."""

import datetime
import re

from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from clients import pii
from clients.models import ACCOUNT_NO_PATTERN, Branch, Client, StaffProfile
from clients.roles import Role
from core.dates import parse_iso_date
from core.errors import row_error, text_is_storable
from core.owed import owe_and_queue
from settlement.services import refusal_of_rows

MAX_CLIENT_ROWS = 10_000
ACCOUNT_NO = re.compile(ACCOUNT_NO_PATTERN)
# The job a new account owes (S3 welcome SMS); backoffice/workflows.py runs it.
CLIENTS_ARRIVED = "clients_arrived"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
KNOWN_FIELDS = {"account_no", "name", "client_type", "branch_code", "opened_on", "closed_on", "id_type",
                "id_number", "phone", "email", "address", "last_trade_date", "advisor_code"}
# Master fields compared to decide updated/unchanged; PII is compared by its lookup hash.
MASTER_FIELDS = ["name", "client_type", "branch_id", "opened_on", "closed_on", "id_type", "email", "address",
                 "last_trade_date", "id_number_hash", "phone_hash"]


class _Row:
    def __init__(self, number: int, data):
        self.number = number
        self.data = data if isinstance(data, dict) else {}
        account_no = str(self.data.get("account_no", ""))
        self.account_no = account_no if account_no and text_is_storable(account_no) else None
        self.errors: list[dict] = []
        self.values: dict = {}
        if not isinstance(data, dict):
            self.fail("row", "not_object", "row is not an object")

    def fail(self, field, code, message):
        self.errors.append(row_error(self.number, self.account_no, field, code, message))

    def text(self, field, *, required=False, max_length=None):
        value = self.data.get(field)
        if value is None or (isinstance(value, str) and value.strip() == ""):
            if required:
                self.fail(field, "required", f"{field} is required")
            return ""
        if not isinstance(value, str):
            self.fail(field, "invalid", f"{field} must be a string")
            return ""
        value = value.strip()
        if not text_is_storable(value):
            self.fail(field, "invalid", f"{field} holds a NUL or an invalid character (a lone surrogate)")
            return ""
        if max_length and len(value) > max_length:
            self.fail(field, "too_long", f"{field} is longer than {max_length} characters")
        return value

    def date(self, field, *, required=False):
        value = self.text(field, required=required)
        if not value:
            return None
        try:
            return parse_iso_date(value)  # exactly YYYY-MM-DD, as the statement push reads dates
        except ValueError:
            self.fail(field, "invalid", f"{field} must be a date YYYY-MM-DD")
            return None


def _validate(row: _Row, branches: dict, today: datetime.date) -> None:
    unknown = sorted(set(row.data) - KNOWN_FIELDS)
    if unknown:
        row.fail("row", "unknown_field", f"unknown field(s): {', '.join(unknown)}")
    account_no = row.text("account_no", required=True)
    if account_no and not ACCOUNT_NO.match(account_no):
        row.fail("account_no", "invalid", "account_no must be 1–32 letters or digits")
    name = row.text("name", required=True, max_length=100)
    client_type = row.text("client_type", required=True)
    if client_type and client_type not in Client.ClientType.values:
        row.fail("client_type", "invalid", f"client_type must be one of {', '.join(Client.ClientType.values)}")
    branch_code = row.text("branch_code", required=True)
    if branch_code and branch_code not in branches:
        row.fail("branch_code", "unknown_branch", f"branch {branch_code} does not exist")
    opened_on = row.date("opened_on", required=True)
    if opened_on and opened_on > today:
        row.fail("opened_on", "future", "opened_on is in the future")
    closed_on = row.date("closed_on")
    if closed_on and opened_on and closed_on < opened_on:
        row.fail("closed_on", "before_opened", "closed_on is before opened_on")
    id_type = row.text("id_type")
    if id_type and id_type not in Client.IdType.values:
        row.fail("id_type", "invalid", f"id_type must be one of {', '.join(Client.IdType.values)}")
    id_number = pii.normalise_id_number(row.text("id_number", max_length=64))
    if id_number and id_type == Client.IdType.ID_CARD and (reason := pii.id_card_error(id_number)):
        row.fail("id_number", "invalid", f"id_number {reason}")
    phone = pii.normalise_phone(row.text("phone", max_length=32))
    if phone and not pii.is_valid_phone(phone):
        row.fail("phone", "invalid", "phone must be a mainland mobile (1 and 10 digits) or a landline with area code")
    email = row.text("email", max_length=254)
    if email and not EMAIL.match(email):
        row.fail("email", "invalid", "email is not an email address")
    last_trade_date = row.date("last_trade_date")
    if last_trade_date and last_trade_date > today:
        row.fail("last_trade_date", "future", "last_trade_date is in the future")
    elif last_trade_date and opened_on and last_trade_date < opened_on:
        row.fail("last_trade_date", "before_opened", "last_trade_date is before opened_on")
    row.values = {
        "account_no": account_no, "name": name, "client_type": client_type, "branch_id": branches.get(branch_code),
        "opened_on": opened_on, "closed_on": closed_on, "id_type": id_type, "id_number": id_number,
        "phone": phone, "email": email, "address": row.text("address", max_length=200),
        "last_trade_date": last_trade_date, "advisor_code": row.text("advisor_code"),
    }  # fmt: skip


def clients_upsert_from_settlement(rows: list) -> dict:
    """Validate every row, then create or update all clients in one transaction; nothing is written if any row
    is invalid. Returns received/created/updated/unchanged counts."""
    branches = dict(Branch.objects.values_list("code", "pk"))
    parsed = [_Row(number, data) for number, data in enumerate(rows, start=1)]
    today = timezone.localdate()
    first_row: dict[str, int] = {}
    for row in parsed:
        if row.errors:
            continue
        _validate(row, branches, today)
        account_no = row.values.get("account_no")
        if account_no in first_row:
            row.fail("account_no", "duplicate", f"account {account_no} appears more than once in this request "
                                                f"(first in row {first_row[account_no]})")
        elif account_no:
            first_row[account_no] = row.number
    advisor_codes = {row.values["advisor_code"] for row in parsed if row.values.get("advisor_code")}
    advisors = {profile.staff_code: profile for profile in
                StaffProfile.objects.filter(staff_code__in=advisor_codes, role=Role.ADVISOR)}
    for row in parsed:
        code = row.values.get("advisor_code")
        if code and code not in advisors:
            row.fail("advisor_code", "unknown_advisor", f"no advisor has staff code {code}")
        elif code and advisors[code].branch_id != row.values.get("branch_id"):
            row.fail("advisor_code", "branch_mismatch", f"advisor {code} works at another branch")
    errors = [error for row in parsed for error in row.errors]
    if errors:
        raise refusal_of_rows(errors)

    with transaction.atomic():
        with connection.cursor() as cursor:  # one push of client master data at a time
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('futcrm:settlement-clients'))")
        existing = {client.account_no: client for client in
                    Client.objects.select_for_update().filter(account_no__in=list(first_row))}
        to_create, to_update = [], []
        for row in parsed:
            values = row.values
            client = existing.get(values["account_no"]) or Client(account_no=values["account_no"])
            before = {name: getattr(client, name) for name in MASTER_FIELDS}
            for name in ["name", "client_type", "branch_id", "opened_on", "closed_on", "id_type", "email",
                         "address", "last_trade_date"]:
                setattr(client, name, values[name])
            if pii.lookup_hash(values["id_number"]) != client.id_number_hash or not values["id_number"]:
                client.set_id_number(values["id_number"])
            if pii.lookup_hash(values["phone"]) != client.phone_hash or not values["phone"]:
                client.set_phone(values["phone"])
            assign_advisor = values["advisor_code"] and client.advisor_id is None
            if assign_advisor:
                client.advisor = advisors[values["advisor_code"]]
            if client.pk is None:
                to_create.append(client)
            elif assign_advisor or before != {name: getattr(client, name) for name in MASTER_FIELDS}:
                to_update.append(client)
        now = timezone.now()
        for client in to_create + to_update:
            client.updated_at = now
            if client.pk is None:
                client.created_at = now
        bulk_create_with_history(to_create, Client, batch_size=1000)
        if to_create:  # S3: the welcome SMS is owed with the new accounts, and queued once they are committed
            new_ids = list(Client.objects.filter(account_no__in=[c.account_no for c in to_create])
                           .values_list("pk", flat=True))
            owe_and_queue(CLIENTS_ARRIVED, f"{min(new_ids)}-{max(new_ids)}@{now:%Y%m%dT%H%M%S.%f}",
                          arguments={"client_ids": new_ids}, what="the welcome of new accounts")
        bulk_update_with_history(to_update, Client, MASTER_FIELDS[:9] + [
            "id_number_ciphertext", "id_number_hash", "phone_ciphertext", "phone_hash", "phone_last4", "birth_date",
            "home_region", "advisor", "updated_at"], batch_size=1000)  # fmt: skip
    return {"received": len(parsed), "created": len(to_create), "updated": len(to_update),
            "unchanged": len(parsed) - len(to_create) - len(to_update)}
