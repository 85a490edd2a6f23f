"""Set-based risk SQL (STYLE.md 3). One INSERT … SELECT raises every alert of a closed trade date."""

from decimal import ROUND_UP, Decimal

from clients.roles import Role


def r1_risk_degree(margin: str, balance: str) -> str:
    """R1, written once: risk degree = margin ÷ balance (company rates; the exchange's with exchange_margin).
    Balance ≤ 0 with margin > 0 has no finite degree (NULL): above every threshold. No margin, no risk (0)."""
    return f"(CASE WHEN {balance} > 0 THEN {margin} / {balance} WHEN {margin} = 0 THEN 0 END)"


def r1_at_or_above(ratio: str, margin: str, balance: str) -> str:
    """R1 against a threshold ratio, compared exactly (margin ≥ ratio × balance), never through the degree rounded
    for display: 79,999.99 of margin on 100,000 of equity is below eighty per cent. Balance ≤ 0 with margin > 0 is
    above every threshold."""
    return f"(({balance} > 0 AND {margin} >= {ratio} * {balance}) OR ({balance} <= 0 AND {margin} > 0))"


CENT = Decimal("0.01")


def r1_shortfall(margin: Decimal, balance: Decimal, ratio: Decimal) -> Decimal:
    """How much equity is missing to bring the client back under a line (margin ≥ ratio × balance, R1): the
    deposit that makes margin < ratio × equity, to the fen, rounded up; 0 when already under it."""
    needed = margin / ratio - balance
    if needed < 0 or (needed == 0 and margin == 0):
        return Decimal("0.00")
    rounded = needed.quantize(CENT, rounding=ROUND_UP)
    return rounded + CENT if rounded == needed else rounded  # exactly on the line is still a margin call (以上)


# R5, written once: an alert without an advisor, and an escalated one, goes to the branch's risk officer (the first
# by staff code). A derived table of (branch_id, id).
R5_BRANCH_RISK_OFFICERS = f"""
    SELECT DISTINCT ON (branch_id) branch_id, id FROM clients_staffprofile
    WHERE role = '{Role.RISK_OFFICER.value}' ORDER BY branch_id, staff_code"""

# R8, written once: each client's approved per-client thresholds in force (the highest approved version).
R8_CLIENT_THRESHOLDS_IN_FORCE = """
    SELECT DISTINCT ON (client_id) * FROM risk_clientriskthresholds
    WHERE approved_at IS NOT NULL ORDER BY client_id, version DESC"""
# …and the thresholds that apply to one statement `s`: the client's own where set, else the firm-wide ones.
R8_THRESHOLDS_FOR_STATEMENT = """
LEFT JOIN client_thresholds AS own ON own.client_id = {statement}.client_id
CROSS JOIN LATERAL (SELECT coalesce(own.warning_ratio, firm.warning_ratio) AS warning_ratio,
                           coalesce(own.margin_call_ratio, firm.margin_call_ratio) AS margin_call_ratio,
                           coalesce(own.large_fund_movement, firm.large_fund_movement) AS large_fund_movement,
                           coalesce(own.large_loss, firm.large_loss) AS large_loss) AS thresholds"""

# R1: risk degree (r1_risk_degree, r1_at_or_above above).
# R2: the six kinds, with thresholds from risk_riskthresholdset (R8). 以上 includes, 超过 excludes.
# R5: assigned to the client's advisor, else the branch's risk officer. R6: contact due within 60 minutes of being
# raised for margin_call / negative_equity / forced_liquidation, otherwise by the end of the next trading day after
# the day it is raised (or after its trade date, if later): docs/rules-added.md, R6 (late alerts).
# The rules of R2 applied to one day's statements, as CTEs and a FROM clause shared by the statement that raises
# alerts and the one that withdraws those whose condition no longer holds after a reopened day's statements changed.
_DAY_RULES_CTES = f"""
WITH firm AS (
    SELECT * FROM risk_riskthresholdset WHERE id = %(thresholds_id)s
), client_thresholds AS (                     -- R8: the approved per-client version in force, where there is one
    {R8_CLIENT_THRESHOLDS_IN_FORCE}
), loosest AS (                             -- the lowest bar of any threshold in force, firm-wide or per client
    SELECT least(firm.warning_ratio, min(own.warning_ratio)) AS warning_ratio,
           least(firm.large_fund_movement, min(own.large_fund_movement)) AS large_fund_movement,
           least(firm.large_loss, min(own.large_loss)) AS large_loss
    FROM firm LEFT JOIN client_thresholds AS own ON true
    GROUP BY firm.warning_ratio, firm.large_fund_movement, firm.large_loss
), day AS (                                   -- only statements that can raise some alert go on to the rules
    SELECT s.client_id, s.balance, s.margin, s.deposit, s.withdrawal, s.close_profit, s.position_profit,
           s.commission, s.margin_call, s.forced_liquidation,
           round({r1_risk_degree("s.margin", "s.balance")}, 4) AS risk_degree,
           round({r1_risk_degree("coalesce(s.exchange_margin, 0)", "s.balance")}, 4) AS exchange_risk_degree
    FROM settlement_dailystatement s CROSS JOIN loosest
    WHERE s.trade_date = %(trade_date)s
      AND (s.margin_call OR s.forced_liquidation OR s.balance <= 0
           OR s.margin >= loosest.warning_ratio * s.balance
           OR s.deposit + s.withdrawal > loosest.large_fund_movement
           OR s.close_profit + s.position_profit - s.commission <= -loosest.large_loss)
), officers AS (                              -- R5 fallback: each branch's risk officer
    {R5_BRANCH_RISK_OFFICERS}
), raised_on AS (                            -- R6: deadlines count from when the alert is raised, so a day
    SELECT greatest(%(trade_date)s::date,     -- evaluated late (reopened, backfilled) is not born overdue
                    (%(now)s::timestamptz AT TIME ZONE 'Asia/Shanghai')::date) AS date
), next_trading_day AS (
    SELECT min(date) AS date FROM settlement_tradingday
    WHERE is_trading_day AND date > (SELECT date FROM raised_on)
)
"""
_DAY_RULES_FROM = f"""
FROM day
JOIN clients_client client ON client.id = day.client_id
LEFT JOIN officers AS officer ON officer.branch_id = client.branch_id
CROSS JOIN firm
{R8_THRESHOLDS_FOR_STATEMENT.format(statement="day")}
CROSS JOIN LATERAL (VALUES
    ('risk_warning', 'low', {r1_at_or_above("thresholds.warning_ratio", "day.margin", "day.balance")}
                            AND NOT {r1_at_or_above("thresholds.margin_call_ratio", "day.margin", "day.balance")}),
    ('margin_call', 'high', {r1_at_or_above("thresholds.margin_call_ratio", "day.margin", "day.balance")}
                            OR day.margin_call),
    ('forced_liquidation', 'high', day.forced_liquidation),
    ('negative_equity', 'critical', day.balance < 0),
    ('large_fund_movement', 'medium', day.deposit + day.withdrawal > thresholds.large_fund_movement),
    ('large_loss', 'medium', day.close_profit + day.position_profit - day.commission <= -thresholds.large_loss)
) AS alert(kind, severity, raised)
WHERE alert.raised
"""
RAISE_ALERTS = _DAY_RULES_CTES + f"""
, written AS (
INSERT INTO risk_alert (client_id, trade_date, kind, severity, status, escalated, resolution_note, risk_degree,
                        exchange_risk_degree, assigned_to_id, thresholds_id, client_thresholds_id, raised_at, due_at)
SELECT day.client_id, %(trade_date)s, alert.kind, alert.severity, 'open', false, '', day.risk_degree,
       day.exchange_risk_degree,
       coalesce(client.advisor_id, officer.id),
       firm.id, own.id, %(now)s,
       CASE WHEN alert.kind IN ('margin_call', 'negative_equity', 'forced_liquidation')
            THEN %(now)s + interval '60 minutes'
            ELSE (coalesce((SELECT date FROM next_trading_day), (SELECT date FROM raised_on) + 1) + 1)::timestamp
                 AT TIME ZONE 'Asia/Shanghai' END
{_DAY_RULES_FROM}
ON CONFLICT (client_id, trade_date, kind, product) DO UPDATE  -- withdrawn, and its condition holds again: raised again
    SET status = 'open', risk_degree = EXCLUDED.risk_degree, exchange_risk_degree = EXCLUDED.exchange_risk_degree,
        thresholds_id = EXCLUDED.thresholds_id, client_thresholds_id = EXCLUDED.client_thresholds_id,
        raised_at = EXCLUDED.raised_at, due_at = EXCLUDED.due_at, escalated = false
    WHERE risk_alert.status = 'withdrawn'
RETURNING id, (xmax <> 0) AS again           -- xmax is 0 on a row just inserted, set on one updated
), raised_again AS (
    INSERT INTO risk_alertevent (alert_id, action, actor_id, at, note)
    SELECT id, 'raised_again', NULL, %(now)s, %(reason_again)s FROM written WHERE again
)
SELECT count(*) FROM written
"""

# R2 after a reopened day's statements were replaced: an unresolved alert of the day whose condition no longer holds
# is withdrawn, with an event that says why; a resolved one stays as it was (its history is the record).
WITHDRAW_ALERTS = _DAY_RULES_CTES + f"""
, due AS (
    SELECT day.client_id, alert.kind {_DAY_RULES_FROM}
), withdrawn AS (
    UPDATE risk_alert AS stale SET status = 'withdrawn'
    WHERE stale.trade_date = %(trade_date)s AND stale.status IN ('open', 'acknowledged', 'contacted')
      AND stale.kind IN ('risk_warning', 'margin_call', 'forced_liquidation', 'negative_equity',
                         'large_fund_movement', 'large_loss')   -- R2's own; the session's (I8) are not withdrawn
      AND NOT EXISTS (SELECT 1 FROM due WHERE due.client_id = stale.client_id AND due.kind = stale.kind)
    RETURNING stale.id
)
INSERT INTO risk_alertevent (alert_id, action, actor_id, at, note)
SELECT id, 'withdrawn', NULL, %(now)s, %(reason)s FROM withdrawn
"""

# R3: the day's large_fund_movement / large_loss alerts put a client on the key-monitoring list, or refresh its
# open entry's last trigger.
KEY_MONITORING_TRIGGERS = """
WITH triggered AS (
    SELECT DISTINCT ON (client_id) client_id, kind FROM risk_alert
    WHERE trade_date = %(trade_date)s AND kind IN ('large_fund_movement', 'large_loss')
    ORDER BY client_id, kind
), refreshed AS (
    UPDATE risk_keymonitoring AS entry SET last_trigger_on = greatest(entry.last_trigger_on, %(trade_date)s)
    FROM triggered WHERE entry.client_id = triggered.client_id AND entry.ended_on IS NULL
    RETURNING entry.client_id
)
INSERT INTO risk_keymonitoring (client_id, reason, started_on, last_trigger_on, end_reason, note)
SELECT client_id, kind, %(trade_date)s, %(trade_date)s, '', ''
FROM triggered WHERE client_id NOT IN (SELECT client_id FROM refreshed)
ON CONFLICT DO NOTHING
"""

# R3 (our reading of "连续两个月未交…"): on the first trading day of a month, clients with equity > 0 that day and no
# trade in either of the two previous calendar months (nor, per the master data, since before them).
KEY_MONITORING_IDLE = """
WITH idle AS (
    SELECT today.client_id FROM settlement_dailystatement AS today
    JOIN clients_client AS client ON client.id = today.client_id
    WHERE today.trade_date = %(trade_date)s AND today.balance > 0
      AND client.opened_on < %(idle_from)s
      AND (client.last_trade_date IS NULL OR client.last_trade_date < %(idle_from)s)
      AND NOT EXISTS (SELECT 1 FROM settlement_dailystatement AS traded
                      WHERE traded.client_id = today.client_id AND traded.trade_date >= %(idle_from)s
                        AND traded.trade_date < %(month_start)s AND traded.trade_volume > 0)
), refreshed AS (
    UPDATE risk_keymonitoring AS entry SET last_trigger_on = greatest(entry.last_trigger_on, %(trade_date)s)
    FROM idle WHERE entry.client_id = idle.client_id AND entry.ended_on IS NULL
    RETURNING entry.client_id
)
INSERT INTO risk_keymonitoring (client_id, reason, started_on, last_trigger_on, end_reason, note)
SELECT client_id, 'idle_two_months', %(trade_date)s, %(trade_date)s, '', ''
FROM idle WHERE client_id NOT IN (SELECT client_id FROM refreshed)
ON CONFLICT DO NOTHING
"""

# R3: an entry ends after 20 trading days with no trigger (manual entries end only by hand).
KEY_MONITORING_QUIET = """
UPDATE risk_keymonitoring AS entry SET ended_on = %(trade_date)s, end_reason = 'quiet'
WHERE entry.ended_on IS NULL AND entry.reason <> 'manual'
  AND (SELECT count(*) FROM settlement_tradingday AS day
       WHERE day.is_trading_day AND day.date > entry.last_trigger_on AND day.date <= %(trade_date)s) >= 20
"""

# R4 for a month: margin calls / forced liquidations in the trailing 3 months; the client's average risk degree
# over its days holding positions against the firm-wide average of clients holding positions.
RISK_LEVELS = f"""
WITH degrees AS (
    SELECT client_id, avg({r1_risk_degree("margin", "balance")}) AS average
    FROM settlement_dailystatement
    WHERE trade_date >= %(month)s AND trade_date < %(next_month)s AND position_volume > 0 AND balance > 0
    GROUP BY client_id
), firm AS (
    SELECT avg(average) AS average FROM degrees
), events AS (
    SELECT client_id, count(*) FILTER (WHERE kind = 'margin_call') AS calls,
           count(*) FILTER (WHERE kind = 'forced_liquidation') AS forced
    FROM risk_alert WHERE trade_date >= %(three_months_start)s AND trade_date < %(next_month)s
    GROUP BY client_id
), candidates AS (
    SELECT client_id FROM degrees UNION SELECT client_id FROM events
)
INSERT INTO risk_risklevel (client_id, month, level, margin_calls, forced_liquidations, average_risk_degree,
                            firm_average_risk_degree, computed_at)
SELECT c.client_id, %(month)s,
       CASE WHEN coalesce(e.calls, 0) >= 2 OR coalesce(e.forced, 0) >= 1 THEN 'high_risk'
            WHEN d.average > firm.average THEN 'risk_seeking'
            ELSE 'normal' END,
       coalesce(e.calls, 0), coalesce(e.forced, 0), round(d.average, 4), round(firm.average, 4), %(now)s
FROM candidates AS c CROSS JOIN firm
LEFT JOIN degrees AS d ON d.client_id = c.client_id
LEFT JOIN events AS e ON e.client_id = c.client_id
ON CONFLICT (client_id, month) DO UPDATE SET
    level = EXCLUDED.level, margin_calls = EXCLUDED.margin_calls, forced_liquidations = EXCLUDED.forced_liquidations,
    average_risk_degree = EXCLUDED.average_risk_degree,
    firm_average_risk_degree = EXCLUDED.firm_average_risk_degree, computed_at = EXCLUDED.computed_at
"""


# The risk dashboard (issue 5): how many of the scoped clients' statements of a day stand at or above each
# threshold, each client against its own thresholds in force (R8) and R1 as the alerts apply it. Only the statements
# whose margin ratio reaches the lowest ratio in force anywhere (LOOSEST_RATIO, given as a value so the planner
# knows how few they are), or with no positive equity, are read, from the index statement_margin_ratio (issue 15:
# the scan of a million statements cost 1.3 s). Rounding is monotone and the ratios have four decimals, so no
# statement at or above a line falls below it in the index. The clients are a subquery built by
# Client.objects.visible_to (domain O), given in {clients}; parameters are positional.
MARGIN_RATIO = "(CASE WHEN s.balance > 0 THEN (s.margin / s.balance) ELSE NULL END)"  # settlement.models.MARGIN_RATIO
LOOSEST_RATIO = f"""
WITH firm AS (
    SELECT * FROM risk_riskthresholdset WHERE id = %s
), client_thresholds AS ({R8_CLIENT_THRESHOLDS_IN_FORCE}
)
SELECT least(firm.warning_ratio, firm.margin_call_ratio, min(own.warning_ratio), min(own.margin_call_ratio))
FROM firm LEFT JOIN client_thresholds AS own ON true
GROUP BY firm.warning_ratio, firm.margin_call_ratio
"""
ABOVE_THRESHOLDS = f"""
WITH firm AS (
    SELECT * FROM risk_riskthresholdset WHERE id = %s
), client_thresholds AS ({R8_CLIENT_THRESHOLDS_IN_FORCE}
), s AS (
    SELECT s.client_id, s.balance, s.margin FROM settlement_dailystatement s
    WHERE s.trade_date = %s AND ({MARGIN_RATIO} >= %s OR {MARGIN_RATIO} IS NULL)
)
SELECT count(*) FILTER (WHERE {r1_at_or_above("thresholds.warning_ratio", "s.margin", "s.balance")}),
       count(*) FILTER (WHERE {r1_at_or_above("thresholds.margin_call_ratio", "s.margin", "s.balance")}),
       count(*) FILTER (WHERE s.balance < 0)
FROM s CROSS JOIN firm
{R8_THRESHOLDS_FOR_STATEMENT.format(statement="s")}
WHERE s.client_id IN ({{clients}})
"""

# The risk dashboard's summary (issue 15 item 2; risk.AlertSummary), kept by triggers declared on risk.Alert
# (risk/triggers.py). An alert counts in (its trade date, its client's branch and advisor, its kind): raised unless
# withdrawn, contacted once it has a contacted_at, in time when that was by its deadline (R6). Statement triggers
# on risk_alert add what the statement's new rows count and take away what its old rows counted, key by key in key
# order (one upsert, so a day of 100,000 alerts costs one grouped pass); a trigger on clients_client
# (clients/triggers.py) moves a client's alerts when its branch or advisor changes, whoever changes it; a trigger on
# the events keeps contacted_at.
_SUMMARY_COUNTS = """count(*) FILTER (WHERE {rows}.status <> 'withdrawn') * {sign} AS raised,
           count({rows}.contacted_at) FILTER (WHERE {rows}.status <> 'withdrawn') * {sign} AS contacted,
           count(*) FILTER (WHERE {rows}.status <> 'withdrawn' AND {rows}.contacted_at <= {rows}.due_at) * {sign}
               AS contacted_in_time"""
_SUMMARY_ADD = """
INSERT INTO risk_alertsummary AS summary (trade_date, branch_id, advisor_id, kind, raised, contacted,
                                          contacted_in_time)
SELECT trade_date, branch_id, advisor_id, kind, sum(raised), sum(contacted), sum(contacted_in_time)
FROM ({deltas}) AS delta
GROUP BY trade_date, branch_id, advisor_id, kind
HAVING sum(raised) <> 0 OR sum(contacted) <> 0 OR sum(contacted_in_time) <> 0
ORDER BY trade_date, branch_id, advisor_id, kind
ON CONFLICT (trade_date, branch_id, advisor_id, kind) DO UPDATE
SET raised = summary.raised + EXCLUDED.raised, contacted = summary.contacted + EXCLUDED.contacted,
    contacted_in_time = summary.contacted_in_time + EXCLUDED.contacted_in_time"""
_SUMMARY_ROWS = """SELECT {rows}.trade_date, client.branch_id, client.advisor_id, {rows}.kind,
           {counts}
    FROM {rows} JOIN clients_client client ON client.id = {rows}.client_id
    GROUP BY {rows}.trade_date, client.branch_id, client.advisor_id, {rows}.kind"""


def _summary_rows(rows: str, sign: int) -> str:
    return _SUMMARY_ROWS.format(rows=rows, counts=_SUMMARY_COUNTS.format(rows=rows, sign=sign))


# What one statement's rows add to the summary (risk/triggers.py declares the statement triggers that run them).
SUMMARY_ADD = {
    "insert": _SUMMARY_ADD.format(deltas=_summary_rows("new_rows", 1)),
    "update": _SUMMARY_ADD.format(deltas=_summary_rows("new_rows", 1) + "\n    UNION ALL\n    "
                                  + _summary_rows("old_rows", -1)),
    "delete": _SUMMARY_ADD.format(deltas=_summary_rows("old_rows", -1)),
}

# The summary from scratch (the migration's backfill; the tests compare the kept rows with it).
SUMMARY_REBUILD = """
DELETE FROM risk_alertsummary;
""" + _SUMMARY_ADD.format(deltas=_summary_rows("risk_alert", 1)).split("ON CONFLICT")[0]
