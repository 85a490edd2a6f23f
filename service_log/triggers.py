"""The triggers declared on service_log's models (STYLE.md 16–17): each keeps a derived value right whoever writes
(S2's weekly plans, S1's open follow-ups); the workflow steps a contact sets off (S21's follow-up tasks closed) are
lines of services.contact_record_create."""

import pgtrigger
from django.conf import settings

_WEEK = "date_trunc('week', {row}.contacted_at AT TIME ZONE '" + settings.TIME_ZONE + "')::date"

# S2: a contact (inserted, moved, deleted) counts in its week's plan row, +1 / −1.
CONTACT_PLAN_COUNT = pgtrigger.Trigger(
    name="contact_plan_count", when=pgtrigger.After, level=pgtrigger.Row,
    operation=pgtrigger.Insert | pgtrigger.Delete | pgtrigger.UpdateOf("client_id", "contacted_at", "direction"),
    func=f"""IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.direction = 'outbound' THEN
    UPDATE service_log_contactplanweek SET outbound = outbound - 1
    WHERE client_id = OLD.client_id AND week_start = {_WEEK.format(row="OLD")};
END IF;
IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.direction = 'outbound' THEN
    UPDATE service_log_contactplanweek SET outbound = outbound + 1
    WHERE client_id = NEW.client_id AND week_start = {_WEEK.format(row="NEW")};
END IF;
RETURN NULL;""")

# S1: a contact's follow-up is open while no later contact with the client exists (the workbench's follow-ups),
# recomputed for the client(s) a contact write touches. The flag's own updates do not fire it again.
FOLLOW_UP_OPEN = pgtrigger.Trigger(
    name="follow_up_open", when=pgtrigger.After, level=pgtrigger.Row,
    operation=pgtrigger.Insert | pgtrigger.Delete | pgtrigger.UpdateOf("client_id", "contacted_at", "next_follow_up"),
    declare=[("touched", "bigint")],
    func="""FOR touched IN SELECT DISTINCT id FROM unnest(ARRAY[
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
RETURN NULL;""")

# S2: a rule changed moves every planned client's weeks from today on.
CONTACT_PLAN_RULES = pgtrigger.Trigger(
    name="contact_plan_rules", when=pgtrigger.After, level=pgtrigger.Statement,
    operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
    func=f"""PERFORM service_log_contact_plan_refresh_from((now() AT TIME ZONE '{settings.TIME_ZONE}')::date, NULL);
RETURN NULL;""")
