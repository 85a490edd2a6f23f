"""The tier engine (T1–T9, T12): one set-based computation for all clients of a month (STYLE.md 3).

Averages are compared unrounded (Σ equity ≥ threshold × trading days), so "exactly the threshold" counts and one
cent below does not (以上 includes the number, Civil Code art. 1259); they are stored rounded to the cent."""

TIER_ORDER = "ARRAY['ordinary', 'dormant', 'effective', 'quality', 'gold', 'platinum', 'diamond']"

RESULTS = """
CREATE TEMPORARY TABLE tier_results ON COMMIT DROP AS
WITH policy AS (
    SELECT * FROM tiering_tierpolicy WHERE id = %(policy_id)s
), sums AS (                                   -- T2, T3: the window's statements; a missing day adds nothing (= 0)
    SELECT client_id, sum(balance) AS equity_sum, sum(commission) AS commission_sum
    FROM settlement_dailystatement
    WHERE trade_date BETWEEN %(window_start)s AND %(last_day)s
    GROUP BY client_id
), figures AS (                                -- T8: accounts closed before the window starts get no tier
    SELECT client.id AS client_id, client.opened_on, client.last_trade_date,
           coalesce(sums.equity_sum, 0) AS equity_sum, coalesce(sums.commission_sum, 0) AS commission_sum
    FROM clients_client AS client
    LEFT JOIN sums ON sums.client_id = client.id
    WHERE (client.closed_on IS NULL OR client.closed_on >= %(window_start)s) AND client.opened_on <= %(last_day)s
), decided AS (
    SELECT f.*, CASE                           -- T4: the highest level any criterion reaches; equity named first
        WHEN f.equity_sum >= p.diamond_equity * %(days)s THEN 'diamond:equity>=' || p.diamond_equity
        WHEN f.commission_sum >= p.diamond_commission * p.window_months
            THEN 'diamond:commission>=' || p.diamond_commission
        WHEN f.equity_sum >= p.platinum_equity * %(days)s THEN 'platinum:equity>=' || p.platinum_equity
        WHEN f.commission_sum >= p.platinum_commission * p.window_months
            THEN 'platinum:commission>=' || p.platinum_commission
        WHEN f.equity_sum >= p.gold_equity * %(days)s THEN 'gold:equity>=' || p.gold_equity
        WHEN f.commission_sum >= p.gold_commission * p.window_months THEN 'gold:commission>=' || p.gold_commission
        -- T5
        WHEN f.equity_sum >= p.quality_equity * %(days)s THEN 'quality:equity>=' || p.quality_equity
        -- T6: checked before T7, so equity of exactly 1,000 is effective even after two idle years
        WHEN f.equity_sum >= p.effective_equity * %(days)s THEN 'effective:equity>=' || p.effective_equity
        WHEN f.last_trade_date > %(year_before)s OR EXISTS (
            SELECT 1 FROM settlement_dailystatement AS traded
            WHERE traded.client_id = f.client_id AND traded.trade_date > %(year_before)s
              AND traded.trade_date <= %(last_day)s AND traded.trade_volume > 0)
            THEN 'effective:traded_within_year'
        -- T7: all four conditions (no trade in the year is implied by reaching this line); the last day's equity
        -- is looked up by primary key for these few candidates only (no statement that day = 0)
        WHEN f.opened_on < %(year_before)s
             AND coalesce((SELECT last.balance FROM settlement_dailystatement AS last
                           WHERE last.trade_date = %(last_day)s AND last.client_id = f.client_id), 0)
                 <= p.dormant_equity
             AND NOT EXISTS (
            SELECT 1 FROM settlement_dailystatement AS held
            WHERE held.client_id = f.client_id AND held.trade_date > %(year_before)s
              AND held.trade_date <= %(last_day)s AND held.position_volume > 0)
            THEN 'dormant:idle_year,equity<=' || p.dormant_equity
        ELSE 'ordinary:none'                   -- T8
    END AS decision
    FROM figures AS f CROSS JOIN policy AS p
)
SELECT d.client_id, split_part(d.decision, ':', 1) AS tier, round(d.equity_sum / %(days)s, 2) AS avg_equity,
       round(d.commission_sum / p.window_months, 2) AS avg_commission, %(days)s::smallint AS trading_days,
       split_part(d.decision, ':', 2) AS decided_by, p.id AS policy_id, %(state)s::text AS state
FROM decided AS d CROSS JOIN policy AS p
"""

# The month's results are compared with the stored rows by hash joins (not 100,000 index probes): a nightly re-run
# rewrites only what changed, and computed_at says when a row last changed.
_COLUMNS = ["tier", "avg_equity", "avg_commission", "trading_days", "decided_by", "policy_id", "state"]
UPDATE_CHANGED = f"""
UPDATE tiering_tierassignment AS stored SET
    {", ".join(f"{column} = result.{column}" for column in _COLUMNS)}, computed_at = %(now)s
FROM tier_results AS result
WHERE stored.month = %(month)s AND stored.client_id = result.client_id
  AND ({", ".join(f"stored.{column}" for column in _COLUMNS)})
      IS DISTINCT FROM ({", ".join(f"result.{column}" for column in _COLUMNS)})
"""

INSERT_NEW = f"""
INSERT INTO tiering_tierassignment (client_id, month, {", ".join(_COLUMNS)}, computed_at)
SELECT result.client_id, %(month)s, {", ".join(f"result.{column}" for column in _COLUMNS)}, %(now)s
FROM tier_results AS result
WHERE NOT EXISTS (SELECT 1 FROM tiering_tierassignment AS stored
                  WHERE stored.month = %(month)s AND stored.client_id = result.client_id)
"""

# Rows of this month for clients that are no longer eligible (closed before the window, say) go: re-running the
# month leaves exactly the rows one run would make. Same eligibility as `figures` above.
REMOVE_STALE = """
DELETE FROM tiering_tierassignment AS assignment USING clients_client AS client
WHERE assignment.month = %(month)s AND client.id = assignment.client_id
  AND NOT ((client.closed_on IS NULL OR client.closed_on >= %(window_start)s) AND client.opened_on <= %(last_day)s)
"""

COUNT_ASSIGNED = "SELECT count(*) FROM tiering_tierassignment WHERE month = %(month)s"

# T12: between consecutive final months. The month's changes are rebuilt whole: delete, then one hash join of this
# month's rows with last month's.
CLEAR_CHANGES = "DELETE FROM tiering_tierchange WHERE month = %(month)s"

RECORD_CHANGES = f"""
INSERT INTO tiering_tierchange (client_id, month, from_tier, to_tier, upgrade)
SELECT current.client_id, %(month)s, previous.tier, current.tier,
       array_position({TIER_ORDER}, current.tier) > array_position({TIER_ORDER}, previous.tier)
FROM tiering_tierassignment AS current
JOIN tiering_tierassignment AS previous
  ON previous.client_id = current.client_id AND previous.month = %(previous_month)s AND previous.state = 'final'
WHERE current.month = %(month)s AND current.state = 'final' AND current.tier <> previous.tier
"""
