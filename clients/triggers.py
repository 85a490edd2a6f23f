"""The triggers that fire on a client (declared in `Client.Meta.triggers`, installed by migrations that
django-pgtrigger writes), and the scope-copy trigger each table of client rows declares.

Triggers derive, services decide (STYLE.md 17): each trigger here keeps a derived row of a floor above (a scope copy,
a summary, a week's plan) right whoever writes the client; none takes a workflow step. They reference those floors'
tables in SQL only, so a reader of `Client` sees everything a change of branch or advisor sets off:

- O, scope copies: every table in `SCOPE_COPY_TABLES` copies its client's branch and advisor; a reassignment
  rewrites them (one trigger for all the tables).
- R6 summary (risk): the alert counts per day, branch, advisor and kind move with the client.
- T12 summary (tiering): the month's tier counts per branch and advisor move with the client.
- S2 plan weeks (service_log): the client's weeks from this one on are recomputed (its branch, advisor or closing).
"""

import pgtrigger
from django.conf import settings

# Domain O: the tables whose rows carry a copy of their client's branch and advisor (docs/architecture.md).
SCOPE_COPY_TABLES = ("risk_alert", "service_log_contactrecord", "tiering_tierassignment", "tiering_contributioncard",
                     "service_desk_ticket")

_MOVED = "OLD.branch_id IS DISTINCT FROM NEW.branch_id OR OLD.advisor_id IS DISTINCT FROM NEW.advisor_id"


def scope_copy_trigger() -> pgtrigger.Trigger:
    """O: a row's copies of its client's branch and advisor set from the client when it is written or moves to
    another client. Declared by each model of `SCOPE_COPY_TABLES` written row by row; the tiering tables are written
    by set-based statements that set the copies themselves (a row trigger would cost a lookup per row of a million)."""
    return pgtrigger.Trigger(
        name="scope_copy", when=pgtrigger.Before, level=pgtrigger.Row,
        operation=pgtrigger.Insert | pgtrigger.UpdateOf("client_id", "branch_id", "advisor_id"),
        func="""SELECT branch_id, advisor_id INTO NEW.branch_id, NEW.advisor_id FROM clients_client
    WHERE id = NEW.client_id;
RETURN NEW;""")


SCOPE_COPIES_REASSIGN = pgtrigger.Trigger(
    name="scope_copies", when=pgtrigger.After, level=pgtrigger.Row,
    operation=pgtrigger.UpdateOf("branch_id", "advisor_id"), condition=pgtrigger.Condition(_MOVED),
    func="".join(f"""UPDATE {table} SET branch_id = NEW.branch_id, advisor_id = NEW.advisor_id
WHERE client_id = NEW.id AND (branch_id, advisor_id) IS DISTINCT FROM (NEW.branch_id, NEW.advisor_id);
""" for table in SCOPE_COPY_TABLES) + "RETURN NULL;")

# R6 (risk): the client's alerts counted under its new branch and advisor, taken from the old ones.
_ALERT_COUNTS = """count(*) FILTER (WHERE alert.status <> 'withdrawn') * {sign} AS raised,
           count(alert.contacted_at) FILTER (WHERE alert.status <> 'withdrawn') * {sign} AS contacted,
           count(*) FILTER (WHERE alert.status <> 'withdrawn' AND alert.contacted_at <= alert.due_at) * {sign}
               AS contacted_in_time"""
ALERT_SUMMARY_MOVE = pgtrigger.Trigger(
    name="alert_summary_move", when=pgtrigger.After, level=pgtrigger.Row,
    operation=pgtrigger.UpdateOf("branch_id", "advisor_id"), condition=pgtrigger.Condition(_MOVED),
    func=f"""INSERT INTO risk_alertsummary AS summary
    (trade_date, branch_id, advisor_id, kind, raised, contacted, contacted_in_time)
SELECT trade_date, branch_id, advisor_id, kind, sum(raised), sum(contacted), sum(contacted_in_time)
FROM (
    SELECT alert.trade_date, NEW.branch_id AS branch_id, NEW.advisor_id AS advisor_id, alert.kind,
           {_ALERT_COUNTS.format(sign=1)}
    FROM risk_alert alert WHERE alert.client_id = NEW.id GROUP BY alert.trade_date, alert.kind
    UNION ALL
    SELECT alert.trade_date, OLD.branch_id, OLD.advisor_id, alert.kind,
           {_ALERT_COUNTS.format(sign=-1)}
    FROM risk_alert alert WHERE alert.client_id = NEW.id GROUP BY alert.trade_date, alert.kind
) AS delta
GROUP BY trade_date, branch_id, advisor_id, kind
HAVING sum(raised) <> 0 OR sum(contacted) <> 0 OR sum(contacted_in_time) <> 0
ORDER BY trade_date, branch_id, advisor_id, kind
ON CONFLICT (trade_date, branch_id, advisor_id, kind) DO UPDATE
SET raised = summary.raised + EXCLUDED.raised, contacted = summary.contacted + EXCLUDED.contacted,
    contacted_in_time = summary.contacted_in_time + EXCLUDED.contacted_in_time;
RETURN NULL;""")

# T12 (tiering): the client's assignments counted under its new branch and advisor, taken from the old ones.
TIER_SUMMARY_MOVE = pgtrigger.Trigger(
    name="tier_summary_move", when=pgtrigger.After, level=pgtrigger.Row,
    operation=pgtrigger.UpdateOf("branch_id", "advisor_id"), condition=pgtrigger.Condition(_MOVED),
    func="""UPDATE tiering_tiersummary summary
SET clients = summary.clients - 1, equity = summary.equity - assignment.avg_equity,
    commission = summary.commission - assignment.avg_commission
FROM tiering_tierassignment assignment
WHERE assignment.client_id = NEW.id AND summary.month = assignment.month AND summary.branch_id = OLD.branch_id
  AND summary.advisor_id IS NOT DISTINCT FROM OLD.advisor_id AND summary.tier = assignment.tier
  AND summary.previous_tier IS NOT DISTINCT FROM assignment.previous_tier;
INSERT INTO tiering_tiersummary (month, branch_id, advisor_id, tier, previous_tier, clients, equity, commission)
SELECT assignment.month, NEW.branch_id, NEW.advisor_id, assignment.tier, assignment.previous_tier, 1,
       assignment.avg_equity, assignment.avg_commission
FROM tiering_tierassignment assignment WHERE assignment.client_id = NEW.id
ON CONFLICT (month, branch_id, advisor_id, tier, previous_tier) DO UPDATE
SET clients = tiering_tiersummary.clients + 1, equity = tiering_tiersummary.equity + EXCLUDED.equity,
    commission = tiering_tiersummary.commission + EXCLUDED.commission;
DELETE FROM tiering_tiersummary
WHERE clients = 0 AND branch_id = OLD.branch_id AND advisor_id IS NOT DISTINCT FROM OLD.advisor_id;
RETURN NULL;""")

# S2 (service_log): a client moved to another branch or advisor, closed or reopened: its weeks from this one on
# (earlier weeks stay as they were: whose plan it was then).
CONTACT_PLAN_MOVE = pgtrigger.Trigger(
    name="contact_plan_move", when=pgtrigger.After, level=pgtrigger.Row,
    operation=pgtrigger.UpdateOf("branch_id", "advisor_id", "closed_on"),
    condition=pgtrigger.Condition(_MOVED + " OR OLD.closed_on IS DISTINCT FROM NEW.closed_on"),
    func=f"""PERFORM service_log_contact_plan_refresh_from(
    least((now() AT TIME ZONE '{settings.TIME_ZONE}')::date, OLD.closed_on, NEW.closed_on), ARRAY[NEW.id]);
RETURN NULL;""")

def contact_plan_refresh(name: str, since: str) -> pgtrigger.Trigger:
    """S2 (service_log's plan weeks): a row that puts a client on a weekly plan from a date (R3 key monitoring from
    its start, T11/T16 an override or a silver card from its first month) recomputes the client's weeks from then."""
    return pgtrigger.Trigger(
        name=name, when=pgtrigger.After, operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
        level=pgtrigger.Row,
        func=f"""IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM service_log_contact_plan_refresh_from(OLD.{since}, ARRAY[OLD.client_id]);
END IF;
IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM service_log_contact_plan_refresh_from(NEW.{since}, ARRAY[NEW.client_id]);
END IF;
RETURN NULL;""")


CLIENT_TRIGGERS = [SCOPE_COPIES_REASSIGN, ALERT_SUMMARY_MOVE, TIER_SUMMARY_MOVE, CONTACT_PLAN_MOVE]
