"""S2's weekly contact plans kept by the writes that change them (issue 15 item 2; docs/rules-added.md, "S2 plan
weeks"): one row per planned client and week (service_log.ContactPlanWeek) with the weekly minimum and the
outbound contacts so far, so the service dashboard and the workbench read the week's rows instead of every
assignment, override, key-monitoring entry and contact of the scope.

The functions and triggers below are installed by migration 0021. Who moves a week's rows:
- a contact (inserted, moved, deleted): its week's row counts it, +1 / −1 (CONTACT_COUNT);
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

CONTACT_COUNT = f"""
CREATE OR REPLACE FUNCTION service_log_contact_plan_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.direction = 'outbound' THEN
        UPDATE service_log_contactplanweek SET outbound = outbound - 1
        WHERE client_id = OLD.client_id
          AND week_start = date_trunc('week', OLD.contacted_at AT TIME ZONE '{TIME_ZONE}')::date;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.direction = 'outbound' THEN
        UPDATE service_log_contactplanweek SET outbound = outbound + 1
        WHERE client_id = NEW.client_id
          AND week_start = date_trunc('week', NEW.contacted_at AT TIME ZONE '{TIME_ZONE}')::date;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER service_log_contact_plan_count
AFTER INSERT OR DELETE OR UPDATE OF client_id, contacted_at, direction ON service_log_contactrecord
FOR EACH ROW EXECUTE FUNCTION service_log_contact_plan_count();
"""

TODAY = f"(now() AT TIME ZONE '{TIME_ZONE}')::date"

# A client moved to another branch or advisor, closed or reopened: from this week on (earlier weeks stay as they
# were: whose plan it was then).
CLIENT_CHANGE = f"""
CREATE OR REPLACE FUNCTION service_log_contact_plan_client() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM service_log_contact_plan_refresh_from(
        least({TODAY}, OLD.closed_on, NEW.closed_on), ARRAY[NEW.id]);
    RETURN NULL;
END $$;
CREATE TRIGGER service_log_contact_plan_client
AFTER UPDATE OF branch_id, advisor_id, closed_on ON clients_client FOR EACH ROW
WHEN (OLD.branch_id IS DISTINCT FROM NEW.branch_id OR OLD.advisor_id IS DISTINCT FROM NEW.advisor_id
      OR OLD.closed_on IS DISTINCT FROM NEW.closed_on)
EXECUTE FUNCTION service_log_contact_plan_client();
"""

# R3: an entry counts in every week it overlaps; T11: an override from its first month.
_ROW_CHANGE = """
CREATE OR REPLACE FUNCTION service_log_contact_plan_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM service_log_contact_plan_refresh_from(OLD.{since}, ARRAY[OLD.client_id]);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM service_log_contact_plan_refresh_from(NEW.{since}, ARRAY[NEW.client_id]);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER service_log_contact_plan_{name} AFTER INSERT OR UPDATE OR DELETE ON {table}
FOR EACH ROW EXECUTE FUNCTION service_log_contact_plan_{name}();
"""
KEY_MONITORING_CHANGE = _ROW_CHANGE.format(name="key_monitoring", table="risk_keymonitoring", since="started_on")
OVERRIDE_CHANGE = _ROW_CHANGE.format(name="override", table="tiering_tieroverride", since="first_month")
SILVER_CHANGE = _ROW_CHANGE.format(name="silver", table="tiering_silvercard", since="first_month")  # T16

# T13/T14: a month's cards rewritten move the plans of the weeks from the month after it, when the plans follow
# the cards then; a card policy approved (its setting, S2) moves the weeks from its first month.
CARDS_CHANGE = """
CREATE OR REPLACE FUNCTION service_log_contact_plan_cards() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    first_month date;
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT min(month) INTO first_month FROM old_rows;
    ELSE
        SELECT min(month) INTO first_month FROM new_rows;
    END IF;
    IF first_month IS NOT NULL AND coalesce((
            SELECT contact_plans_by FROM tiering_contributionpolicy
            WHERE approved_at IS NOT NULL AND effective_from <= (first_month + interval '1 month')::date
            ORDER BY version DESC LIMIT 1), 'tiers') = 'cards' THEN
        PERFORM service_log_contact_plan_refresh_from((first_month + interval '1 month')::date, NULL);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER service_log_contact_plan_cards_insert AFTER INSERT ON tiering_contributioncard
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION service_log_contact_plan_cards();
CREATE TRIGGER service_log_contact_plan_cards_update AFTER UPDATE ON tiering_contributioncard
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION service_log_contact_plan_cards();
CREATE TRIGGER service_log_contact_plan_cards_delete AFTER DELETE ON tiering_contributioncard
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION service_log_contact_plan_cards();

CREATE OR REPLACE FUNCTION service_log_contact_plan_card_policy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM service_log_contact_plan_refresh_from(NEW.effective_from, NULL);
    RETURN NULL;
END $$;
CREATE TRIGGER service_log_contact_plan_card_policy AFTER UPDATE OF approved_at ON tiering_contributionpolicy
FOR EACH ROW WHEN (OLD.approved_at IS NULL AND NEW.approved_at IS NOT NULL)
EXECUTE FUNCTION service_log_contact_plan_card_policy();
"""
CARDS_UNINSTALL = """
DROP TRIGGER IF EXISTS service_log_contact_plan_silver ON tiering_silvercard;
DROP TRIGGER IF EXISTS service_log_contact_plan_cards_insert ON tiering_contributioncard;
DROP TRIGGER IF EXISTS service_log_contact_plan_cards_update ON tiering_contributioncard;
DROP TRIGGER IF EXISTS service_log_contact_plan_cards_delete ON tiering_contributioncard;
DROP TRIGGER IF EXISTS service_log_contact_plan_card_policy ON tiering_contributionpolicy;
DROP FUNCTION IF EXISTS service_log_contact_plan_silver(), service_log_contact_plan_cards(),
    service_log_contact_plan_card_policy();
"""

# T9: a final month becomes the current tier from the month after it; the recalculation writes a month's
# assignments in a few statements, so this runs per statement, for every client, and only when final rows moved.
_ASSIGNMENT_CHANGE = """
CREATE TRIGGER service_log_contact_plan_tiers_{event} AFTER {event} ON tiering_tierassignment
REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION service_log_contact_plan_tiers();
"""
ASSIGNMENT_CHANGE = """
CREATE OR REPLACE FUNCTION service_log_contact_plan_tiers() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    first_final date;
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT min(month) INTO first_final FROM old_rows WHERE state = 'final';
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT min(month) INTO first_final FROM (
            SELECT month FROM old_rows WHERE state = 'final' UNION ALL SELECT month FROM new_rows WHERE state = 'final'
        ) AS final_rows;
    ELSE
        SELECT min(month) INTO first_final FROM new_rows WHERE state = 'final';
    END IF;
    IF first_final IS NOT NULL THEN
        PERFORM service_log_contact_plan_refresh_from((first_final + interval '1 month')::date, NULL);
    END IF;
    RETURN NULL;
END $$;
""" + "".join(_ASSIGNMENT_CHANGE.format(event=event, tables=tables) for event, tables in (
    ("INSERT", "NEW TABLE AS new_rows"), ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("DELETE", "OLD TABLE AS old_rows")))

RULE_CHANGE = f"""
CREATE OR REPLACE FUNCTION service_log_contact_plan_rules() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM service_log_contact_plan_refresh_from({TODAY}, NULL);
    RETURN NULL;
END $$;
CREATE TRIGGER service_log_contact_plan_rules AFTER INSERT OR UPDATE OR DELETE ON service_log_contactplanrule
FOR EACH STATEMENT EXECUTE FUNCTION service_log_contact_plan_rules();
"""

INSTALL = [REFRESH, REFRESH_FROM, CONTACT_COUNT, CLIENT_CHANGE, KEY_MONITORING_CHANGE, OVERRIDE_CHANGE,
           ASSIGNMENT_CHANGE, RULE_CHANGE]
UNINSTALL = """
DROP TRIGGER IF EXISTS service_log_contact_plan_count ON service_log_contactrecord;
DROP TRIGGER IF EXISTS service_log_contact_plan_client ON clients_client;
DROP TRIGGER IF EXISTS service_log_contact_plan_key_monitoring ON risk_keymonitoring;
DROP TRIGGER IF EXISTS service_log_contact_plan_override ON tiering_tieroverride;
DROP TRIGGER IF EXISTS service_log_contact_plan_tiers_INSERT ON tiering_tierassignment;
DROP TRIGGER IF EXISTS service_log_contact_plan_tiers_UPDATE ON tiering_tierassignment;
DROP TRIGGER IF EXISTS service_log_contact_plan_tiers_DELETE ON tiering_tierassignment;
DROP TRIGGER IF EXISTS service_log_contact_plan_rules ON service_log_contactplanrule;
DROP FUNCTION IF EXISTS service_log_contact_plan_count(), service_log_contact_plan_client(),
    service_log_contact_plan_key_monitoring(), service_log_contact_plan_override(), service_log_contact_plan_tiers(),
    service_log_contact_plan_rules(), service_log_contact_plan_refresh_from(date, bigint[]),
    service_log_contact_plan_refresh(date, bigint[]);
"""

# Build a week once: the first reader (or beat) claims it; a second reader waits for that build to commit.
CLAIM_WEEK = """INSERT INTO service_log_contactplanweekbuilt (week_start, built_at) VALUES (%s, now())
                ON CONFLICT (week_start) DO NOTHING RETURNING week_start"""
REBUILD_WEEK = "SELECT service_log_contact_plan_refresh(%s, NULL)"

# S1: a contact's follow-up is open while no later contact with the client exists (the workbench's follow-ups),
# recomputed for the client(s) a contact write touches. The flag's own updates do not fire it again.
FOLLOW_UP_OPEN = """
CREATE OR REPLACE FUNCTION service_log_follow_up_open() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touched bigint;
BEGIN
    FOR touched IN SELECT DISTINCT id FROM unnest(ARRAY[
            CASE WHEN TG_OP <> 'INSERT' THEN OLD.client_id END, CASE WHEN TG_OP <> 'DELETE' THEN NEW.client_id END
        ]) AS ids(id) WHERE id IS NOT NULL LOOP
        UPDATE service_log_contactrecord AS contact
        SET follow_up_open = contact.next_follow_up IS NOT NULL AND contact.contacted_at = latest.contacted_at
        FROM (SELECT max(contacted_at) AS contacted_at FROM service_log_contactrecord WHERE client_id = touched)
             AS latest
        WHERE contact.client_id = touched
          AND contact.follow_up_open IS DISTINCT FROM
              (contact.next_follow_up IS NOT NULL AND contact.contacted_at = latest.contacted_at);
    END LOOP;
    RETURN NULL;
END $$;
CREATE TRIGGER service_log_follow_up_open
AFTER INSERT OR DELETE OR UPDATE OF client_id, contacted_at, next_follow_up ON service_log_contactrecord
FOR EACH ROW EXECUTE FUNCTION service_log_follow_up_open();
"""
FOLLOW_UP_OPEN_BACKFILL = """
UPDATE service_log_contactrecord AS contact SET follow_up_open = true
FROM (SELECT client_id, max(contacted_at) AS contacted_at FROM service_log_contactrecord GROUP BY client_id) AS latest
WHERE latest.client_id = contact.client_id AND contact.contacted_at = latest.contacted_at
  AND contact.next_follow_up IS NOT NULL
"""
FOLLOW_UP_OPEN_UNINSTALL = """
DROP TRIGGER IF EXISTS service_log_follow_up_open ON service_log_contactrecord;
DROP FUNCTION IF EXISTS service_log_follow_up_open();
"""

# S21: a follow-up task is closed by the first contact record with its client at or after the task was set,
# whoever writes the contact (a service, the admin, plain SQL); a task set later than the contact stays open.
FOLLOW_UP_TASK_CLOSE = """
CREATE OR REPLACE FUNCTION service_log_follow_up_task_close() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE service_log_followuptask SET contact_id = NEW.id, done_at = NEW.contacted_at
    WHERE client_id = NEW.client_id AND contact_id IS NULL AND set_at <= NEW.contacted_at;
    RETURN NULL;
END $$;
CREATE TRIGGER service_log_follow_up_task_close AFTER INSERT ON service_log_contactrecord
FOR EACH ROW EXECUTE FUNCTION service_log_follow_up_task_close();
"""
FOLLOW_UP_TASK_CLOSE_UNINSTALL = """
DROP TRIGGER IF EXISTS service_log_follow_up_task_close ON service_log_contactrecord;
DROP FUNCTION IF EXISTS service_log_follow_up_task_close();
"""

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
