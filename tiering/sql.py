"""The tier engine (T1–T9, T12): one set-based computation for all clients of a month (STYLE.md 3).

T2/T3: the averages are rounded to the cent half-up (四舍五入) once, and that figure is compared with the
thresholds, stored, shown and exported (issue 16): a client shown 1,000,000.00 is gold. "Exactly the threshold"
counts and one cent below does not (以上 includes the number, Civil Code art. 1259).

SUMS adds up the window; RESULTS then decides every client's tier and, in the same pass, joins the previous
month and what is stored for this one; the writes that follow only touch rows that changed (bench/tiers.py)."""

TIER_ORDER = "ARRAY['ordinary', 'dormant', 'effective', 'quality', 'gold', 'platinum', 'diamond']"


def _upgrade(from_tier: str, to_tier: str) -> str:
    """T12: true when `to_tier` ranks above `from_tier`."""
    return f"array_position({TIER_ORDER}, {to_tier}) > array_position({TIER_ORDER}, {from_tier})"


_COLUMNS = ["tier", "avg_equity", "avg_commission", "trading_days", "decided_by", "policy_id", "state",
            "previous_tier", "branch_id", "advisor_id"]  # the last two: scope copies of the client's (domain O)

# T2, T3: the window's sums, and whether the client traded / held a position in it (T6/T7). Closed days come added
# up per client and month (settlement.StatementMonth, maintained as each day closes or reopens): 100,000 rows a
# month instead of 2,000,000 statements. The window's other days (not closed, or closed without the totals) are
# read from their statements, so the result is the same either way (tests/test_tiers.py runs every case both ways).
SUMS = """
CREATE TEMPORARY TABLE tier_sums ON COMMIT DROP AS
SELECT client_id, sum(equity) AS equity_sum, sum(commission) AS commission_sum,
       bool_or(traded) AS traded, bool_or(held) AS held
FROM (
    SELECT client_id, balance_sum AS equity, commission_sum AS commission, traded_days <> 0 AS traded,
           held_days <> 0 AS held
    FROM settlement_statementmonth WHERE month = ANY(%(window_months)s)
    UNION ALL
    SELECT client_id, balance, commission, trade_volume > 0, position_volume > 0
    FROM settlement_dailystatement WHERE trade_date = ANY(%(window_days_from_statements)s)
) AS parts
GROUP BY client_id
"""
# Sorting and adding up in client order beats hashing 100,000 groups of numeric sums: at 100,000 clients 119 ms
# against 139 ms from the month totals, 0.49 s against 0.71 s from a month of statements (bench/tiers.py data).
SUMS_PLAN = "enable_hashagg = off"

# T2, T3 with a one-month window (the default W) whose days all come from the month totals: the month's totals are
# the sums, one row per client, with nothing to add up. At 100,000 clients 27 ms against SUMS' 124 ms.
SUMS_ONE_MONTH = """
CREATE TEMPORARY TABLE tier_sums ON COMMIT DROP AS
SELECT client_id, balance_sum AS equity_sum, commission_sum, traded_days <> 0 AS traded, held_days <> 0 AS held
FROM settlement_statementmonth WHERE month = %(window_start)s
"""

# Everything after SUMS joins 100,000s of rows and runs with nested loops off. The temporary tables have no
# statistics (autovacuum does not analyse them) and a month not yet analysed looks empty, so a filter can be
# estimated at one row: a nested loop over the 85,000 actual rows then took 28 s (RECORD_CHANGES) and 93 s
# (REMOVE_STALE_CHANGES) on bench/tiers.py's data. A hash join costs the same whatever the estimate. (ANALYZE of
# tier_results would fix the estimates too, for 60 ms a run.)
JOIN_PLAN = "enable_nestloop = off"

# T6/T7's year before the window, from the statements of the dates not in the month totals (named one by one: a
# range with the totals' days left out would still walk every traded day of the year). The totals' part is the
# `before_window` pass in RESULTS.
def _active_before_window(volume: str) -> str:
    return f"""EXISTS (
            SELECT 1 FROM settlement_dailystatement AS s
            WHERE s.client_id = client.client_id AND s.trade_date = ANY(%(lookback_days_from_statements)s)
              AND s.{volume} > 0)"""


RESULTS = f"""
CREATE TEMPORARY TABLE tier_results ON COMMIT DROP AS
WITH policy AS MATERIALIZED (
    SELECT id, window_months, dormant_equity, diamond_equity, diamond_commission, platinum_equity,
           platinum_commission, gold_equity, gold_commission, quality_equity, effective_equity,
           -- the decision number below indexes these two arrays
           ARRAY['diamond', 'diamond', 'platinum', 'platinum', 'gold', 'gold', 'quality', 'effective', 'effective',
                 'dormant', 'ordinary'] AS tiers,
           ARRAY['equity>=' || diamond_equity, 'commission>=' || diamond_commission,
                 'equity>=' || platinum_equity, 'commission>=' || platinum_commission,
                 'equity>=' || gold_equity, 'commission>=' || gold_commission,
                 'equity>=' || quality_equity, 'equity>=' || effective_equity, 'traded_within_year',
                 'idle_year,equity<=' || dormant_equity, 'none'] AS criteria
    FROM tiering_tierpolicy WHERE id = %(policy_id)s
), before_window AS MATERIALIZED (            -- T6/T7: the months of the year before the window, in one pass; in
    SELECT client_id,                         -- the first month only the days after year_before (lookback_mask)
           bool_or(traded_days & CASE WHEN month = %(lookback_month)s THEN %(lookback_mask)s ELSE -1 END <> 0)
               AS traded,
           bool_or(held_days & CASE WHEN month = %(lookback_month)s THEN %(lookback_mask)s ELSE -1 END <> 0)
               AS held
    FROM settlement_statementmonth
    WHERE month >= %(lookback_month)s AND month < %(window_start)s AND traded_days | held_days <> 0
    GROUP BY client_id
), averages AS (                              -- T2/T3, rounded half-up once (round() on numeric: half away from 0)
    SELECT client.id AS client_id, client.last_trade_date, client.opened_on, sums.traded, sums.held,
           client.branch_id, client.advisor_id,
           round(coalesce(sums.equity_sum, 0) / %(days)s, 2) AS avg_equity,
           round(coalesce(sums.commission_sum, 0) / p.window_months, 2) AS avg_commission
    FROM clients_client AS client
    LEFT JOIN tier_sums AS sums ON sums.client_id = client.id
    CROSS JOIN policy AS p
    -- T8: accounts closed before the window starts get no tier
    WHERE (client.closed_on IS NULL OR client.closed_on >= %(window_start)s) AND client.opened_on <= %(last_day)s
), decided AS MATERIALIZED (                  -- once per client: inlined, the CASE would run per reference
    SELECT client.client_id, client.avg_equity, client.avg_commission, client.branch_id, client.advisor_id, CASE
        -- T4: the highest level any criterion reaches; equity named first. The rounded averages are compared.
        WHEN client.avg_equity >= p.diamond_equity THEN 1
        WHEN client.avg_commission >= p.diamond_commission THEN 2
        WHEN client.avg_equity >= p.platinum_equity THEN 3
        WHEN client.avg_commission >= p.platinum_commission THEN 4
        WHEN client.avg_equity >= p.gold_equity THEN 5
        WHEN client.avg_commission >= p.gold_commission THEN 6
        WHEN client.avg_equity >= p.quality_equity THEN 7                                               -- T5
        -- T6: checked before T7, so equity of exactly 1,000 is effective even after two idle years
        WHEN client.avg_equity >= p.effective_equity THEN 8
        -- T6 "traded within the year" and T7's conditions: the window's part was gathered with the sums; only
        -- the months of the year before the window are looked up, for the few clients still undecided here
        WHEN client.traded OR client.last_trade_date > %(year_before)s
             OR coalesce(before_window.traded, false) OR {_active_before_window("trade_volume")}
            THEN 9
        -- T7: all four conditions (no trade in the year is implied by reaching this line; no statement on the
        -- last day = equity 0)
        WHEN client.opened_on < %(year_before)s AND coalesce(last_day.balance, 0) <= p.dormant_equity
             AND NOT coalesce(client.held, false) AND NOT coalesce(before_window.held, false)
             AND NOT {_active_before_window("position_volume")}
            THEN 10
        ELSE 11                                                                             -- T8
    END AS decision
    FROM averages AS client
    LEFT JOIN before_window ON before_window.client_id = client.client_id
    LEFT JOIN settlement_dailystatement AS last_day ON last_day.trade_date = %(last_day)s            -- T7
                                                   AND last_day.client_id = client.client_id
    CROSS JOIN policy AS p
), result AS (
    SELECT d.client_id, p.tiers[d.decision] AS tier, d.avg_equity, d.avg_commission,
           %(days)s::smallint AS trading_days,
           p.criteria[d.decision] AS decided_by, p.id AS policy_id, %(state)s::text AS state,
           previous.tier AS previous_tier, previous.state AS previous_state, d.branch_id, d.advisor_id
    FROM decided AS d CROSS JOIN policy AS p
    LEFT JOIN tiering_tierassignment AS previous ON previous.month = %(previous_month)s
                                                AND previous.client_id = d.client_id
)
SELECT result.*, CASE                          -- what the write must do with the stored row
        WHEN stored.client_id IS NULL THEN 'new'
        WHEN ({", ".join(f"stored.{column}" for column in _COLUMNS)})
             IS DISTINCT FROM ({", ".join(f"result.{column}" for column in _COLUMNS)}) THEN 'changed'
        ELSE 'same'
    END AS write
FROM result
LEFT JOIN tiering_tierassignment AS stored ON stored.month = %(month)s AND stored.client_id = result.client_id
"""

COUNT_WRITES = "SELECT write, count(*) FROM tier_results WHERE write <> 'same' GROUP BY write"

UPDATE_CHANGED = f"""
UPDATE tiering_tierassignment AS stored SET
    {", ".join(f"{column} = result.{column}" for column in _COLUMNS)}, computed_at = %(now)s
FROM tier_results AS result
WHERE result.write = 'changed' AND stored.month = %(month)s AND stored.client_id = result.client_id
"""

INSERT_NEW = f"""
INSERT INTO tiering_tierassignment (client_id, month, {", ".join(_COLUMNS)}, computed_at)
SELECT result.client_id, %(month)s, {", ".join(f"result.{column}" for column in _COLUMNS)}, %(now)s
FROM tier_results AS result WHERE result.write = 'new'
"""

# Rows of this month for clients that are no longer eligible (closed before the window, say) go: re-running the
# month leaves exactly the rows one run would make. Same eligibility as `decided` above.
REMOVE_STALE = """
DELETE FROM tiering_tierassignment AS assignment USING clients_client AS client
WHERE assignment.month = %(month)s AND client.id = assignment.client_id
  AND NOT ((client.closed_on IS NULL OR client.closed_on >= %(window_start)s) AND client.opened_on <= %(last_day)s)
"""

# T12: between consecutive final months. The month's changes are brought in line with the results: changes that
# no longer hold go, missing ones are added (a re-run with nothing new writes nothing).
_HOLDS = "result.state = 'final' AND result.previous_state = 'final' AND result.previous_tier <> result.tier"

REMOVE_STALE_CHANGES = f"""
DELETE FROM tiering_tierchange AS change
WHERE change.month = %(month)s AND NOT EXISTS (
    SELECT 1 FROM tier_results AS result
    WHERE result.client_id = change.client_id AND {_HOLDS}
      AND result.previous_tier = change.from_tier AND result.tier = change.to_tier)
"""

RECORD_CHANGES = f"""
INSERT INTO tiering_tierchange (client_id, month, from_tier, to_tier, upgrade)
SELECT result.client_id, %(month)s, result.previous_tier, result.tier,
       {_upgrade("result.previous_tier", "result.tier")}
FROM tier_results AS result
WHERE {_HOLDS} AND NOT EXISTS (SELECT 1 FROM tiering_tierchange AS change
                               WHERE change.month = %(month)s AND change.client_id = result.client_id)
"""

# The month after keeps its previous_tier, and its T12 changes, in step when this month's rows changed (a reopened
# day, a late run); the caller skips this when nothing did.
SYNC_NEXT_MONTH = """
UPDATE tiering_tierassignment AS next SET previous_tier = result.tier
FROM tiering_tierassignment AS next_row
LEFT JOIN tier_results AS result ON result.client_id = next_row.client_id
WHERE next_row.month = %(next_month)s AND next.id = next_row.id AND next.previous_tier IS DISTINCT FROM result.tier
"""

CLEAR_NEXT_CHANGES = "DELETE FROM tiering_tierchange WHERE month = %(next_month)s"

RECORD_NEXT_CHANGES = f"""
INSERT INTO tiering_tierchange (client_id, month, from_tier, to_tier, upgrade)
SELECT next.client_id, %(next_month)s, next.previous_tier, next.tier, {_upgrade("next.previous_tier", "next.tier")}
FROM tiering_tierassignment AS next JOIN tier_results AS result ON result.client_id = next.client_id
WHERE next.month = %(next_month)s AND next.state = 'final' AND result.state = 'final'
  AND next.previous_tier <> next.tier
"""


# The dashboard's summary (TierSummary) of one month, rebuilt from the month's assignments and the clients' branch
# and advisor now. The recalculation takes the summary's lock first, so a reassignment (the trigger of migration
# 0011) either committed before the rebuild reads the clients, or moves the rebuilt rows after it commits.
LOCK_SUMMARY = "LOCK TABLE tiering_tiersummary IN SHARE ROW EXCLUSIVE MODE"
CLEAR_SUMMARY = "DELETE FROM tiering_tiersummary WHERE month = %(summary_month)s"
REBUILD_SUMMARY = """
INSERT INTO tiering_tiersummary (month, branch_id, advisor_id, tier, previous_tier, clients, equity, commission)
SELECT assignment.month, client.branch_id, client.advisor_id, assignment.tier, assignment.previous_tier, count(*),
       sum(assignment.avg_equity), sum(assignment.avg_commission)
FROM tiering_tierassignment assignment JOIN clients_client client ON client.id = assignment.client_id
WHERE assignment.month = %(summary_month)s
GROUP BY assignment.month, client.branch_id, client.advisor_id, assignment.tier, assignment.previous_tier
"""

# A client's months move with it when its branch or advisor changes: the trigger tiering_summary_move_client,
# written in migration 0011_tier_summary.


# The contribution cards (issue 16 item 6, T13–T15; tiering/cards.py) ---------------------------------------------
# T13: per client with statements in the month, from them in one grouped pass: the commission of the month, the
# period-end equity (the statement of the last day used; none that day: 0) and the standard deviation of the daily
# profit rate (close + position profit) ÷ previous equity over the days with positive previous equity, rounded to
# six places once (the figure shown is the figure compared, as T2).
CARDS_FIGURES = """
CREATE TEMPORARY TABLE card_figures ON COMMIT DROP AS
SELECT s.client_id, sum(s.commission) AS commission,
       round(stddev_samp((s.close_profit + s.position_profit) / s.pre_balance) FILTER (WHERE s.pre_balance > 0), 6)
           AS stability,
       coalesce(sum(s.balance) FILTER (WHERE s.trade_date = %(last_day)s), 0) AS period_end_equity
FROM settlement_dailystatement AS s
WHERE s.trade_date BETWEEN %(first_day)s AND %(last_day)s
GROUP BY s.client_id
"""

# T13: the firm's figures: the clients, Σ period-end equity and Σ commission, and the average of the deviations.
CARDS_FIRM = """
SELECT count(*), coalesce(sum(period_end_equity), 0), coalesce(sum(commission), 0), round(avg(stability), 6)
FROM card_figures
"""

_CARD_COLUMNS = ["card", "period_end_equity", "commission", "margin_deviation", "commission_deviation", "stability",
                 "stable", "policy_id", "branch_id", "advisor_id"]

# T13/T15: each contribution as its deviation from the firm's average contribution, (client − average) ÷ average ×
# 100, rounded to the cent of a percent once: with the average contribution 1/N, (x·N − Σx) ÷ Σx × 100. The larger
# of the two deviations against the bands, and the stability against the firm's average (no figure: not stable).
# Then, as the tiers do, what the write must do with the stored row: a rerun with nothing changed writes nothing.
CARDS_RESULTS = f"""
CREATE TEMPORARY TABLE card_results ON COMMIT DROP AS
WITH deviations AS MATERIALIZED (             -- once per client: inlined, each reference would compute them again
    SELECT f.client_id, f.period_end_equity, f.commission, f.stability, c.branch_id, c.advisor_id,
           CASE WHEN %(total_equity)s > 0
                THEN round((f.period_end_equity * %(clients)s - %(total_equity)s) / %(total_equity)s * 100, 2)
           END AS margin_deviation,
           CASE WHEN %(total_commission)s > 0
                THEN round((f.commission * %(clients)s - %(total_commission)s) / %(total_commission)s * 100, 2)
           END AS commission_deviation,
           coalesce(f.stability <= %(average_stability)s, false) AS stable
    FROM card_figures AS f
    JOIN clients_client AS c ON c.id = f.client_id
), result AS MATERIALIZED (
    SELECT d.client_id, CASE WHEN d.deviation > %(high)s AND d.stable THEN 'diamond_card'
                             WHEN d.deviation > %(high)s THEN 'black_gold_card'
                             WHEN d.deviation >= %(low)s AND d.stable THEN 'platinum_card'
                             ELSE 'gold_card' END::varchar AS card,
           d.period_end_equity, d.commission, d.margin_deviation, d.commission_deviation, d.stability, d.stable,
           %(policy_id)s::bigint AS policy_id, d.branch_id, d.advisor_id
    FROM (SELECT *, greatest(margin_deviation, commission_deviation) AS deviation FROM deviations) AS d
)
SELECT result.*, CASE
        WHEN stored.client_id IS NULL THEN 'new'
        WHEN ({", ".join(f"stored.{column}" for column in _CARD_COLUMNS)})
             IS DISTINCT FROM ({", ".join(f"result.{column}" for column in _CARD_COLUMNS)}) THEN 'changed'
        ELSE 'same'
    END AS write
FROM result
LEFT JOIN tiering_contributioncard AS stored ON stored.month = %(month)s AND stored.client_id = result.client_id
"""

CARDS_UPDATE = f"""
UPDATE tiering_contributioncard AS stored SET
    {", ".join(f"{column} = result.{column}" for column in _CARD_COLUMNS)}, computed_at = %(now)s
FROM card_results AS result
WHERE result.write = 'changed' AND stored.month = %(month)s AND stored.client_id = result.client_id
"""

CARDS_INSERT = f"""
INSERT INTO tiering_contributioncard (client_id, month, {", ".join(_CARD_COLUMNS)}, computed_at)
SELECT client_id, %(month)s, {", ".join(_CARD_COLUMNS)}, %(now)s FROM card_results WHERE write = 'new'
"""

# Clients with no statement in the month any more (a day reopened and its statements replaced) lose their card.
CARDS_REMOVE_STALE = """
DELETE FROM tiering_contributioncard AS stored
WHERE stored.month = %(month)s
  AND NOT EXISTS (SELECT 1 FROM card_results AS result WHERE result.client_id = stored.client_id)
"""
