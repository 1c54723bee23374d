"""`arena run constraints` on real PostgreSQL, MariaDB and SQLite: every constraint kind is
refused and classified, the table is unchanged, and an engine that does not enforce one (SQLite
with foreign keys off) is reported as silently accepting it."""

from __future__ import annotations

import json
import sqlite3

import pytest

from arena.correctness import constraints
from arena.introspect import introspect
from tests.conftest import run_arena

pytestmark = pytest.mark.integration

TABLES = ["c_parent", "c_child", "c_cascade"]
DDL = [
    "CREATE TABLE c_parent (id INT PRIMARY KEY, code VARCHAR(20) NOT NULL, qty INT, "
    "status VARCHAR(10), CONSTRAINT parent_code_uq UNIQUE (code), "
    "CONSTRAINT qty_ck CHECK (qty >= 0), CONSTRAINT status_ck CHECK (status IN ('a', 'b')))",
    "CREATE TABLE c_child (id INT PRIMARY KEY, parent_id INT, CONSTRAINT child_parent_fk "
    "FOREIGN KEY (parent_id) REFERENCES c_parent (id))",
    "CREATE TABLE c_cascade (id INT PRIMARY KEY, parent_id INT NOT NULL, CONSTRAINT "
    "cascade_parent_fk FOREIGN KEY (parent_id) REFERENCES c_parent (id) ON DELETE CASCADE)",
    "INSERT INTO c_parent VALUES (1, 'one', 1, 'a'), (2, 'two', 2, 'b'), (3, 'three', 3, 'a')",
    "INSERT INTO c_child VALUES (1, 1), (2, 1)",
    "INSERT INTO c_cascade VALUES (1, 2), (2, 2)",
]
KINDS = {"primary key", "unique", "foreign key", "fk delete", "fk delete cascade", "check",
         "not null"}  # fmt: skip


def build(engine, endpoint):
    for statement in DDL:
        engine.execute(endpoint, statement)
    return introspect(engine, endpoint, TABLES)


@pytest.mark.parametrize("fresh", ["postgres", "mariadb", "sqlite"], indirect=True)
def test_every_constraint_kind_is_refused_and_classified(fresh):
    engine, endpoint = fresh
    schema = build(engine, endpoint)
    result = constraints.run_engine(engine, endpoint, schema)
    attempts = result["attempts"]
    assert {a["kind"] for a in attempts} == KINDS
    for a in attempts:
        expected = "cascaded" if a["kind"] == "fk delete cascade" else "refused"
        assert a["outcome"] == expected, a
        assert a["classified"], a
        assert a["unchanged"], a
    summary = result["summary"]
    assert summary["silently_accepted"] == [] and summary["misclassified"] == []
    # Named constraints come back by name where the engine gives one.
    named = {a["constraint"]: a["named"] for a in attempts if a["kind"] in ("unique", "check")}
    assert named["qty_ck"] == "qty_ck"
    if engine.family != "sqlite":  # SQLite names the columns of a UNIQUE, not the constraint
        assert named["parent_code_uq"] == "parent_code_uq"


@pytest.mark.parametrize("fresh", ["sqlite"], indirect=True)
def test_sqlite_with_foreign_keys_off_is_reported_as_silently_accepting(fresh):
    """Negative control: the suite must flag an engine that does not enforce a constraint."""
    engine, endpoint = fresh
    schema = build(engine, endpoint)

    def connect_without_fks(ep):
        conn = sqlite3.connect(ep.path, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = OFF")
        return conn

    result = constraints.run_engine(engine, endpoint, schema, connect=connect_without_fks)
    accepted = result["summary"]["silently_accepted"]
    assert "c_child: foreign key child_parent_fk" in accepted
    assert "c_child: fk delete child_parent_fk" in accepted
    assert "c_cascade: fk delete cascade cascade_parent_fk" in accepted
    # The rolled-back transaction left nothing behind even so.
    assert all(a["unchanged"] for a in result["attempts"] if a["outcome"] != "skipped")
    _, rows = engine.execute(endpoint, "SELECT COUNT(*) FROM c_child WHERE parent_id = 1")
    assert rows == [(2,)]


def test_cli_on_a_seeded_domain_database(servers):
    """Any seeded database, not only hand-made tables: arena's ecommerce domain on SQLite."""
    root = servers.root
    out = run_arena(root, "seed", "--engines", "sqlite", "--schema", "ecommerce", "--rows",
                    "200", "--truncate")  # fmt: skip
    assert out.returncode == 0, out.stderr
    out = run_arena(root, "run", "constraints", "--engines", "sqlite", "--json", timeout=300)
    assert out.returncode == 0, out.stderr
    (engine,) = json.loads(out.stdout)["engines"]
    summary = engine["summary"]
    assert summary["tried"] > 10
    assert summary["refused"] == summary["tried"] == summary["unchanged"]
    assert summary["silently_accepted"] == [] and summary["misclassified"] == []


def test_unknown_table_is_one_line_exit_2(servers):
    out = run_arena(servers.root, "run", "constraints", "--engines", "sqlite", "--tables",
                    "no_such_table")  # fmt: skip
    assert out.returncode == 2 and "Unknown table on sqlite 'no_such_table'" in out.stderr


@pytest.mark.parametrize("fresh", ["mariadb"], indirect=True)
def test_mariadb_timestamp_not_null_accepts_null_as_now(fresh):
    """A finding, not a crash: MariaDB 10.11 stores the current time when NULL is written to a
    TIMESTAMP NOT NULL column (even with explicit_defaults_for_timestamp on and strict mode),
    so the NOT NULL constraint is reported as silently accepted."""
    engine, endpoint = fresh
    engine.execute(endpoint, "CREATE TABLE stamped (id INT PRIMARY KEY, at TIMESTAMP NOT NULL)")
    engine.execute(endpoint, "INSERT INTO stamped VALUES (1, '2020-01-01'), (2, '2020-01-02')")
    schema = introspect(engine, endpoint, ["stamped"])
    result = constraints.run_engine(engine, endpoint, schema)
    assert result["summary"]["silently_accepted"] == ["stamped: not null at NOT NULL"]
    # Rolled back: the stored times are the ones written.
    _, rows = engine.execute(endpoint, "SELECT COUNT(*) FROM stamped WHERE at < '2021-01-01'")
    assert rows == [(2,)]
