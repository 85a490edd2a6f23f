"""The triggers declared on the service desk's models (STYLE.md 16–17): derived values kept whoever writes."""

import pgtrigger

# Domain O: a ticket's copies of its client's branch and advisor. Unlike clients.triggers.scope_copy_trigger, a
# ticket without a client keeps the branch it was given (the desk that took the call). A reassignment of the client
# rewrites them (clients.triggers.SCOPE_COPIES_REASSIGN).
TICKET_SCOPE_COPY = pgtrigger.Trigger(
    name="scope_copy", when=pgtrigger.Before, level=pgtrigger.Row,
    operation=pgtrigger.Insert | pgtrigger.UpdateOf("client_id", "branch_id", "advisor_id"),
    func="""IF NEW.client_id IS NOT NULL THEN
    SELECT branch_id, advisor_id INTO NEW.branch_id, NEW.advisor_id FROM clients_client WHERE id = NEW.client_id;
END IF;
RETURN NEW;""")

# S17: what a ticket took, in service seconds (S12's clock, service_desk/sql.py), measured when it happens, so the
# monthly KPIs read plain columns: opening → first response, and opening → resolution less the pauses.
TICKET_MEASURE = pgtrigger.Trigger(
    name="measure", when=pgtrigger.Before, level=pgtrigger.Row,
    operation=pgtrigger.Insert | pgtrigger.UpdateOf("opened_at", "first_response_at", "resolved_at", "paused_seconds"),
    func="""NEW.first_response_seconds := CASE WHEN NEW.first_response_at IS NULL THEN NULL ELSE
    greatest(0, service_clock(NEW.first_response_at) - service_clock(NEW.opened_at))::integer END;
NEW.resolution_seconds := CASE WHEN NEW.resolved_at IS NULL THEN NULL ELSE
    greatest(0, service_clock(NEW.resolved_at) - service_clock(NEW.opened_at) - NEW.paused_seconds)::integer END;
RETURN NEW;""")
