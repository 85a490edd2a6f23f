"""The set-based SQL of intraday snapshots (settlement/intraday.py, domain.md I1; STYLE.md 3).

Quotes are COPYed into a temporary table, guarded and upserted per instrument; the listed accounts' funds and
positions (every account's, when the snapshot is complete) are deleted and the new ones COPYed straight into the
state, whose checks refuse a wrong value (settlement.models.ExactMoneyField). Any refusal makes the caller undo the
whole write and diagnose the body. Each account's first volumes of the day (I5) and a point of its path through the
day are written by the snapshot's evaluation."""

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

CREATE_QUOTES = """
DROP TABLE IF EXISTS snapshot_quotes;  -- an earlier push in the same transaction
CREATE TEMPORARY TABLE snapshot_quotes (
    instrument text, exchange text, product text, multiplier integer,
    last_price numeric, pre_settlement numeric, upper_limit numeric, lower_limit numeric
) ON COMMIT DROP;
"""


def _exact(columns: list[str], table: str, places: int) -> str:
    """No value with more decimal places than the column keeps (a numeric(18, 6) would round it silently)."""
    return " AND ".join(f"scale({table}.{name}) <= {places}" for name in columns)


# Quotes with more decimal places than their column keeps, NaN (whose scale is NULL), a product code not of
# letters and digits, an instrument quoted twice.
QUOTE_GUARDS = f"""
SELECT (SELECT count(*) FROM snapshot_quotes q
        WHERE NOT coalesce({_exact(["last_price", "pre_settlement", "upper_limit", "lower_limit"], "q", 6)}, false)
           OR q.product IS NULL OR q.product !~ '^[0-9A-Za-z]{{1,16}}$')
     + (SELECT count(*) - count(DISTINCT instrument) FROM snapshot_quotes)
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

QUOTED_TODAY = "SELECT instrument FROM settlement_intradayquote WHERE trading_day = %(trading_day)s"

ENSURE_PARTITIONS = "SELECT futcrm_ensure_intraday_partitions(%(trading_day)s)"

# I1: an account listed replaces its whole state (a complete snapshot: every account's, by TRUNCATE of the day's
# partitions, settlement/intraday.py).
REPLACE_LISTED = """
DELETE FROM {held} WHERE account_no = ANY(%(listed)s);
DELETE FROM {funds} WHERE account_no = ANY(%(listed)s);
"""

# The funds COPYed in whose account is not a client (the settlement contract: "a known account").
UNKNOWN_ACCOUNTS = """
SELECT count(*) FROM settlement_intradayaccount a
WHERE a.trading_day = %(trading_day)s AND a.sequence = %(sequence)s
  AND NOT EXISTS (SELECT 1 FROM clients_client client WHERE client.account_no = a.account_no)
"""

# I5: an account's first snapshot of the day fixes its volumes per (product, direction); then a point of its path
# (both written by the snapshot's evaluation, settlement/intraday.py snapshot_path_record).
WRITE_OPENINGS_AND_POINTS = """
WITH first_seen AS (
    SELECT a.account_no FROM settlement_intradayaccount a
    WHERE a.trading_day = %(trading_day)s AND a.sequence = %(sequence)s
      AND NOT EXISTS (SELECT 1 FROM settlement_intradaypoint seen
                      WHERE seen.trading_day = %(trading_day)s AND seen.account_no = a.account_no)
)
INSERT INTO settlement_intradayopening (trading_day, account_no, product, direction, volume)
SELECT %(trading_day)s, p.account_no, q.product, p.direction, sum(p.volume)
FROM first_seen JOIN settlement_intradayposition p ON p.trading_day = %(trading_day)s
                                                  AND p.account_no = first_seen.account_no
JOIN settlement_intradayquote q ON q.trading_day = %(trading_day)s AND q.instrument = p.instrument
GROUP BY p.account_no, q.product, p.direction;
INSERT INTO settlement_intradaypoint (trading_day, account_no, sequence, taken_at, balance, margin)
SELECT trading_day, account_no, sequence, taken_at, balance, margin FROM settlement_intradayaccount
WHERE trading_day = %(trading_day)s AND sequence = %(sequence)s;
"""
