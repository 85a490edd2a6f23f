"""Set-based SQL of the intraday rules (domain.md I2–I9; STYLE.md 3). Never a loop over positions: one statement
finds every condition that holds for the accounts a snapshot touched, the next ones raise, raise again and ease.

Comparisons are exact, never through a rounded ratio: a move of −2 % is `last − pre_settlement ≤ −0.02 ×
pre_settlement`, a heavy product `margin ≥ 0.5 × balance` (R1's way, risk/sql.py r1_at_or_above)."""

from risk.sql import R5_BRANCH_RISK_OFFICERS, R8_CLIENT_THRESHOLDS_IN_FORCE, r1_at_or_above, r1_risk_degree

INTRADAY_LINES = ["warning_ratio", "margin_call_ratio", "heavy_ratio", "heavy_share", "heavy_share_degree",
                  "adverse_move", "adverse_limit_way", "stop_loss_ratio"]

# The accounts an evaluation looks at: those the snapshot listed, those holding a product it quoted (I4, I6, I7),
# and those with an intraday alert of the day still standing whose state is gone (a complete snapshot cleared it:
# their alerts ease).
TOUCHED = """
CREATE TEMPORARY TABLE intraday_touched ON COMMIT DROP AS
SELECT client.id AS client_id, client.account_no FROM clients_client client
WHERE client.account_no IN (
    SELECT a.account_no FROM settlement_intradayaccount a
    WHERE a.trading_day = %(trading_day)s AND a.sequence = %(sequence)s
    UNION
    SELECT p.account_no FROM settlement_intradayposition p   -- complete: every holder is listed already
    WHERE NOT %(complete)s AND p.trading_day = %(trading_day)s AND p.instrument IN (
        SELECT moved.instrument FROM settlement_intradayquote moved
        WHERE moved.trading_day = %(trading_day)s AND moved.product IN (
            SELECT product FROM settlement_intradayquote
            WHERE trading_day = %(trading_day)s AND sequence = %(sequence)s))
)
UNION
SELECT alert.client_id, client.account_no
FROM risk_alert alert JOIN clients_client client ON client.id = alert.client_id
WHERE alert.trade_date = %(trading_day)s AND alert.kind IN %(kinds)s AND alert.eased_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM settlement_intradayaccount held
                  WHERE held.trading_day = %(trading_day)s AND held.account_no = client.account_no);
ANALYZE intraday_touched;
"""

# I4/I7: each product's move, read from its most held instrument of the day (firm-wide lots; a product nobody holds
# from its first instrument), with the way it has covered towards each limit.
PRODUCT_MOVES = """
SELECT DISTINCT ON (q.product) q.product, q.instrument, q.last_price, q.pre_settlement, q.upper_limit, q.lower_limit,
       q.last_price - q.pre_settlement AS change
FROM settlement_intradayquote q
LEFT JOIN (SELECT p.instrument, sum(p.volume) AS lots FROM settlement_intradayposition p
           WHERE p.trading_day = %(trading_day)s AND p.instrument IN (
               SELECT instrument FROM settlement_intradayquote
               WHERE trading_day = %(trading_day)s AND product IN (SELECT product FROM products_concerned))
           GROUP BY p.instrument) AS held ON held.instrument = q.instrument
WHERE q.trading_day = %(trading_day)s AND q.product IN (SELECT product FROM products_concerned)
ORDER BY q.product, coalesce(held.lots, 0) DESC, q.instrument
"""
# …of the products an evaluation concerns: those its accounts hold heavily (I4) and those the snapshot moved (I7).
PRODUCTS_CONCERNED = """
CREATE TEMPORARY TABLE products_concerned ON COMMIT DROP AS
SELECT DISTINCT product FROM intraday_product WHERE heavy
UNION SELECT product FROM settlement_intradayquote WHERE trading_day = %(trading_day)s AND sequence = %(sequence)s;
"""


def adverse(direction: str, move: str, way: str, m: str = "m") -> str:
    """I4 for a holding in `direction`: the move against it reaches `move` × pre_settlement, or it has covered
    `way` of the way from pre_settlement to the adverse limit."""
    if direction == "long":
        return (f"({m}.change <= -{move} * {m}.pre_settlement"
                f" OR ({m}.pre_settlement > {m}.lower_limit"
                f" AND {m}.pre_settlement - {m}.last_price >= {way} * ({m}.pre_settlement - {m}.lower_limit)))")
    return (f"({m}.change >= {move} * {m}.pre_settlement"
            f" OR ({m}.upper_limit > {m}.pre_settlement"
            f" AND {m}.last_price - {m}.pre_settlement >= {way} * ({m}.upper_limit - {m}.pre_settlement)))")


# The touched accounts' state as the rules read it, in temporary tables analysed at once: the intraday tables change
# wholesale with every snapshot, faster than autovacuum's statistics follow, and a plan built on an estimate of one
# row joined 2,000 accounts to 6,000 positions as a nested loop (1.3 s; analysed, 20 ms).
STATE = f"""
CREATE TEMPORARY TABLE intraday_lines ON COMMIT DROP AS    -- I2: funds, with each client's lines (R8)
SELECT touched.client_id, a.account_no, a.balance, a.margin, a.pre_balance, own.id AS own_id,
       {", ".join(f"coalesce(own.{line}, firm.{line}) AS {line}" for line in INTRADAY_LINES)}
FROM intraday_touched touched
JOIN settlement_intradayaccount a ON a.trading_day = %(trading_day)s AND a.account_no = touched.account_no
CROSS JOIN (SELECT * FROM risk_riskthresholdset WHERE id = %(thresholds_id)s) AS firm
LEFT JOIN ({R8_CLIENT_THRESHOLDS_IN_FORCE}) AS own ON own.client_id = touched.client_id;
ANALYZE intraday_lines;
CREATE TEMPORARY TABLE intraday_product ON COMMIT DROP AS  -- I3–I6 per (account, product), one pass
SELECT * FROM (
SELECT product.*, account.client_id, account.balance,
       sum(product.stress_loss) OVER (PARTITION BY product.account_no) AS account_stress_loss,  -- I6
       product.margin > 0
       AND ({r1_at_or_above("account.heavy_ratio", "product.margin", "account.balance")}
            OR (product.margin >= account.heavy_share * account.margin
                AND {r1_at_or_above("account.heavy_share_degree", "account.margin", "account.balance")})) AS heavy
FROM (SELECT p.account_no, q.product, sum(p.margin) AS margin,
             sum(p.volume * q.multiplier * CASE WHEN p.direction = 'long' THEN q.last_price - q.lower_limit
                                                ELSE q.upper_limit - q.last_price END) AS stress_loss,
             bool_or(p.direction = 'long') AS has_long, bool_or(p.direction = 'short') AS has_short,
             sum(p.volume) FILTER (WHERE p.direction = 'long') AS long_volume,
             sum(p.volume) FILTER (WHERE p.direction = 'short') AS short_volume,
             sum(p.position_profit) FILTER (WHERE p.direction = 'long') AS long_profit,
             sum(p.position_profit) FILTER (WHERE p.direction = 'short') AS short_profit
      FROM intraday_lines account
      JOIN settlement_intradayposition p ON p.trading_day = %(trading_day)s AND p.account_no = account.account_no
      JOIN settlement_intradayquote q ON q.trading_day = %(trading_day)s AND q.instrument = p.instrument
      GROUP BY p.account_no, q.product) AS product
JOIN intraday_lines account USING (account_no)
) AS judged  -- only the rows some rule reads: most holdings are none of these, and writing them all cost 0.5 s
WHERE heavy OR long_profit < 0 OR short_profit < 0 OR balance - account_stress_loss <= 0
   OR (balance > 0 AND margin >= 0.25 * balance);  -- LARGEST_HEAVY's
ANALYZE intraday_product;
""" + PRODUCTS_CONCERNED + f"""
CREATE TEMPORARY TABLE intraday_moves ON COMMIT DROP AS
{PRODUCT_MOVES};
ANALYZE intraday_moves;
"""

# Every intraday condition that holds now for the touched accounts: (client, kind, product, severity).
DUE = f"""
CREATE TEMPORARY TABLE intraday_due ON COMMIT DROP AS
WITH heavy AS (
    SELECT * FROM intraday_product WHERE heavy
)
SELECT account.client_id, 'intraday_warning' AS kind, '' AS product, 'medium' AS severity
FROM intraday_lines account
WHERE {r1_at_or_above("account.warning_ratio", "account.margin", "account.balance")}
  AND NOT {r1_at_or_above("account.margin_call_ratio", "account.margin", "account.balance")}
UNION ALL
SELECT account.client_id, 'intraday_margin_call', '', 'high' FROM intraday_lines account
WHERE {r1_at_or_above("account.margin_call_ratio", "account.margin", "account.balance")}
UNION ALL
SELECT heavy.client_id, 'adverse_move', heavy.product, 'high'
FROM heavy JOIN intraday_moves m ON m.product = heavy.product JOIN intraday_lines account USING (account_no)
WHERE (heavy.has_long AND {adverse("long", "account.adverse_move", "account.adverse_limit_way")})
   OR (heavy.has_short AND {adverse("short", "account.adverse_move", "account.adverse_limit_way")})
UNION ALL
SELECT DISTINCT account.client_id, 'no_stop_loss', held.product, 'medium'
FROM (SELECT * FROM intraday_product WHERE long_profit < 0 OR short_profit < 0) AS product  -- losing only
JOIN intraday_lines account USING (account_no)
CROSS JOIN LATERAL (VALUES ('long', product.product, product.long_volume, product.long_profit),
                           ('short', product.product, product.short_volume, product.short_profit))
     AS held(direction, product, volume, profit)
LEFT JOIN settlement_intradayopening first ON first.trading_day = %(trading_day)s
     AND first.account_no = product.account_no AND first.product = held.product AND first.direction = held.direction
WHERE held.volume IS NOT NULL AND held.profit < 0 AND held.profit <= -account.stop_loss_ratio * account.pre_balance
  AND held.volume >= coalesce(first.volume, 0)
UNION ALL
SELECT DISTINCT product.client_id, 'limit_stress', '', 'critical'  -- I6
FROM intraday_product product WHERE product.balance - product.account_stress_loss <= 0;
ANALYZE intraday_due;
"""

# I9: the largest heavy ratio of the day so far (a product's margin ÷ equity), kept from a quarter of equity up (below
# that no product is anywhere near heavy, and writing 100,000 summaries per snapshot cost more than the rules).
LARGEST_HEAVY = """
INSERT INTO risk_intradaysummary (trade_date, client_id, largest_heavy_ratio, alerts, final)
SELECT %(trading_day)s, client_id, round(max(margin / balance), 4), 0, false FROM intraday_product
WHERE balance > 0 AND margin >= 0.25 * balance
GROUP BY client_id
ON CONFLICT (trade_date, client_id) DO UPDATE
    SET largest_heavy_ratio = EXCLUDED.largest_heavy_ratio
    WHERE risk_intradaysummary.largest_heavy_ratio IS NULL
       OR risk_intradaysummary.largest_heavy_ratio < EXCLUDED.largest_heavy_ratio
"""

# I8: raised (at most one per client, day, kind and product), or raised again once eased; each step an event.
RAISE = f"""
WITH officers AS ({R5_BRANCH_RISK_OFFICERS}
), written AS (
    INSERT INTO risk_alert (client_id, trade_date, kind, product, severity, status, escalated, resolution_note,
                            risk_degree, assigned_to_id, thresholds_id, client_thresholds_id, raised_at, due_at)
    SELECT due.client_id, %(trading_day)s, due.kind, due.product, due.severity, 'open', false, '',
           round({r1_risk_degree("a.margin", "a.balance")}, 4),
           coalesce(client.advisor_id, officer.id), %(thresholds_id)s, own.id, %(now)s,
           CASE due.kind WHEN 'limit_stress' THEN %(now)s + interval '15 minutes'
                         WHEN 'intraday_margin_call' THEN %(now)s + interval '30 minutes'
                         WHEN 'adverse_move' THEN %(now)s + interval '30 minutes'
                         ELSE %(session_end)s END
    FROM intraday_due due
    JOIN clients_client client ON client.id = due.client_id
    JOIN settlement_intradayaccount a ON a.trading_day = %(trading_day)s AND a.account_no = client.account_no
    LEFT JOIN officers officer ON officer.branch_id = client.branch_id
    LEFT JOIN ({R8_CLIENT_THRESHOLDS_IN_FORCE}) own ON own.client_id = due.client_id
    ON CONFLICT (client_id, trade_date, kind, product) DO UPDATE
        SET eased_at = NULL, raised_at = EXCLUDED.raised_at, due_at = EXCLUDED.due_at,
            risk_degree = EXCLUDED.risk_degree, escalated = false,
            status = CASE WHEN risk_alert.status IN ('resolved', 'withdrawn') THEN 'open' ELSE risk_alert.status END
        WHERE risk_alert.eased_at IS NOT NULL
    RETURNING id, (xmax <> 0) AS again
), again AS (
    INSERT INTO risk_alertevent (alert_id, action, actor_id, at, note)
    SELECT id, 'raised_again', NULL, %(now)s, '' FROM written WHERE again
)
SELECT count(*) FILTER (WHERE NOT again), count(*) FILTER (WHERE again) FROM written
"""

# I8: a standing alert of a touched account whose condition no longer holds is eased (缓解), with an event.
EASE = """
WITH eased AS (
    UPDATE risk_alert alert SET eased_at = %(now)s
    FROM intraday_touched touched
    WHERE alert.client_id = touched.client_id AND alert.trade_date = %(trading_day)s AND alert.kind IN %(kinds)s
      AND alert.eased_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM intraday_due due WHERE due.client_id = alert.client_id AND due.kind = alert.kind
                      AND due.product = alert.product)
    RETURNING alert.id
)
INSERT INTO risk_alertevent (alert_id, action, actor_id, at, note)
SELECT id, 'eased', NULL, %(now)s, '' FROM eased
"""

# I7: products whose move reached the market-event line (firm-wide), one record per day and product; its largest
# move is kept.
MARKET_EVENTS = f"""
WITH firm AS (SELECT * FROM risk_riskthresholdset WHERE id = %(thresholds_id)s)
INSERT INTO risk_marketevent (trade_date, product, instrument, direction, move, limit_way, raised_at, updated_at)
SELECT %(trading_day)s, m.product, m.instrument, CASE WHEN m.change > 0 THEN 'up' ELSE 'down' END,
       round(m.change / m.pre_settlement, 6),
       round(CASE WHEN m.change > 0 AND m.upper_limit > m.pre_settlement
                  THEN m.change / (m.upper_limit - m.pre_settlement)
                  WHEN m.change < 0 AND m.pre_settlement > m.lower_limit
                  THEN -m.change / (m.pre_settlement - m.lower_limit) ELSE 0 END, 6),
       %(now)s, %(now)s
FROM intraday_moves m CROSS JOIN firm
WHERE m.product IN (SELECT product FROM settlement_intradayquote
                    WHERE trading_day = %(trading_day)s AND sequence = %(sequence)s)
  AND m.change <> 0
  AND (abs(m.change) >= firm.market_move * m.pre_settlement
       OR {adverse("long", "firm.market_move", "firm.market_limit_way")}
       OR {adverse("short", "firm.market_move", "firm.market_limit_way")})
ON CONFLICT (trade_date, product) DO UPDATE
    SET move = CASE WHEN abs(EXCLUDED.move) > abs(risk_marketevent.move) THEN EXCLUDED.move
                    ELSE risk_marketevent.move END,
        limit_way = greatest(EXCLUDED.limit_way, risk_marketevent.limit_way),
        direction = CASE WHEN abs(EXCLUDED.move) > abs(risk_marketevent.move) THEN EXCLUDED.direction
                         ELSE risk_marketevent.direction END,
        instrument = EXCLUDED.instrument, updated_at = EXCLUDED.updated_at
"""

# I7: the "call now" list of a market event: clients holding the product against the move, heavy holdings first,
# then by exposure (lots × multiplier × last ÷ equity). The caller keeps the reader's own (O).
CALL_NOW = f"""
WITH firm AS (SELECT * FROM risk_riskthresholdset WHERE id = %(thresholds_id)s),
against AS (
    SELECT client.id AS client_id, a.account_no, a.balance, a.margin,
           sum(p.margin) AS product_margin,
           sum(p.volume * q.multiplier * q.last_price) AS exposure
    FROM settlement_intradayposition p
    JOIN settlement_intradayquote q ON q.trading_day = p.trading_day AND q.instrument = p.instrument
    JOIN settlement_intradayaccount a ON a.trading_day = p.trading_day AND a.account_no = p.account_no
    JOIN clients_client client ON client.account_no = a.account_no
    WHERE p.trading_day = %(trading_day)s AND q.product = %(product)s AND p.direction = %(against)s
    GROUP BY client.id, a.account_no, a.balance, a.margin
)
SELECT against.client_id,
       ({r1_at_or_above("firm.heavy_ratio", "against.product_margin", "against.balance")}
        OR (against.product_margin >= firm.heavy_share * against.margin AND against.product_margin > 0
            AND {r1_at_or_above("firm.heavy_share_degree", "against.margin", "against.balance")})) AS heavy,
       CASE WHEN against.balance > 0 THEN against.exposure / against.balance END AS exposure_ratio
FROM against CROSS JOIN firm
ORDER BY heavy DESC, exposure_ratio DESC NULLS FIRST, against.account_no
"""

# I9 at the close: each account's day summarised from its path (peak risk degree and its time, lowest equity) and
# its intraday alerts; then the day's state cleared. An intraday alert is linked to the day's R2 alert of the same
# meaning.
SUMMARISE = f"""
WITH path AS (
    SELECT DISTINCT ON (point.account_no) point.account_no, client.id AS client_id,
           round({r1_risk_degree("point.margin", "point.balance")}, 4) AS degree, point.taken_at,
           min(point.balance) OVER (PARTITION BY point.account_no) AS lowest
    FROM settlement_intradaypoint point JOIN clients_client client ON client.account_no = point.account_no
    WHERE point.trading_day = %(trading_day)s
    ORDER BY point.account_no, {r1_risk_degree("point.margin", "point.balance")} DESC NULLS FIRST, point.sequence
), alerts AS (
    SELECT client_id, count(*) AS raised FROM risk_alert
    WHERE trade_date = %(trading_day)s AND kind IN %(kinds)s GROUP BY client_id
)
INSERT INTO risk_intradaysummary (trade_date, client_id, peak_risk_degree, peak_at, lowest_balance,
                                  largest_heavy_ratio, alerts, final)
SELECT %(trading_day)s, path.client_id, path.degree, path.taken_at, path.lowest, NULL,
       coalesce(alerts.raised, 0), true
FROM path LEFT JOIN alerts ON alerts.client_id = path.client_id
ON CONFLICT (trade_date, client_id) DO UPDATE
    SET peak_risk_degree = EXCLUDED.peak_risk_degree, peak_at = EXCLUDED.peak_at,
        lowest_balance = EXCLUDED.lowest_balance, alerts = EXCLUDED.alerts, final = true
"""

# I9: the R2 kind that means what each intraday kind meant.
SAME_MEANING = {"intraday_warning": "risk_warning", "intraday_margin_call": "margin_call",
                "limit_stress": "negative_equity"}
LINK_DAY_ALERTS = """
UPDATE risk_alert intraday SET day_alert_id = day.id
FROM risk_alert day
WHERE intraday.trade_date = %(trading_day)s AND day.trade_date = %(trading_day)s
  AND day.client_id = intraday.client_id
  AND (intraday.kind, day.kind) IN %(pairs)s
  AND intraday.day_alert_id IS DISTINCT FROM day.id
"""

# Raw snapshots (and their points) kept for 5 trading days (I9).
PRUNE = """
DELETE FROM settlement_intradaypoint WHERE trading_day < %(keep_from)s;
DELETE FROM settlement_intradayquote WHERE trading_day < %(keep_from)s;
DELETE FROM settlement_intradaysnapshot WHERE trading_day < %(keep_from)s;
"""

# The days whose intraday state partitions exist (settlement/sql.py futcrm_ensure_intraday_partitions).
STATE_DAYS = r"""
SELECT DISTINCT substring(relname from '(\d{8})$') FROM pg_class
WHERE relkind = 'r' AND relname ~ '^settlement_intraday(account|position)_\d{8}$'
"""
