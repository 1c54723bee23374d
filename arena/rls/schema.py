"""The RLS suite's domain: notes owned by users, some public, in three schemas with the same
rows: POLICED (Supabase-style policies), PLAIN (the same grants, no RLS: the overhead's
baseline) and BROKEN (one policy deliberately wrong: the matrix's negative control)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

POLICED, PLAIN, BROKEN = "arena_rls", "arena_rls_plain", "arena_rls_broken"
SCHEMAS = (POLICED, PLAIN, BROKEN)
USERS = 50  # distinct owners; alice and bob are the first two
PUBLIC_SHARE = 0.3

TABLE_SQL = """
CREATE TABLE {s}.notes (
  id bigint PRIMARY KEY,
  owner_id uuid NOT NULL,
  is_public boolean NOT NULL,
  title text NOT NULL,
  body text NOT NULL
);
CREATE INDEX ON {s}.notes (owner_id);
GRANT USAGE ON SCHEMA {s} TO anon, authenticated, service_role;
GRANT SELECT ON {s}.notes TO anon;
GRANT SELECT, INSERT, UPDATE, DELETE ON {s}.notes TO authenticated, service_role;
"""

# Supabase's documented patterns (https://supabase.com/docs/guides/database/postgres/row-level-security):
# auth.uid() wrapped in a SELECT so it is evaluated once per statement, not per row.
# service_role has BYPASSRLS, so it needs no policy.
POLICIES_SQL = """
ALTER TABLE {s}.notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY public_read ON {s}.notes FOR SELECT TO anon, authenticated USING (is_public);
CREATE POLICY owner_read ON {s}.notes FOR SELECT TO authenticated
  USING (owner_id = (SELECT auth.uid()));
CREATE POLICY owner_insert ON {s}.notes FOR INSERT TO authenticated
  WITH CHECK (owner_id = (SELECT auth.uid()));
CREATE POLICY owner_update ON {s}.notes FOR UPDATE TO authenticated
  USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));
CREATE POLICY owner_delete ON {s}.notes FOR DELETE TO authenticated
  USING (owner_id = (SELECT auth.uid()));
"""

# The classic mistake: an UPDATE policy written as USING (true) (its WITH CHECK then defaults
# to the same `true`): any signed-in user may edit every row they can see.
BROKEN_POLICY = ("USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()))",
                 "USING (true)")  # fmt: skip


def policies_sql(engine, schema: str) -> str:
    sql = POLICIES_SQL.format(s=engine.quote(schema))
    if schema == BROKEN:
        sql = sql.replace(*BROKEN_POLICY)
    return sql


@dataclass(frozen=True)
class Notes:
    """The generated rows, kept for the expected side of the matrix."""

    users: tuple[str, ...]  # uuid text; users[0] is alice, users[1] bob
    owners: np.ndarray  # per row, index into users
    public: np.ndarray  # per row, bool

    @property
    def rows(self) -> int:
        return len(self.owners)

    def ids(self, owner: int, public: bool) -> list[int]:
        return (np.flatnonzero((self.owners == owner) & (self.public == public)) + 1).tolist()


def make_notes(rows: int, seed: int) -> Notes:
    rng = np.random.default_rng([seed, rows])
    users = tuple(f"00000000-0000-4000-8000-{i + 1:012d}" for i in range(USERS))
    owners = rng.integers(0, USERS, rows)
    # alice and bob each own at least one private and one public note, whatever the size
    owners[:4] = [0, 0, 1, 1]
    public = rng.random(rows) < PUBLIC_SHARE
    public[:4] = [False, True, False, True]
    return Notes(users, owners, public)


def create(engine, conn, notes: Notes) -> None:
    """The three schemas, each with the same rows (loaded by the superuser, before RLS
    matters: the table owner bypasses it)."""
    cur = conn.cursor()
    drop(engine, conn)
    rows = [
        (i + 1, notes.users[o], bool(p), f"note {i + 1}", f"body of note {i + 1} " * 4)
        for i, (o, p) in enumerate(zip(notes.owners.tolist(), notes.public.tolist(), strict=True))
    ]
    for schema in SCHEMAS:
        cur.execute(f"CREATE SCHEMA {engine.quote(schema)}")
        for statement in _statements(TABLE_SQL.format(s=engine.quote(schema))):
            cur.execute(statement)
        table = engine.qualified(schema, "notes")
        engine.bulk_insert(conn, table, ["id", "owner_id", "is_public", "title", "body"], rows)
        if schema != PLAIN:
            for statement in _statements(policies_sql(engine, schema)):
                cur.execute(statement)
        cur.execute(f"ANALYZE {table}")


def drop(engine, conn) -> None:
    for schema in SCHEMAS:
        conn.cursor().execute(f"DROP SCHEMA IF EXISTS {engine.quote(schema)} CASCADE")


def _statements(sql: str) -> list[str]:
    return [s.strip() for s in sql.split(";") if s.strip()]
