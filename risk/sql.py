"""Set-based risk SQL (STYLE.md 3). One INSERT … SELECT raises every alert of a closed trade date."""

# R1: risk degree = margin ÷ balance. Balance ≤ 0 with margin > 0 counts as above every threshold (NULL degree,
# flagged `unbounded`); no margin means no risk.
# R2: the six kinds, with thresholds from risk_riskthresholdset (R8). 以上 includes, 超过 excludes.
# R5: assigned to the client's advisor, else the branch's risk officer. R6: contact due within 60 minutes for
# margin_call / negative_equity / forced_liquidation, otherwise by the end of the next trading day.
RAISE_ALERTS = """
WITH thresholds AS (
    SELECT * FROM risk_riskthresholdset WHERE id = %(thresholds_id)s
), day AS (
    SELECT s.client_id, s.balance, s.margin, s.deposit, s.withdrawal, s.close_profit, s.position_profit,
           s.commission, s.margin_call, s.forced_liquidation,
           CASE WHEN s.balance > 0 THEN round(s.margin / s.balance, 4) END AS risk_degree,
           (s.balance <= 0 AND s.margin > 0) AS unbounded
    FROM settlement_dailystatement s
    WHERE s.trade_date = %(trade_date)s
), next_trading_day AS (
    SELECT min(date) AS date FROM settlement_tradingday WHERE is_trading_day AND date > %(trade_date)s
)
INSERT INTO risk_alert (client_id, trade_date, kind, severity, status, escalated, resolution_note, risk_degree,
                        assigned_to_id, thresholds_id, raised_at, due_at)
SELECT day.client_id, %(trade_date)s, alert.kind, alert.severity, 'open', false, '', day.risk_degree,
       coalesce(client.advisor_id, (SELECT officer.id FROM clients_staffprofile officer
                                    WHERE officer.branch_id = client.branch_id AND officer.role = 'risk_officer'
                                    ORDER BY officer.staff_code LIMIT 1)),
       thresholds.id, %(now)s,
       CASE WHEN alert.kind IN ('margin_call', 'negative_equity', 'forced_liquidation')
            THEN %(now)s + interval '60 minutes'
            ELSE (coalesce((SELECT date FROM next_trading_day), %(trade_date)s::date + 1) + 1)::timestamp
                 AT TIME ZONE 'Asia/Shanghai' END
FROM day
JOIN clients_client client ON client.id = day.client_id
CROSS JOIN thresholds
CROSS JOIN LATERAL (VALUES
    -- Compared exactly (margin against ratio × balance), never through the rounded degree stored for display:
    -- 79,999.99 of margin on 100,000 of equity is below eighty per cent.
    ('risk_warning', 'low', day.balance > 0 AND day.margin >= thresholds.warning_ratio * day.balance
                            AND day.margin < thresholds.margin_call_ratio * day.balance),
    ('margin_call', 'high', day.unbounded OR (day.balance > 0 AND day.margin >= thresholds.margin_call_ratio
                                              * day.balance) OR day.margin_call),
    ('forced_liquidation', 'high', day.forced_liquidation),
    ('negative_equity', 'critical', day.balance < 0),
    ('large_fund_movement', 'medium', day.deposit + day.withdrawal > thresholds.large_fund_movement),
    ('large_loss', 'medium', day.close_profit + day.position_profit - day.commission <= -thresholds.large_loss)
) AS alert(kind, severity, raised)
WHERE alert.raised
ON CONFLICT (client_id, trade_date, kind) DO NOTHING
"""
