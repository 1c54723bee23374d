"""A cycle of NOT NULL foreign keys seeded by a PostgreSQL user who is no superuser (issue
10): when the cycle's FK is DEFERRABLE, the run loads in one transaction with SET
CONSTRAINTS ALL DEFERRED and the FKs are checked at commit. Checked with this test's own
queries (no orphans either way); the negative control is the same cycle with no DEFERRABLE
FK, refused before anything is written (tests/integration/test_seed_corpus.py has the
fully non-deferrable one), and a held run that fails rolls every table back."""

from __future__ import annotations

import contextlib

import pytest

from arena.errors import ArenaError
from arena.seed import SeedOptions, seed_engine
from tests.conftest import fresh_database

pytestmark = pytest.mark.integration

STORE = "CREATE TABLE store (store_id int PRIMARY KEY, manager_id int NOT NULL, name text NOT NULL)"
STAFF = (
    "CREATE TABLE staff (staff_id int PRIMARY KEY, store_id int NOT NULL REFERENCES store"
    "{staff_fk}, full_name text NOT NULL)"
)
MANAGER = (
    "ALTER TABLE store ADD CONSTRAINT store_manager FOREIGN KEY (manager_id) "
    "REFERENCES staff{store_fk}"
)
DEFERRABLE = " DEFERRABLE INITIALLY IMMEDIATE"


def scalar(engine, endpoint, sql: str) -> int:
    return int(engine.execute(endpoint, sql)[1][0][0])


@contextlib.contextmanager
def plain_role(engine, endpoint):
    """A login role that is no superuser, with arena's per-project password."""
    role = f"plain_{endpoint.database[-10:]}"
    password = engine.literal(endpoint.password)
    engine.execute(endpoint, f"CREATE ROLE {role} LOGIN NOSUPERUSER PASSWORD {password}")
    try:
        engine.execute(endpoint, f"GRANT ALL ON store, staff TO {role}")
        yield endpoint.replace(user=role)
    finally:
        engine.execute(endpoint, f"DROP OWNED BY {role}")
        engine.execute(endpoint, f"DROP ROLE {role}")


def orphans(engine, endpoint) -> int:
    return scalar(
        engine,
        endpoint,
        "SELECT (SELECT count(*) FROM store s WHERE NOT EXISTS "
        "(SELECT 1 FROM staff t WHERE t.staff_id = s.manager_id)) + "
        "(SELECT count(*) FROM staff t WHERE NOT EXISTS "
        "(SELECT 1 FROM store s WHERE s.store_id = t.store_id))",
    )


@pytest.mark.parametrize(
    ("staff_fk", "store_fk"),
    [(DEFERRABLE, DEFERRABLE), ("", DEFERRABLE), (DEFERRABLE, "")],
    ids=["both-deferrable", "manager-deferrable", "store-deferrable"],
)
def test_a_deferrable_not_null_cycle_seeds_without_superuser(staff_fk, store_fk, servers):
    with fresh_database("postgres", servers) as (engine, endpoint):
        for sql in (STORE, STAFF.format(staff_fk=staff_fk), MANAGER.format(store_fk=store_fk)):
            engine.execute(endpoint, sql)
        with plain_role(engine, endpoint) as plain:
            assert scalar(engine, plain, "SELECT rolsuper::int FROM pg_roles "
                          "WHERE rolname = current_user") == 0  # fmt: skip
            result = seed_engine(engine, plain, SeedOptions(rows=3000, seed=2))
            assert result.ok, (result.error, result.tables)
            assert scalar(engine, endpoint, "SELECT count(*) FROM store") > 0
            assert scalar(engine, endpoint, "SELECT count(*) FROM staff") > 0
            assert orphans(engine, endpoint) == 0


def test_negative_control_a_cycle_without_a_deferrable_fk_is_refused(servers):
    with fresh_database("postgres", servers) as (engine, endpoint):
        for sql in (STORE, STAFF.format(staff_fk=""), MANAGER.format(store_fk="")):
            engine.execute(endpoint, sql)
        with plain_role(engine, endpoint) as plain:
            with pytest.raises(ArenaError, match="is not DEFERRABLE"):
                seed_engine(engine, plain, SeedOptions(rows=300, seed=2))
            assert scalar(engine, endpoint, "SELECT count(*) FROM staff") == 0


def test_a_held_run_that_fails_keeps_nothing(servers):
    """store's rows break a unique index that holds one row at most: the held transaction
    rolls back, and both tables say so and stay empty (staff loaded first, in it too)."""
    with fresh_database("postgres", servers) as (engine, endpoint):
        for sql in (STORE, STAFF.format(staff_fk=DEFERRABLE), MANAGER.format(store_fk="")):
            engine.execute(endpoint, sql)
        engine.execute(endpoint, "ALTER TABLE store ADD COLUMN open boolean NOT NULL")
        engine.execute(endpoint, "CREATE UNIQUE INDEX store_open ON store ((open::int * 0))")
        with plain_role(engine, endpoint) as plain:
            result = seed_engine(engine, plain, SeedOptions(rows=300, seed=2))
        assert not result.ok
        assert all(t.status == "failed" for t in result.tables), result.tables
        assert scalar(engine, endpoint, "SELECT count(*) FROM staff") == 0
        assert scalar(engine, endpoint, "SELECT count(*) FROM store") == 0
