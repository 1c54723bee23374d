"""Supabase on the native runtime: PostgreSQL 16 with pgvector (the pgserver wheel, a test
dependency), the roles PostgREST switches between, auth.uid() from request.jwt.claims, and
the RLS suite's visibility matrix per role with its negative control."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator

import pytest

from arena import lifecycle
from arena.engines import get_engine
from arena.rls import matrix, schema
from arena.rls.suite import make_options, run_engine
from arena.state import ProjectState
from tests.conftest import make_project_dir, run_arena

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def supabase() -> Iterator[ProjectState]:
    state = ProjectState(make_project_dir("arena-supabase-"))
    try:
        [result] = lifecycle.up(["supabase"], "native", state=state)
        assert result.error is None, result.error and result.error.one_line()
        yield state
    finally:
        lifecycle.down(purge=True, state=state)
        shutil.rmtree(state.root, ignore_errors=True)


def test_supabase_runs_pg16_with_pgvector_roles_and_authenticator_login(supabase):
    endpoint = supabase.endpoint("supabase")
    assert endpoint.version.startswith("PostgreSQL 16."), endpoint.version
    _, rows = lifecycle.sql(
        "supabase",
        "SELECT rolname, rolcanlogin, rolbypassrls FROM pg_roles WHERE rolname IN "
        "('anon', 'authenticated', 'service_role', 'authenticator') ORDER BY rolname",
        supabase,
    )
    assert rows == [
        ("anon", False, False), ("authenticated", False, False), ("authenticator", True, False),
        ("service_role", False, True),
    ]  # fmt: skip
    lifecycle.sql("supabase", "CREATE EXTENSION IF NOT EXISTS vector", supabase)
    _, [(distance,)] = lifecycle.sql("supabase", "SELECT '[1,2,3]'::vector <-> '[1,2,5]'", supabase)
    assert distance == 2.0
    # PostgREST logs in as authenticator with the project's password and switches roles.
    engine = get_engine("supabase")
    conn = engine.connect(endpoint.replace(user="authenticator"))
    try:
        cur = conn.cursor()
        cur.execute("SET ROLE anon")
        cur.execute("SELECT current_user, auth.uid()")
        assert cur.fetchone() == ("anon", None)
        # auth.uid() reads the JWT's sub from request.jwt.claims, as PostgREST sets it.
        sub = "00000000-0000-4000-8000-00000000002a"
        cur.execute("SET ROLE authenticated")
        cur.execute(
            "SELECT set_config('request.jwt.claims', %s, false)",
            (json.dumps({"sub": sub, "role": "authenticated"}),),
        )
        cur.execute("SELECT auth.uid()::text, auth.role(), auth.jwt() ->> 'sub'")
        assert cur.fetchone() == (sub, "authenticated", sub)
    finally:
        conn.close()


# What each role may do with each kind of row, as the policies intend: written out here, not
# computed by arena's own model.
EXPECTED = {
    #                      alice private, alice public, bob private, bob public
    ("anon", "see"):          (False, True, False, True),
    ("anon", "update"):       (False, False, False, False),
    ("anon", "delete"):       (False, False, False, False),
    ("anon", "insert"):       (False, False, False, False),
    ("alice", "see"):         (True, True, False, True),
    ("alice", "update"):      (True, True, False, False),
    ("alice", "delete"):      (True, True, False, False),
    ("alice", "insert"):      (True, True, False, False),
    ("bob", "see"):           (False, True, True, True),
    ("bob", "update"):        (False, False, True, True),
    ("bob", "delete"):        (False, False, True, True),
    ("bob", "insert"):        (False, False, True, True),
    ("service_role", "see"):    (True, True, True, True),
    ("service_role", "update"): (True, True, True, True),
    ("service_role", "delete"): (True, True, True, True),
    ("service_role", "insert"): (True, True, True, True),
}  # fmt: skip


def _observed(cells: list[dict]) -> dict:
    table: dict = {}
    for c in cells:
        table.setdefault((c["actor"], c["operation"]), []).append(c["observed"])
    return {key: tuple(values) for key, values in table.items()}


def test_rls_visibility_matrix_per_role_and_its_negative_control(supabase):
    engine, endpoint = get_engine("supabase"), supabase.endpoint("supabase")
    result = run_engine(engine, endpoint, make_options("1k", "200", None))
    assert _observed(result["matrix"]) == EXPECTED
    assert result["mismatches"] == 0
    # The broken UPDATE policy (USING (true)) lets alice and bob edit each other's public
    # notes: exactly those cells are flagged.
    control = result["negative_control"]
    assert control["flagged"] is True
    flagged = {(c["actor"], c["operation"], c["rows"]) for c in control["cells"]}
    assert flagged == {("alice", "update", "bob public"), ("bob", "update", "alice public")}
    assert result["ok"] is True
    overhead = result["overhead"]
    assert overhead["plain_ops_per_s"] > 0 and overhead["rls_ops_per_s"] > 0
    # Nothing is left behind, and the matrix's attempts were rolled back.
    _, rows = lifecycle.sql(
        "supabase",
        "SELECT count(*) FROM pg_namespace WHERE nspname IN "
        f"({', '.join(repr(s) for s in schema.SCHEMAS)})",
        supabase,
    )
    assert rows == [(0,)]


def test_rls_matrix_flags_a_leaking_read_policy(supabase):
    """A second negative control, on the read side: owner_read widened to every signed-in
    user leaks other users' private notes; the matrix must say so for those cells."""
    engine, endpoint = get_engine("supabase"), supabase.endpoint("supabase")
    notes = schema.make_notes(200, 3)
    conn = engine.connect(endpoint)
    try:
        schema.create(engine, conn, notes)
        try:
            conn.cursor().execute(
                f"ALTER POLICY owner_read ON {engine.qualified(schema.POLICED, 'notes')} "
                "USING (auth.uid() IS NOT NULL)"
            )
            cells = matrix.run_matrix(engine, endpoint, schema.POLICED, notes)
        finally:
            schema.drop(engine, conn)
    finally:
        conn.close()
    flagged = {(c["actor"], c["operation"], c["rows"]) for c in matrix.mismatches(cells)}
    assert flagged == {("alice", "see", "bob private"), ("bob", "see", "alice private")}


def test_rls_cli_prints_the_matrix_and_the_overhead(supabase):
    done = run_arena(supabase.root, "run", "rls", "--rows", "2k", "--ops", "300", "--json")
    assert done.returncode == 0, done.stderr
    [engine] = json.loads(done.stdout)["engines"]
    assert engine["engine"] == "supabase" and engine["ok"] is True
    assert {"overhead_pct", "plain_p50_ms", "rls_p50_ms"} <= set(engine["overhead"])
