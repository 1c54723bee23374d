"""Seeding schemas written in the style of public sample databases (tests/corpus/<dialect>/).

Each schema is created in a fresh database on a real server, seeded without configuration,
and checked by this test's own queries, not arena's verifier: every table filled, no
foreign-key orphans, no duplicate unique keys, and every CHECK the catalog holds re-evaluated
by the engine itself (`SELECT count(*) FROM t WHERE NOT (check)` = 0).
"""

from __future__ import annotations

import pytest

from arena.seed import SeedOptions, seed_engine
from tests.conftest import fresh_database

pytestmark = pytest.mark.integration


def scalar(engine, endpoint, sql: str):
    return engine.execute(endpoint, sql)[1][0][0]


def test_sqlite_without_rowid_table_keeps_its_check(servers):
    """Issue 10 bug: sqlglot cannot parse `... ) WITHOUT ROWID`, so the CHECK was never read
    and rows violated it."""
    with fresh_database("sqlite", servers) as (engine, endpoint):
        engine.execute(
            endpoint,
            "CREATE TABLE memberships (user_id INTEGER NOT NULL, group_id INTEGER NOT NULL, "
            "role TEXT NOT NULL CHECK (role IN ('member','admin','owner')), "
            "PRIMARY KEY (user_id, group_id)) WITHOUT ROWID",
        )
        result = seed_engine(engine, endpoint, SeedOptions(rows=500, seed=3))
        assert result.ok, result
        assert scalar(engine, endpoint, "SELECT count(*) FROM memberships") > 400
        bad = "SELECT count(*) FROM memberships WHERE role NOT IN ('member','admin','owner')"
        assert scalar(engine, endpoint, bad) == 0
