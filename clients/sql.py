"""Scope copies (domain O, issue 15): a table of rows that belong to a client can carry a copy of the client's branch
and advisor, so a branch's or an advisor's rows are read from their own index instead of being joined to a million
clients. The copies are kept by triggers declared on the models (clients/triggers.py), whoever writes: set from the
client on insert and when a row moves to another client, and rewritten on every row of the client when its branch or
advisor changes. A reassignment that commits while another transaction inserts a row for the same client can leave
that row's copy behind (neither sees the other's uncommitted write); `scope_copies_repair_sql` puts such rows right,
and beat runs it every night for the tables that carry copies (service_log.tasks.repair_scope_copies).

The models declare the copies as `branch` and `advisor`, and scope through them (clients.scoping,
BranchAdvisorScopedQuerySet)."""

_REPAIR = """
UPDATE {table} AS copy SET branch_id = client.branch_id, advisor_id = client.advisor_id
FROM clients_client AS client
WHERE client.id = copy.client_id
  AND (copy.branch_id, copy.advisor_id) IS DISTINCT FROM (client.branch_id, client.advisor_id)
"""


def scope_copies_repair_sql(table: str) -> str:
    """Backfill in a migration, and the nightly repair: every row's copies set from its client where they differ."""
    return _REPAIR.format(table=table)
