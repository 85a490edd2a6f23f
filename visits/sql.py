"""Set-based SQL of return visits (domain.md A5; STYLE.md 3).

OWE: every cause since the go-live date (settings.FUTCRM_VISITS_FROM) that has no visit yet gets one, with its
deadline: the n-th trading day after the cause's day (A5's n per trigger), or, for a closing account, the last
trading day before it closes. Where the calendar does not reach that far yet, n calendar days (never later than
the trading days would be). At most one visit per (client, trigger, source): a second sweep adds nothing."""

from visits.models import DEADLINE_TRADING_DAYS

_DAYS = ", ".join(f"('{trigger}', {days})" for trigger, days in DEADLINE_TRADING_DAYS.items())

OWE = f"""
WITH cause AS (
    SELECT c.id AS client_id, 'new_account' AS trigger, '' AS source, c.opened_on AS triggered_on
    FROM clients_client c
    WHERE c.opened_on >= %(since)s AND (%(clients)s::bigint[] IS NULL OR c.id = ANY(%(clients)s::bigint[]))
    UNION ALL
    SELECT complaint.client_id, 'complaint_resolved', 'complaint:' || complaint.id,
           (complaint.resolved_at AT TIME ZONE 'Asia/Shanghai')::date
    FROM service_log_complaint complaint
    WHERE complaint.resolved_at IS NOT NULL AND complaint.resolved_at >= %(since_at)s
    UNION ALL
    SELECT alert.client_id, 'forced_liquidation', 'alert:' || alert.id, alert.trade_date
    FROM risk_alert alert WHERE alert.kind = 'forced_liquidation' AND alert.trade_date >= %(since)s
    UNION ALL
    SELECT c.id, 'closing_account', '', c.closed_on FROM clients_client c WHERE c.closed_on >= %(since)s
), due AS (
    SELECT cause.*,
           CASE WHEN cause.trigger = 'closing_account' THEN
                    coalesce((SELECT max(d.date) FROM settlement_tradingday d
                              WHERE d.is_trading_day AND d.date < cause.triggered_on
                                AND d.date >= cause.triggered_on - 30), cause.triggered_on - 1)
                ELSE coalesce((SELECT d.date FROM settlement_tradingday d
                               WHERE d.is_trading_day AND d.date > cause.triggered_on
                               ORDER BY d.date OFFSET days.n - 1 LIMIT 1), cause.triggered_on + days.n)
           END AS due_on
    FROM cause LEFT JOIN (VALUES {_DAYS}) AS days(trigger, n) ON days.trigger = cause.trigger
    WHERE NOT EXISTS (SELECT 1 FROM visits_returnvisit visit WHERE visit.client_id = cause.client_id
                      AND visit.trigger = cause.trigger AND visit.source = cause.source)
)
INSERT INTO visits_returnvisit (client_id, trigger, source, triggered_on, due_on, status, attempts, recording_ref,
                                created_at)
SELECT client_id, trigger, source, triggered_on, due_on, 'owed', 0, '', now() FROM due
ON CONFLICT (client_id, trigger, source) DO NOTHING
"""
