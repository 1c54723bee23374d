"""Seeding real PostgreSQL, MariaDB and SQLite servers (started by arena's own runtimes).

Each test works in a database of its own on the session servers, made from hand-written DDL
with the shapes seeding must survive: an identity key (GENERATED ALWAYS on PostgreSQL), a
self-reference, a cycle across two tables, a composite unique key, CHECKs in several forms
and an enum.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from arena.cli import cli
from arena.introspect import introspect
from arena.seed import SeedOptions, seed, seed_engine
from arena.seed.config import parse_config
from tests.conftest import fresh_database

pytestmark = pytest.mark.integration

ENGINES = ["postgres", "mariadb", "sqlite"]
MOODS = ("calm", "busy", "away")


def ddl(family: str) -> list[str]:
    """teams <-> members form a cycle (teams.owner_id is the nullable edge); members has a
    self-reference; member_tags a composite primary key of two FKs."""
    ident = {
        "postgres": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        "mysql": "BIGINT AUTO_INCREMENT PRIMARY KEY",
        "sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT",
    }[family]
    moods = ", ".join(f"'{m}'" for m in MOODS)
    mood = {
        "postgres": "mood mood NOT NULL",
        "mysql": f"mood ENUM({moods}) NOT NULL",
        "sqlite": f"mood VARCHAR(8) NOT NULL CHECK (mood IN ({moods}))",
    }[family]
    owner_fk = "REFERENCES members(id)" if family == "sqlite" else ""
    statements = [f"CREATE TYPE mood AS ENUM ({moods})"] if family == "postgres" else []
    statements += [
        "CREATE TABLE teams (id INTEGER PRIMARY KEY, name VARCHAR(60) NOT NULL UNIQUE, "
        f"owner_id BIGINT {owner_fk})",
        f"CREATE TABLE members (id {ident}, "
        "team_id INTEGER NOT NULL REFERENCES teams(id), "
        "manager_id BIGINT REFERENCES members(id), "
        "email VARCHAR(120) NOT NULL UNIQUE, "
        "role VARCHAR(10) NOT NULL CHECK (role IN ('dev', 'ops', 'lead')), "
        "level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 7), "
        "salary DECIMAL(9,2) NOT NULL CHECK (salary > 1000), "
        f"{mood}, "
        "started_on DATE NOT NULL, left_on DATE, "
        "CONSTRAINT left_after_start CHECK (left_on > started_on))",
        "CREATE TABLE tags (id INTEGER PRIMARY KEY, label VARCHAR(30) NOT NULL)",
        "CREATE TABLE member_tags (member_id BIGINT NOT NULL REFERENCES members(id), "
        "tag_id INTEGER NOT NULL REFERENCES tags(id), PRIMARY KEY (member_id, tag_id))",
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)",
    ]
    if family != "sqlite":
        statements.append(
            "ALTER TABLE teams ADD CONSTRAINT teams_owner FOREIGN KEY (owner_id) REFERENCES members(id)"
        )
    return statements


def create(engine, endpoint) -> None:
    for statement in ddl(engine.family):
        engine.execute(endpoint, statement)


def scalar(engine, endpoint, sql: str):
    return engine.execute(endpoint, sql)[1][0][0]


SEEDED = ["teams", "members", "tags", "member_tags"]


@pytest.mark.parametrize("fresh", ENGINES, indirect=True)
def test_every_constraint_holds_and_references_are_real(fresh):
    engine, endpoint = fresh
    create(engine, endpoint)
    [result] = seed([(engine, endpoint)], SeedOptions(rows=3000, seed=3, tables=SEEDED))
    assert result.ok, result
    assert sum(t.loaded for t in result.tables) == result.rows > 2500
    counts = result.verification.counts
    assert all(counts[t] > 0 for t in SEEDED)
    assert all(f.orphans == 0 for f in result.verification.fks)
    q = lambda sql: scalar(engine, endpoint, sql)  # noqa: E731
    # Self-reference: real parents, always an earlier row, so the data is a tree.
    assert q("SELECT COUNT(*) FROM members WHERE manager_id IS NOT NULL") > 0.8 * counts["members"]
    assert q("SELECT COUNT(*) FROM members WHERE manager_id >= id") == 0
    # The cycle's nullable edge was filled in the second pass with real members.
    assert q("SELECT COUNT(*) FROM teams WHERE owner_id IS NOT NULL") >= 0.5 * counts["teams"]
    assert q("SELECT COUNT(*) FROM teams t JOIN members m ON m.id = t.owner_id") == q(
        "SELECT COUNT(*) FROM teams WHERE owner_id IS NOT NULL"
    )
    # Composite unique key of two FKs.
    assert (
        q("SELECT COUNT(*) FROM (SELECT DISTINCT member_id, tag_id FROM member_tags) d")
        == (counts["member_tags"])
    )
    # CHECKs and the enum.
    assert q("SELECT COUNT(*) FROM members WHERE role NOT IN ('dev', 'ops', 'lead')") == 0
    assert q("SELECT COUNT(*) FROM members WHERE level < 1 OR level > 7") == 0
    assert q("SELECT COUNT(*) FROM members WHERE salary <= 1000") == 0
    assert q("SELECT COUNT(*) FROM members WHERE left_on <= started_on") == 0
    assert q("SELECT COUNT(DISTINCT mood) FROM members") == len(MOODS)
    assert q("SELECT COUNT(*) FROM members WHERE left_on IS NOT NULL") > 0
    # The identity moved past the explicit ids: the application's next insert does not collide.
    top = q("SELECT MAX(id) FROM members")
    engine.execute(
        endpoint,
        "INSERT INTO members (team_id, email, role, level, salary, mood, started_on) "
        "VALUES (1, 'new@example.com', 'dev', 1, 2000, 'calm', '2024-01-01')",
    )
    assert q("SELECT id FROM members WHERE email = 'new@example.com'") > top
    # Tables not named were never touched.
    assert q("SELECT COUNT(*) FROM notes") == 0


def dump(engine, endpoint) -> dict[str, list[tuple]]:
    def norm(value):
        # SQLite's NUMERIC affinity stores 5082.00 as the integer 5082: compare numbers as
        # numbers, not as their spelling.
        if isinstance(value, Decimal | float | int):
            return format(Decimal(str(value)).normalize(), "f")
        return str(value)

    out = {}
    for table in SEEDED:
        keys = "member_id, tag_id" if table == "member_tags" else "id"
        _, rows = engine.execute(endpoint, f"SELECT * FROM {table} ORDER BY {keys}")
        out[table] = [tuple(norm(v) for v in row) for row in rows]
    return out


def test_the_same_seed_gives_identical_rows_on_every_engine(servers):
    with contextlib.ExitStack() as stack:
        targets = [stack.enter_context(fresh_database(n, servers)) for n in ENGINES]
        for engine, endpoint in targets:
            create(engine, endpoint)
        results = seed(targets, SeedOptions(rows=2000, seed=11, tables=SEEDED))
        assert all(r.ok for r in results), results
        dumps = [dump(engine, endpoint) for engine, endpoint in targets]
        assert dumps[0]["members"], "nothing was seeded"
        assert dumps[0] == dumps[1] == dumps[2]
        # A different seed gives different rows.
        engine, endpoint = targets[0]
        [again] = seed([targets[0]], SeedOptions(rows=2000, seed=12, tables=SEEDED, truncate=True))
        assert again.ok
        assert dump(engine, endpoint)["members"] != dumps[0]["members"]


@pytest.mark.parametrize("fresh", ENGINES, indirect=True)
def test_a_failing_table_is_rolled_back_and_the_others_stay(fresh):
    engine, endpoint = fresh
    create(engine, endpoint)
    engine.execute(endpoint, "CREATE UNIQUE INDEX tags_label_once ON tags (label)")
    # A stale schema (the unique index unknown to arena) makes tags' labels collide.
    real = introspect(engine, endpoint)
    tags = real.table("tags")
    stale_tags = dataclasses.replace(tags, uniques=(), indexes=())
    stale = dataclasses.replace(
        real, tables=tuple(stale_tags if t.name == "tags" else t for t in real.tables)
    )
    config = parse_config(
        "tables:\n  tags:\n    rows: 40\n    columns:\n"
        "      label: {generator: choice, values: [red, blue]}\n"
    )
    options = SeedOptions(rows=3000, seed=5, config=config, tables=SEEDED, truncate=True)
    result = seed_engine(engine, endpoint, options, schema=stale)
    by_table = {t.table: t for t in result.tables}
    assert by_table["tags"].status == "failed"
    error = by_table["tags"].error
    assert "tags_label_once" in error or "Duplicate entry" in error or "UNIQUE" in error, error
    assert "red" in error or "blue" in error or "row" in error, error  # which row / value
    assert by_table["member_tags"].status == "skipped"  # its parent did not load
    assert by_table["teams"].status == by_table["members"].status == "loaded"
    assert not result.ok
    assert scalar(engine, endpoint, "SELECT COUNT(*) FROM tags") == 0
    assert scalar(engine, endpoint, "SELECT COUNT(*) FROM members") == by_table["members"].loaded
    if engine.family == "postgres":
        # The load drops unreferenced indexes and rebuilds them after COPY: a failure must
        # leave them exactly as they were.
        indexes = "SELECT COUNT(*) FROM pg_indexes WHERE tablename = 'tags'"
        assert scalar(engine, endpoint, indexes) == 2  # the primary key and tags_label_once


@pytest.mark.parametrize("fresh", ["postgres", "mariadb"], indirect=True)
def test_truncate_and_reseeding_without_it(fresh):
    engine, endpoint = fresh
    create(engine, endpoint)
    engine.execute(endpoint, "INSERT INTO notes (id, body) VALUES (1, 'keep me')")
    first = seed([(engine, endpoint)], SeedOptions(rows=500, tables=["tags"]))[0]
    assert first.ok
    # Without --truncate a second run continues after the existing keys.
    second = seed([(engine, endpoint)], SeedOptions(rows=500, tables=["tags"]))[0]
    assert second.ok
    assert scalar(engine, endpoint, "SELECT COUNT(*) FROM tags") == 1000
    third = seed([(engine, endpoint)], SeedOptions(rows=500, tables=["tags"], truncate=True))[0]
    assert third.ok
    assert scalar(engine, endpoint, "SELECT COUNT(*) FROM tags") == 500
    assert scalar(engine, endpoint, "SELECT body FROM notes WHERE id = 1") == "keep me"


def test_truncate_refuses_to_orphan_rows_of_a_table_not_named(servers):
    with fresh_database("postgres", servers) as (engine, endpoint):
        create(engine, endpoint)
        seed([(engine, endpoint)], SeedOptions(rows=800, tables=SEEDED))
        [result] = seed([(engine, endpoint)], SeedOptions(rows=100, tables=["tags"], truncate=True))
        assert not result.ok
        assert "member_tags" in result.error and "references it" in result.error


def test_cli_seeds_a_domain_schema_and_rejects_bad_input(project):
    runner = CliRunner()
    assert runner.invoke(cli, ["up", "sqlite"]).exit_code == 0
    out = runner.invoke(cli, ["seed", "--schema", "ecommerce", "--rows", "3k", "--json"])
    assert out.exit_code == 0, out.output
    [report] = json.loads(out.stdout)
    assert report["ok"] and 2500 < report["rows"] <= 3000  # crowded unique keys may trim
    assert report["verification"]["ok"]
    assert {t["table"] for t in report["tables"]} >= {"users", "orders", "order_items"}
    # Only order_items is emptied and reseeded; its parents' keys are read from the server.
    human = runner.invoke(cli, ["seed", "--rows", "2k", "--truncate", "--tables", "order_items"])
    assert human.exit_code == 0, human.output
    assert "0 orphans" in human.output
    refused = runner.invoke(cli, ["seed", "--truncate", "--tables", "users"])
    assert refused.exit_code == 2
    assert "Cannot truncate users" in refused.output and "not named" in refused.output
    bad = runner.invoke(cli, ["seed", "--rows", "1x"])
    assert bad.exit_code == 2
    assert "Invalid row count '1x'. Hint: Valid: 1000, 10k, 1m, 2.5m." in bad.output
    unknown = runner.invoke(cli, ["seed", "--schema", "ecomerce"])
    assert unknown.exit_code == 2 and "Did you mean ecommerce?" in unknown.output
    table = runner.invoke(cli, ["seed", "--tables", "userz"])
    assert table.exit_code == 2 and "Did you mean users?" in table.output
