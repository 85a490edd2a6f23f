"""The triggers declared on risk's models (STYLE.md 16–17: installed by the migrations django-pgtrigger writes; each
keeps a derived value, none takes a workflow step)."""

import pgtrigger

from clients.triggers import contact_plan_refresh
from risk.sql import SUMMARY_ADD

# R6 summary: each statement on the alerts adds what its new rows count and takes away what its old rows counted.
ALERT_SUMMARY = [
    pgtrigger.Trigger(name="alert_summary_insert", when=pgtrigger.After, operation=pgtrigger.Insert,
                      level=pgtrigger.Statement, referencing=pgtrigger.Referencing(new="new_rows"),
                      func=SUMMARY_ADD["insert"] + ";\nRETURN NULL;"),
    pgtrigger.Trigger(name="alert_summary_update", when=pgtrigger.After, operation=pgtrigger.Update,
                      level=pgtrigger.Statement, referencing=pgtrigger.Referencing(old="old_rows", new="new_rows"),
                      func=SUMMARY_ADD["update"] + ";\nRETURN NULL;"),
    pgtrigger.Trigger(name="alert_summary_delete", when=pgtrigger.After, operation=pgtrigger.Delete,
                      level=pgtrigger.Statement, referencing=pgtrigger.Referencing(old="old_rows"),
                      func=SUMMARY_ADD["delete"] + ";\nRETURN NULL;"),
]

# R6: an alert's contacted_at is its first contacted event, whoever records it.
ALERT_CONTACTED = pgtrigger.Trigger(
    name="alert_contacted", when=pgtrigger.After, operation=pgtrigger.Insert, level=pgtrigger.Row,
    condition=pgtrigger.Condition("NEW.action = 'contacted'"),
    func="""UPDATE risk_alert SET contacted_at = NEW.at WHERE id = NEW.alert_id AND contacted_at IS NULL;
RETURN NULL;""")


KEY_MONITORING_PLAN = contact_plan_refresh("contact_plan_key_monitoring", "started_on")
