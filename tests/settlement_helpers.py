import csv
import io
import json
from decimal import Decimal

from settlement.services import api_token_issue
from settlement.sql import STATEMENT_FIELDS

TRADE_DATE = "2026-11-20"  # a Friday, a trading day in the seeded calendar


def statement_row(account_no: str, *, pre_balance="100000.00", deposit="0", withdrawal="0", close_profit="0",
                  position_profit="0", commission="0", other_adjustments="0", margin="0", **overrides) -> dict:
    balance = (Decimal(pre_balance) + Decimal(deposit) - Decimal(withdrawal) + Decimal(close_profit)
               + Decimal(position_profit) - Decimal(commission) + Decimal(other_adjustments))
    row = {"account_no": account_no, "pre_balance": pre_balance, "deposit": deposit, "withdrawal": withdrawal,
           "close_profit": close_profit, "position_profit": position_profit, "commission": commission,
           "other_adjustments": other_adjustments, "balance": f"{balance:.2f}", "margin": margin,
           "available": f"{balance - Decimal(margin):.2f}", "trade_volume": 0, "position_volume": 0}
    row.update(overrides)
    return row


def token_for(user, *scopes) -> str:
    _record, token = api_token_issue(name=f"t-{user.username}-{'-'.join(scopes)}", scopes=list(scopes), user=user)
    return token


class Api:
    """A settlement-system client: bearer token, JSON and CSV bodies."""

    def __init__(self, client, token):
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def push(self, rows, trade_date=TRADE_DATE, **headers):
        body = json.dumps({"trade_date": trade_date, "rows": rows})
        return self.client.post("/api/v1/settlement/statements", body, content_type="application/json",
                                **self.headers, **headers)

    def push_csv(self, rows, *, chinese=False, charset="utf-8", trade_date=TRADE_DATE):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        fields = list(STATEMENT_FIELDS)
        writer.writerow([STATEMENT_FIELDS[name] if chinese else name for name in fields])
        for row in rows:
            writer.writerow([row.get(name, "") for name in fields])
        return self.client.post(f"/api/v1/settlement/statements?trade_date={trade_date}",
                                buffer.getvalue(), content_type=f"text/csv; charset={charset}",  # client encodes
                                **self.headers)

    def push_clients(self, clients, **headers):
        return self.client.post("/api/v1/settlement/clients", json.dumps({"clients": clients}),
                                content_type="application/json", **self.headers, **headers)

    def close(self, trade_date=TRADE_DATE, **totals):
        return self.client.post(f"/api/v1/settlement/days/{trade_date}/close", json.dumps(totals),
                                content_type="application/json", **self.headers)

    def reopen(self, trade_date=TRADE_DATE):
        return self.client.post(f"/api/v1/settlement/days/{trade_date}/reopen", "{}",
                                content_type="application/json", **self.headers)

    def status(self, trade_date=TRADE_DATE):
        return self.client.get(f"/api/v1/settlement/days/{trade_date}", **self.headers)
