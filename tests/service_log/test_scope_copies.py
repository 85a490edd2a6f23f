"""Scope copies (domain O, issue 15; clients/sql.py): alerts and contact records carry their client's branch and
advisor, kept by triggers whoever writes, so the workbench and the risk dashboard read a branch's rows from their own
indexes. After every kind of write each row's copies equal its client's; a race left behind is set right by the
nightly repair; and the scope read through the copies is the client's (the permission matrices run through them)."""

import datetime

from django.db import connection
from django.utils import timezone

from clients.roles import Role
from risk.models import Alert, RiskThresholdSet
from service_log.models import ContactRecord
from service_log.services import scope_copies_repair
from tests.factories import AlertFactory, ContactRecordFactory
from tests.fixtures.world import VISIBLE


def copies_behind() -> list:
    """Rows whose copies differ from their client's branch and advisor, in both tables."""
    behind = []
    with connection.cursor() as cursor:
        for table in ("risk_alert", "service_log_contactrecord"):
            cursor.execute(f"""SELECT row.id FROM {table} row JOIN clients_client client ON client.id = row.client_id
                               WHERE (row.branch_id, row.advisor_id)
                                     IS DISTINCT FROM (client.branch_id, client.advisor_id)""")
            behind += [(table, key) for (key,) in cursor.fetchall()]
    return behind


def rows_for(world):
    made = []
    for client in world["clients"].values():
        made.append(AlertFactory(
            client=client, trade_date=timezone.localdate(), kind="margin_call", severity="high",
            thresholds=RiskThresholdSet.objects.get(), raised_at=timezone.now(), due_at=timezone.now(),
            assigned_to=client.advisor))
        made.append(ContactRecordFactory(client=client, staff=client.advisor, category="risk_notice",
                                                 summary="called", next_follow_up=timezone.localdate()))
    return made


def test_rows_take_their_clients_branch_and_advisor_whoever_writes_them(world):
    rows_for(world)
    own = world["clients"]["own"]
    assert Alert.objects.filter(client=own).values_list("branch", "advisor").get() == (own.branch_id, own.advisor_id)
    with connection.cursor() as cursor:  # plain SQL, naming the wrong branch: the trigger sets the client's
        cursor.execute("""INSERT INTO service_log_contactrecord (client_id, staff_id, contacted_at, channel, direction,
                              category, summary, outcome, branch_id, advisor_id)
                          VALUES (%s, %s, now(), 'phone', 'outbound', 'other', 'x', '', %s, NULL)""",
                       [own.pk, own.advisor_id, world["branches"][1].pk])
    assert copies_behind() == []


def test_a_reassigned_client_takes_its_rows_along(world):
    rows_for(world)
    own, colleague = world["clients"]["own"], world["clients"]["colleague"]
    own.branch, own.advisor = world["branches"][1], world["advisors"][2]
    own.save()
    colleague.advisor = None
    colleague.save()
    assert copies_behind() == []
    assert set(Alert.objects.filter(branch=world["branches"][1]).values_list("client", flat=True)) == {
        own.pk, world["clients"]["other_branch"].pk}


def test_a_row_moved_to_another_client_takes_that_clients_copies(world):
    contact = rows_for(world)[1]
    contact.client = world["clients"]["other_branch"]
    contact.save()
    assert copies_behind() == []


def test_the_nightly_repair_sets_right_what_a_race_left_behind(world):
    """A race (clients/sql.py) is what leaves a copy behind; here the triggers are bypassed to leave one."""
    alert = rows_for(world)[0]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # no triggers for this one write
        cursor.execute("UPDATE risk_alert SET branch_id = %s WHERE id = %s", [world["branches"][1].pk, alert.pk])
        cursor.execute("SET LOCAL session_replication_role = origin")
    assert copies_behind() == [("risk_alert", alert.pk)]
    assert scope_copies_repair() == 1
    assert copies_behind() == []
    assert scope_copies_repair() == 0


def test_the_scope_read_through_the_copies_is_the_clients(world):
    rows_for(world)
    names = {client.pk: name for name, client in world["clients"].items()}
    for role, visible in VISIBLE.items():
        user = world["staff"][role].user
        for model in (Alert, ContactRecord):
            seen = {names[key] for key in model.objects.visible_to(user).values_list("client", flat=True)}
            assert seen == visible, (role, model)


def test_the_workbench_reads_a_branch_from_the_copies(world):
    """The workbench's alerts and follow-ups filter on the copies (no join to the clients for the scope)."""
    from service_log.selectors import workbench
    rows_for(world)
    manager = world["staff"][Role.BRANCH_MANAGER].user
    sections = workbench(manager, timezone.localdate() + datetime.timedelta(days=1))
    assert {client.account_no for client in sections["alerts"].all_clients()} == {"1001", "1002"}
    assert {client.account_no for client in sections["follow_ups"].all_clients()} == {"1001", "1002"}
