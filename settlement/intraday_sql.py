"""The set-based SQL of intraday snapshots (settlement/intraday.py, domain.md I1; STYLE.md 3).

The three sections are COPYed into typed temporary tables (PostgreSQL's input functions read every value); the
statements below write the state: quotes upserted per instrument, the listed accounts' funds and positions replaced
(every account's when the snapshot is complete), their first volumes of the day (I5) and a point of their path
through the day. A guard counts what each statement wrote against what it read: a row it left out (an unknown
account, a third decimal place, a position of an account not listed, an instrument never quoted) makes the caller
undo the whole write and diagnose the body."""

import re

QUOTE_FIELDS = ["instrument", "exchange", "product", "multiplier", "last_price", "pre_settlement", "upper_limit",
                "lower_limit"]
ACCOUNT_MONEY = ["pre_balance", "deposit", "withdrawal", "close_profit", "position_profit", "commission", "balance",
                 "margin", "exchange_margin", "frozen_margin", "available"]
ACCOUNT_FIELDS = ["account_no", *ACCOUNT_MONEY]
POSITION_MONEY = ["margin", "exchange_margin", "position_profit", "open_cost"]
POSITION_FIELDS = ["account_no", "instrument", "direction", "hedge", "volume", "today_volume", *POSITION_MONEY]
NON_NEGATIVE = {"deposit", "withdrawal", "commission", "margin", "exchange_margin", "frozen_margin"}
INSTRUMENT = re.compile(r"[0-9A-Za-z]{1,32}")
PRODUCT = re.compile(r"[0-9A-Za-z]{1,16}")

LOCK_DAY_SHARED = ("SELECT pg_advisory_xact_lock_shared(hashtext('futcrm:settlement-day'),"
                   " hashtext(%(trade_date)s::text))")  # as settlement/sql.py's: a close waits for a push
LOCK_SNAPSHOTS = "SELECT pg_advisory_xact_lock(hashtext('futcrm:snapshots'), hashtext(%(trading_day)s::text))"

CREATE_INCOMING = """
DROP TABLE IF EXISTS snapshot_quotes, snapshot_accounts, snapshot_positions;  -- an earlier push, same transaction
CREATE TEMPORARY TABLE snapshot_quotes (
    instrument text, exchange text, product text, multiplier integer,
    last_price numeric, pre_settlement numeric, upper_limit numeric, lower_limit numeric
) ON COMMIT DROP;
CREATE TEMPORARY TABLE snapshot_accounts (
    account_no text, """ + ", ".join(f"{name} numeric" for name in ACCOUNT_MONEY) + """
) ON COMMIT DROP;
CREATE TEMPORARY TABLE snapshot_positions (
    account_no text, instrument text, direction text, hedge text, volume integer, today_volume integer,
    """ + ", ".join(f"{name} numeric" for name in POSITION_MONEY) + """
) ON COMMIT DROP;
"""


def _exact(columns: list[str], table: str, places: int) -> str:
    """No value with more decimal places than the column keeps (a numeric(17, 2) would round it silently)."""
    return " AND ".join(f"scale({table}.{name}) <= {places}" for name in columns)


# Values with more decimal places than their column keeps (a guard of its own: inside the writes' WHERE its
# selectivity misled the planner into nested loops), NaN (whose scale is NULL), a product code not of letters and
# digits, an instrument quoted twice.
INEXACT = f"""
SELECT (SELECT count(*) FROM snapshot_quotes q
        WHERE NOT coalesce({_exact(["last_price", "pre_settlement", "upper_limit", "lower_limit"], "q", 6)}, false))
     + (SELECT count(*) FROM snapshot_accounts a WHERE NOT coalesce({_exact(ACCOUNT_MONEY, "a", 2)}, false))
     + (SELECT count(*) FROM snapshot_positions p WHERE NOT coalesce({_exact(POSITION_MONEY, "p", 2)}, false))
     + (SELECT count(*) FROM snapshot_quotes q WHERE q.product !~ '^[0-9A-Za-z]{{1,16}}$' OR q.product IS NULL)
     + (SELECT count(*) - count(DISTINCT instrument) FROM snapshot_quotes)  -- an instrument twice
"""

# Quotes replace the instrument's last quote of the day (I1); `sequence` says the last snapshot that *moved* it (an
# instrument sent again unchanged keeps its sequence), so an evaluation looks only at the holders of what moved.
WRITE_QUOTES = f"""
INSERT INTO settlement_intradayquote (trading_day, {", ".join(QUOTE_FIELDS)}, sequence)
SELECT %(trading_day)s, {", ".join(QUOTE_FIELDS)}, %(sequence)s FROM snapshot_quotes q
ON CONFLICT (trading_day, instrument) DO UPDATE SET
    exchange = EXCLUDED.exchange, product = EXCLUDED.product, multiplier = EXCLUDED.multiplier,
    last_price = EXCLUDED.last_price, pre_settlement = EXCLUDED.pre_settlement,
    upper_limit = EXCLUDED.upper_limit, lower_limit = EXCLUDED.lower_limit, sequence = EXCLUDED.sequence
WHERE (settlement_intradayquote.exchange, settlement_intradayquote.product, settlement_intradayquote.multiplier,
       settlement_intradayquote.last_price, settlement_intradayquote.pre_settlement,
       settlement_intradayquote.upper_limit, settlement_intradayquote.lower_limit)
      IS DISTINCT FROM (EXCLUDED.exchange, EXCLUDED.product, EXCLUDED.multiplier, EXCLUDED.last_price,
                        EXCLUDED.pre_settlement, EXCLUDED.upper_limit, EXCLUDED.lower_limit)
"""

# I1: an account listed replaces its whole state; complete: an account not listed holds nothing.
REPLACE_ACCOUNTS = """
DELETE FROM settlement_intradayposition p WHERE p.trading_day = %(trading_day)s
  AND (%(complete)s OR p.account_no IN (SELECT account_no FROM snapshot_accounts));
DELETE FROM settlement_intradayaccount a WHERE a.trading_day = %(trading_day)s
  AND (%(complete)s OR a.account_no IN (SELECT account_no FROM snapshot_accounts));
"""

WRITE_ACCOUNTS = f"""
WITH written AS (
    INSERT INTO settlement_intradayaccount (trading_day, account_no, client_id, sequence, taken_at,
                                            {", ".join(ACCOUNT_MONEY)})
    SELECT %(trading_day)s, a.account_no, client.id, %(sequence)s, %(taken_at)s, {", ".join(f"a.{name}"
                                                                                  for name in ACCOUNT_MONEY)}
    FROM snapshot_accounts a JOIN clients_client client ON client.account_no = a.account_no
    RETURNING 1
)
SELECT (SELECT count(*) FROM written), (SELECT count(*) FROM snapshot_accounts)
"""

# Positions only of the accounts listed, of instruments quoted today (in this snapshot or an earlier one).
WRITE_POSITIONS = f"""
WITH written AS (
    INSERT INTO settlement_intradayposition (trading_day, {", ".join(POSITION_FIELDS)})
    SELECT %(trading_day)s, {", ".join(f"p.{name}" for name in POSITION_FIELDS)} FROM snapshot_positions p
    WHERE EXISTS (SELECT 1 FROM snapshot_accounts a WHERE a.account_no = p.account_no)
      AND EXISTS (SELECT 1 FROM settlement_intradayquote q
                  WHERE q.trading_day = %(trading_day)s AND q.instrument = p.instrument)
    RETURNING 1
)
SELECT (SELECT count(*) FROM written), (SELECT count(*) FROM snapshot_positions)
"""

# I5: an account's first snapshot of the day fixes its volumes per (product, direction); then a point of its path.
WRITE_OPENINGS_AND_POINTS = """
INSERT INTO settlement_intradayopening (trading_day, account_no, product, direction, volume)
SELECT %(trading_day)s, p.account_no, q.product, p.direction, sum(p.volume)
FROM snapshot_positions p
JOIN settlement_intradayquote q ON q.trading_day = %(trading_day)s AND q.instrument = p.instrument
WHERE NOT EXISTS (SELECT 1 FROM settlement_intradaypoint seen
                  WHERE seen.trading_day = %(trading_day)s AND seen.account_no = p.account_no)
GROUP BY p.account_no, q.product, p.direction;
INSERT INTO settlement_intradaypoint (trading_day, account_no, sequence, taken_at, balance, margin)
SELECT %(trading_day)s, a.account_no, %(sequence)s, %(taken_at)s, a.balance, a.margin FROM snapshot_accounts a;
"""
