"""Supabase on the native runtime: PostgreSQL with the roles PostgREST switches between."""

from __future__ import annotations

import pytest

from arena import lifecycle
from arena.engines import get_engine

pytestmark = pytest.mark.integration


def test_supabase_roles_and_authenticator_login(project):
    [result] = lifecycle.up(["supabase"], "native", state=project)
    assert result.error is None, result.error and result.error.one_line()
    endpoint = result.endpoint
    assert endpoint.version.startswith("PostgreSQL 15.")
    _, rows = lifecycle.sql(
        "supabase",
        "SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname IN "
        "('anon', 'authenticated', 'service_role', 'authenticator') ORDER BY rolname",
        project,
    )
    assert rows == [
        ("anon", False), ("authenticated", False), ("authenticator", True), ("service_role", False),
    ]  # fmt: skip
    # PostgREST logs in as authenticator with the project's password and switches roles.
    engine = get_engine("supabase")
    conn = engine.connect(endpoint.replace(user="authenticator"))
    try:
        cur = conn.cursor()
        cur.execute("SET ROLE anon")
        cur.execute("SELECT current_user")
        assert cur.fetchone() == ("anon",)
    finally:
        conn.close()
