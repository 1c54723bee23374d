"""Tables and columns a trigger fills (issue 10), on each dialect's forum corpus schema:
every new user gets a user_stats row from an AFTER INSERT trigger (keyed by the user, so
seeding it too would collide), and (PostgreSQL, MariaDB) a NOT NULL column with no DEFAULT
is set by a BEFORE INSERT trigger. Checked with this test's own SQL: each user has exactly
the stats row the trigger writes, and every trigger-set value is the trigger's. Negative
control: the same schema seeded with the triggers hidden from arena does not come out
clean (a collision, a column arena cannot generate, or stats rows the trigger did not write).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from arena.errors import ArenaError
from arena.introspect import introspect
from arena.seed import SeedOptions, seed_engine
from tests.conftest import fresh_database
from tests.integration.test_seed_corpus import statements

pytestmark = pytest.mark.integration

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
DATE_OF = {
    "postgres": "u.joined_at::date",
    "mariadb": "DATE(u.joined_at)",
    "sqlite": "date(u.joined_at)",
}
# Rows whose trigger-set column is not what the BEFORE trigger computes.
TRIGGER_SET_MISMATCHES = {
    "postgres": "SELECT count(*) FROM posts "
    "WHERE lookup IS DISTINCT FROM plainto_tsquery('simple', left(body, 40))",
    "mariadb": "SELECT count(*) FROM threads "
    "WHERE ST_AsText(route) <> CONCAT('LINESTRING(0 0,1 ', board_id, ')')",
}


def scalar(engine, endpoint, sql: str) -> int:
    return int(engine.execute(endpoint, sql)[1][0][0])


def stats_mismatches(engine, endpoint, name: str) -> int:
    """Users without exactly the stats row the trigger writes, plus stats rows of no user."""
    missing = scalar(
        engine,
        endpoint,
        "SELECT count(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM user_stats s "
        f"WHERE s.user_id = u.user_id AND s.post_count = 0 AND s.since = {DATE_OF[name]})",
    )
    extra = scalar(engine, endpoint, "SELECT count(*) FROM user_stats") - scalar(
        engine, endpoint, "SELECT count(*) FROM users"
    )
    return missing + abs(extra)


@pytest.mark.parametrize("name", ["postgres", "mariadb", "sqlite"])
def test_trigger_filled_tables_and_columns_are_left_to_their_triggers(name, servers):
    with fresh_database(name, servers) as (engine, endpoint):
        for statement in statements((CORPUS / name / "forum.sql").read_text()):
            engine.execute(endpoint, statement)
        schema = introspect(engine, endpoint)
        [trigger] = [t for t in schema.table("users").triggers if t.name == "users_stats"]
        assert trigger.timing == "AFTER" and trigger.events == ("INSERT",)
        assert trigger.fills == ("user_stats",)

        result = seed_engine(engine, endpoint, SeedOptions(rows=5000, seed=3))
        assert result.ok, (result.error, result.tables, result.notes)
        assert any("user_stats: left to trigger users_stats on users" in n for n in result.notes)
        assert scalar(engine, endpoint, "SELECT count(*) FROM users") > 0
        assert stats_mismatches(engine, endpoint, name) == 0
        if name in TRIGGER_SET_MISMATCHES:
            assert scalar(engine, endpoint, TRIGGER_SET_MISMATCHES[name]) == 0


@pytest.mark.parametrize("name", ["postgres", "mariadb", "sqlite"])
def test_negative_control_triggers_hidden_from_arena(name, servers):
    with fresh_database(name, servers) as (engine, endpoint):
        for statement in statements((CORPUS / name / "forum.sql").read_text()):
            engine.execute(endpoint, statement)
        schema = introspect(engine, endpoint)
        blind = dataclasses.replace(
            schema, tables=tuple(dataclasses.replace(t, triggers=()) for t in schema.tables)
        )
        # With every table: a trigger-set column arena cannot generate stops it.
        if name in TRIGGER_SET_MISMATCHES:
            with pytest.raises(ArenaError, match="cannot generate"):
                seed_engine(engine, endpoint, SeedOptions(rows=2000, seed=3), schema=blind)
        # Users and their stats alone: a collision on the key, or rows the trigger did not
        # write (PostgreSQL's superuser load silences triggers it does not know of).
        options = SeedOptions(rows=2000, seed=3, tables=["users", "user_stats"])
        result = seed_engine(engine, endpoint, options, schema=blind)
        assert not result.ok or stats_mismatches(engine, endpoint, name) > 0
