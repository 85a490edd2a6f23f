"""Scope copies (domain O, issue 15): a table of rows that belong to a client can carry a copy of the client's branch
and advisor, so a branch's or an advisor's rows are read from their own index instead of being joined to a million
clients. The copies are kept by triggers, whoever writes: set from the client on insert and when a row moves to
another client, and rewritten on every row of the client when its branch or advisor changes. A reassignment that
commits while another transaction inserts a row for the same client can leave that row's copy behind (neither sees
the other's uncommitted write); `scope_copies_repair_sql` puts such rows right, and beat runs it every night for
the tables that carry copies (service_log.tasks.repair_scope_copies).

The models declare the copies as `branch` and `advisor`, and scope through them (clients.scoping,
BranchAdvisorScopedQuerySet)."""

_INSTALL_ON_INSERT = """
CREATE OR REPLACE FUNCTION {table}_scope_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT branch_id, advisor_id INTO NEW.branch_id, NEW.advisor_id FROM clients_client WHERE id = NEW.client_id;
    RETURN NEW;
END $$;
CREATE TRIGGER {table}_scope_copy BEFORE INSERT OR UPDATE OF client_id, branch_id, advisor_id ON {table}
FOR EACH ROW EXECUTE FUNCTION {table}_scope_copy();
"""
_INSTALL_ON_REASSIGNMENT = """
CREATE OR REPLACE FUNCTION {table}_scope_client() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {table} SET branch_id = NEW.branch_id, advisor_id = NEW.advisor_id
    WHERE client_id = NEW.id AND (branch_id, advisor_id) IS DISTINCT FROM (NEW.branch_id, NEW.advisor_id);
    RETURN NULL;
END $$;
CREATE TRIGGER {table}_scope_client AFTER UPDATE OF branch_id, advisor_id ON clients_client FOR EACH ROW
WHEN (OLD.branch_id IS DISTINCT FROM NEW.branch_id OR OLD.advisor_id IS DISTINCT FROM NEW.advisor_id)
EXECUTE FUNCTION {table}_scope_client();
"""
_UNINSTALL = """
DROP TRIGGER IF EXISTS {table}_scope_copy ON {table};
DROP TRIGGER IF EXISTS {table}_scope_client ON clients_client;
DROP FUNCTION IF EXISTS {table}_scope_copy(), {table}_scope_client();
"""
_REPAIR = """
UPDATE {table} AS copy SET branch_id = client.branch_id, advisor_id = client.advisor_id
FROM clients_client AS client
WHERE client.id = copy.client_id
  AND (copy.branch_id, copy.advisor_id) IS DISTINCT FROM (client.branch_id, client.advisor_id)
"""

def scope_copies_install(table: str, *, on_insert: bool = True) -> str:
    """The triggers that keep `table`'s copies. on_insert=False for a table whose only writer sets the copies in
    its own set-based statements (tiering's recalculation: a row trigger would cost a lookup per row of a million):
    only the reassignment trigger then, and the nightly repair for the rest."""
    return (_INSTALL_ON_INSERT if on_insert else "").format(table=table) + _INSTALL_ON_REASSIGNMENT.format(table=table)


def scope_copies_uninstall(table: str) -> str:
    return _UNINSTALL.format(table=table)


def scope_copies_repair_sql(table: str) -> str:
    """Backfill in a migration, and the nightly repair: every row's copies set from its client where they differ."""
    return _REPAIR.format(table=table)
