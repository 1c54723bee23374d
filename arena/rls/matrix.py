"""Who can see and change which notes: each role, logged in the way PostgREST does it
(`authenticator`, then SET ROLE and the JWT's claims in `request.jwt.claims`), tries every
operation on every category of row; each cell is compared with what the policies intend.

Every attempt runs in a transaction that is rolled back, so the data never changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from arena.rls.schema import Notes

ALICE, BOB = 0, 1
OPERATIONS = ("see", "update", "delete", "insert")


@dataclass(frozen=True)
class Actor:
    name: str
    role: str
    user: int | None  # index into Notes.users (the JWT's sub), None: no signed-in user


ACTORS = (
    Actor("anon", "anon", None),
    Actor("alice", "authenticated", ALICE),
    Actor("bob", "authenticated", BOB),
    Actor("service_role", "service_role", None),
)
# (label, owner, public)
CATEGORIES = (
    ("alice private", ALICE, False),
    ("alice public", ALICE, True),
    ("bob private", BOB, False),
    ("bob public", BOB, True),
)


def intended(actor: Actor, operation: str, owner: int, public: bool) -> bool:
    """The policies' intent: everyone reads public notes, a signed-in user reads and changes
    only their own, service_role bypasses RLS; anon changes nothing."""
    if actor.role == "service_role":
        return True
    own = actor.user is not None and actor.user == owner
    if operation == "see":
        return public or own
    return actor.role == "authenticated" and own


def claims(actor: Actor, notes: Notes) -> str:
    body = {"role": actor.role}
    if actor.user is not None:
        body["sub"] = notes.users[actor.user]
    return json.dumps(body)


def run_matrix(engine, endpoint, schema: str, notes: Notes) -> list[dict]:
    """One cell per (actor, operation, category): intended vs observed."""
    conn = engine.connect(endpoint.replace(user="authenticator"))
    table = engine.qualified(schema, "notes")
    cells = []
    try:
        cur = conn.cursor()
        for actor in ACTORS:
            for op in OPERATIONS:
                for label, owner, public in CATEGORIES:
                    observed, detail = _attempt(engine, cur, table, actor, op, owner, public, notes)
                    expected = intended(actor, op, owner, public)
                    cells.append({
                        "actor": actor.name, "role": actor.role, "operation": op,
                        "rows": label, "expected": expected, "observed": observed,
                        "ok": expected == observed, "detail": detail,
                    })  # fmt: skip
    finally:
        conn.close()
    return cells


def _attempt(engine, cur, table, actor, op, owner, public, notes) -> tuple[bool | None, str]:
    """(allowed?, what happened) for one cell, inside a rolled-back transaction."""
    mark = engine.placeholder
    ids = notes.ids(owner, public)
    cur.execute("BEGIN")
    try:
        cur.execute(f"SET LOCAL ROLE {engine.quote(actor.role)}")
        cur.execute(
            f"SELECT set_config('request.jwt.claims', {mark}, true)", (claims(actor, notes),)
        )
        if op == "see":
            cur.execute(f"SELECT count(*) FROM {table} WHERE id = ANY({mark})", (ids,))
            seen = cur.fetchone()[0]
            # All rows of the category or none; a part (None) differs from either intent.
            observed = True if seen == len(ids) else False if seen == 0 else None
            return observed, f"{seen} of {len(ids)} rows"
        if op == "update":
            cur.execute(f"UPDATE {table} SET title = title || '!' WHERE id = {mark}", (ids[0],))
        elif op == "delete":
            cur.execute(f"DELETE FROM {table} WHERE id = {mark}", (ids[0],))
        else:
            cur.execute(
                f"INSERT INTO {table} (id, owner_id, is_public, title, body) "
                f"VALUES ({mark}, {mark}, {mark}, 'new', 'new')",
                (notes.rows + 1, notes.users[owner], public),
            )
        return cur.rowcount == 1, f"{cur.rowcount} row(s)"
    except engine.driver_errors() as exc:
        return False, f"refused: {str(exc).splitlines()[0]}"
    finally:
        cur.execute("ROLLBACK")


HEADERS = ["actor", "operation", *(label for label, _, _ in CATEGORIES)]


def table_rows(cells: list[dict]) -> list[list[str]]:
    """One row per (actor, operation): ✓ allowed (every row seen), · refused (none seen),
    a cell differing from the intent marked `!` with what was intended."""
    rows: dict[tuple[str, str], list[str]] = {}
    for c in cells:
        mark = {True: "✓", False: "·", None: "some"}[c["observed"]]
        if not c["ok"]:
            mark += f" !(intended {'✓' if c['expected'] else '·'})"
        rows.setdefault((c["actor"], c["operation"]), []).append(mark)
    return [[actor, op, *marks] for (actor, op), marks in rows.items()]


def mismatches(cells: list[dict]) -> list[dict]:
    return [c for c in cells if not c["ok"]]
