"""S2's weekly contact plans kept by the writes that change them (issue 15 item 2; docs/rules-added.md, "S2 plan
weeks"): one row per planned client and week (service_log.ContactPlanWeek) with the weekly minimum and the
outbound contacts so far, so the service dashboard and the workbench read the week's rows instead of every
assignment, override, key-monitoring entry and contact of the scope.

The two functions below are plain SQL functions, frozen into the migrations that install them (0021, 0024; a change
here needs a migration of its own, and tests/core/test_database_objects.py fails until it has one); the triggers that
call them are declared on the models they fire on (service_log/triggers.py, clients/triggers.py, risk/triggers.py,
tiering/triggers.py). Who moves a week's rows:
- a contact (inserted, moved, deleted): its week's row counts it, +1 / −1 (ContactRecord's contact_plan_count);
- a client's branch, advisor or closing; a key-monitoring entry; an override (T11); a final tier assignment; a rule:
  the clients concerned are recomputed in every week already built from the one the change takes effect in
  (REFRESH_FROM, called by the triggers);
- a week nobody has read yet is built when first read (services.contact_plan_week_ensure), and beat rebuilds the
  current week every night, which also picks up what only time changes (a closing dated ahead).

Times are local (settings.TIME_ZONE): a week starts on Monday at 00:00 in Shanghai, as `today.weekday()` counts."""

from django.conf import settings

TIME_ZONE = settings.TIME_ZONE

# S2 for one week, for the clients given (NULL: all): who is planned (a tier with a minimum in the latest final
# month, T9, or an approved override in force in the month the week starts, T11; or on key monitoring at any time
# in the week, R3), the larger of the two minimums, and the week's outbound contacts.
REFRESH = f"""
CREATE OR REPLACE FUNCTION service_log_contact_plan_refresh(p_week date, p_clients bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    week_from timestamptz := p_week::timestamp AT TIME ZONE '{TIME_ZONE}';
    week_to timestamptz := (p_week + 7)::timestamp AT TIME ZONE '{TIME_ZONE}';
    open_after date := least((now() AT TIME ZONE '{TIME_ZONE}')::date, p_week + 6);
    plan_month date := date_trunc('month', p_week)::date;
    latest_month date := (SELECT max(month) FROM tiering_tierassignment WHERE state = 'final');
    -- T14: the plans follow the tiers, or the contribution cards, as the card policy in force that month says;
    -- by cards: the latest month computed before the week's month, a silver card in force (T16) first.
    plan_by text := coalesce((SELECT contact_plans_by FROM tiering_contributionpolicy
                              WHERE approved_at IS NOT NULL AND effective_from <= plan_month
                              ORDER BY version DESC LIMIT 1), 'tiers');
    cards_month date := (SELECT max(month) FROM tiering_contributionmonth WHERE month < plan_month);
    planned_tiers text[] := ARRAY(SELECT segment FROM service_log_contactplanrule
                                  WHERE weekly_minimum > 0 AND segment <> 'key_monitoring');
    monitoring_minimum integer := coalesce((SELECT weekly_minimum FROM service_log_contactplanrule
                                            WHERE segment = 'key_monitoring'), 0);
BEGIN
    DELETE FROM service_log_contactplanweek
    WHERE week_start = p_week AND (p_clients IS NULL OR client_id = ANY(p_clients));
    INSERT INTO service_log_contactplanweek (week_start, client_id, branch_id, advisor_id, tier, key_monitoring,
                                             weekly_minimum, outbound)
    WITH overrides AS (
        SELECT DISTINCT ON (client_id) client_id, tier FROM tiering_tieroverride
        WHERE plan_by = 'tiers' AND approved_at IS NOT NULL AND first_month <= plan_month AND last_month >= plan_month
          AND (p_clients IS NULL OR client_id = ANY(p_clients))
        ORDER BY client_id, approved_at DESC
    ), silver AS (
        SELECT DISTINCT client_id, 'silver_card'::text AS card FROM tiering_silvercard
        WHERE plan_by = 'cards' AND approved_at IS NOT NULL AND first_month <= plan_month AND last_month >= plan_month
          AND (p_clients IS NULL OR client_id = ANY(p_clients))
    ), monitored AS (
        SELECT DISTINCT client_id FROM risk_keymonitoring
        WHERE monitoring_minimum > 0 AND started_on <= p_week + 6 AND (ended_on IS NULL OR ended_on >= p_week)
          AND (p_clients IS NULL OR client_id = ANY(p_clients))
    ), candidates AS (
        SELECT client_id FROM tiering_tierassignment
        WHERE plan_by = 'tiers' AND month = latest_month AND tier = ANY(planned_tiers)
          AND (p_clients IS NULL OR client_id = ANY(p_clients))
        UNION SELECT client_id FROM overrides WHERE tier = ANY(planned_tiers)
        UNION SELECT client_id FROM tiering_contributioncard
        WHERE plan_by = 'cards' AND month = cards_month AND card = ANY(planned_tiers)
          AND (p_clients IS NULL OR client_id = ANY(p_clients))
        UNION SELECT client_id FROM silver WHERE card = ANY(planned_tiers)
        UNION SELECT client_id FROM monitored
    ), contacts AS (
        SELECT client_id, count(*) AS outbound FROM service_log_contactrecord
        WHERE direction = 'outbound' AND contacted_at >= week_from AND contacted_at < week_to
          AND (p_clients IS NULL OR client_id = ANY(p_clients))
        GROUP BY client_id
    ), planned AS (
        SELECT client.id AS client_id, client.branch_id, client.advisor_id,
               coalesce(o.tier, a.tier, s.card, c.card) AS tier, m.client_id IS NOT NULL AS key_monitoring
        FROM candidates
        JOIN clients_client AS client ON client.id = candidates.client_id
        LEFT JOIN overrides AS o ON o.client_id = client.id
        LEFT JOIN tiering_tierassignment AS a ON plan_by = 'tiers' AND a.month = latest_month
                                              AND a.client_id = client.id
        LEFT JOIN silver AS s ON s.client_id = client.id
        LEFT JOIN tiering_contributioncard AS c ON plan_by = 'cards' AND c.month = cards_month
                                                AND c.client_id = client.id
        LEFT JOIN monitored AS m ON m.client_id = client.id
        WHERE client.closed_on IS NULL OR client.closed_on > open_after
    ), minimums AS (
        SELECT planned.*, greatest(coalesce(rule.weekly_minimum, 0),
                                   CASE WHEN key_monitoring THEN monitoring_minimum ELSE 0 END) AS weekly_minimum
        FROM planned LEFT JOIN service_log_contactplanrule AS rule ON rule.segment = planned.tier
    )
    SELECT p_week, m.client_id, m.branch_id, m.advisor_id, m.tier, m.key_monitoring, m.weekly_minimum,
           coalesce(contacts.outbound, 0)
    FROM minimums AS m LEFT JOIN contacts ON contacts.client_id = m.client_id
    WHERE m.weekly_minimum > 0;
END $$
"""

# The clients given (NULL: all) recomputed in every week built so far from the week holding `p_from` on.
REFRESH_FROM = """
CREATE OR REPLACE FUNCTION service_log_contact_plan_refresh_from(p_from date, p_clients bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    week date;
BEGIN
    FOR week IN SELECT week_start FROM service_log_contactplanweekbuilt
                WHERE week_start >= date_trunc('week', p_from)::date ORDER BY week_start LOOP
        PERFORM service_log_contact_plan_refresh(week, p_clients);
    END LOOP;
END $$
"""

# The plain functions above, for tests/core/test_database_objects.py (installed by migrations 0021 and 0024).
FUNCTIONS = REFRESH + ";\n" + REFRESH_FROM

# Build a week once: the first reader (or beat) claims it; a second reader waits for that build to commit.
CLAIM_WEEK = """INSERT INTO service_log_contactplanweekbuilt (week_start, built_at) VALUES (%s, now())
                ON CONFLICT (week_start) DO NOTHING RETURNING week_start"""
REBUILD_WEEK = "SELECT service_log_contact_plan_refresh(%s, NULL)"

# S4 coverage: the day's opted-in, open clients with a phone and no information SMS sent (a marketing template:
# broadcasts, research summaries), written once per trading day (re-running rewrites the day), then the counts per
# branch and advisor the report reads.
INFORMATION_GAPS_CLEAR = """
DELETE FROM service_log_informationgap WHERE trade_date = %(day)s;
DELETE FROM service_log_informationcoverage WHERE trade_date = %(day)s;
"""
INFORMATION_GAPS = """
WITH opted AS (
        SELECT c.id, c.branch_id, c.advisor_id FROM clients_client c
        WHERE c.marketing_opt_in AND c.phone_ciphertext <> '' AND c.opened_on <= %(day)s
          AND (c.closed_on IS NULL OR c.closed_on > %(day)s)),
     informed AS (
        SELECT DISTINCT s.client_id FROM service_log_smsdelivery s
        JOIN service_log_messagetemplate t ON t.id = s.template_id AND t.marketing
        WHERE s.sent_on = %(day)s AND s.status = 'sent'),
     gaps AS (
        INSERT INTO service_log_informationgap (trade_date, client_id, branch_id, advisor_id)
        SELECT %(day)s, o.id, o.branch_id, o.advisor_id FROM opted o
        WHERE NOT EXISTS (SELECT 1 FROM informed i WHERE i.client_id = o.id)
        RETURNING 1)
INSERT INTO service_log_informationcoverage (trade_date, branch_id, advisor_id, opted_in, uncovered)
SELECT %(day)s, o.branch_id, o.advisor_id, count(*), count(*) FILTER (WHERE i.client_id IS NULL)
FROM opted o LEFT JOIN informed i ON i.client_id = o.id
GROUP BY o.branch_id, o.advisor_id
"""
