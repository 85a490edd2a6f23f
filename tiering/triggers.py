"""The triggers declared on tiering's models (STYLE.md 16–17). Each keeps S2's weekly contact plans
(service_log_contactplanweek, through service_log_contact_plan_refresh_from) right when a tier, an override, a card
or the card policy changes: a derived row, never a workflow step."""

import pgtrigger

from clients.triggers import contact_plan_refresh


def _per_statement(name: str, func: str, declare: list[tuple[str, str]]) -> list[pgtrigger.Trigger]:
    """One statement trigger per operation, each seeing its statement's rows as old_rows and new_rows."""
    return [
        pgtrigger.Trigger(name=f"{name}_insert", when=pgtrigger.After, operation=pgtrigger.Insert,
                          level=pgtrigger.Statement, referencing=pgtrigger.Referencing(new="new_rows"),
                          func=func, declare=declare),
        pgtrigger.Trigger(name=f"{name}_update", when=pgtrigger.After, operation=pgtrigger.Update,
                          level=pgtrigger.Statement, referencing=pgtrigger.Referencing(old="old_rows", new="new_rows"),
                          func=func, declare=declare),
        pgtrigger.Trigger(name=f"{name}_delete", when=pgtrigger.After, operation=pgtrigger.Delete,
                          level=pgtrigger.Statement, referencing=pgtrigger.Referencing(old="old_rows"),
                          func=func, declare=declare),
    ]


# T9: a final month becomes the current tier from the month after it; the recalculation writes a month's
# assignments in a few statements, so this runs per statement, for every client, and only when final rows moved.
ASSIGNMENT_PLANS = _per_statement("contact_plan_tiers", declare=[("first_final", "date")], func="""\
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
RETURN NULL;""")

# T13/T14: a month's cards rewritten move the plans of the weeks from the month after it, when the plans follow the
# cards then.
CARD_PLANS = _per_statement("contact_plan_cards", declare=[("first_month", "date")], func="""\
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
RETURN NULL;""")

# T14: a card policy approved (its setting, S2) moves the weeks from its first month.
CARD_POLICY_PLANS = pgtrigger.Trigger(
    name="contact_plan_card_policy", when=pgtrigger.After, operation=pgtrigger.UpdateOf("approved_at"),
    level=pgtrigger.Row, condition=pgtrigger.Condition("OLD.approved_at IS NULL AND NEW.approved_at IS NOT NULL"),
    func="""PERFORM service_log_contact_plan_refresh_from(NEW.effective_from, NULL);
RETURN NULL;""")

OVERRIDE_PLANS = contact_plan_refresh("contact_plan_override", "first_month")  # T11
SILVER_PLANS = contact_plan_refresh("contact_plan_silver", "first_month")  # T16
