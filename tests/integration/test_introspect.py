"""Introspection against real servers: every domain schema applied and read back, and
hand-written schemas arena did not create (odd identifiers, composite and cyclic FKs, partial
unique indexes, enums, domains, generated and identity columns, views that must not show).

Each test works in a database of its own on the shared session servers, dropped afterwards.
"""

from __future__ import annotations

import shutil
import socket

import pytest

from arena import domains
from arena.errors import ArenaError, UnknownNameError
from arena.introspect import introspect
from arena.models import Endpoint
from arena.schema import Check, Schema, Table
from arena.state import ProjectState
from tests.conftest import fresh_database, make_project_dir, run_arena

pytestmark = pytest.mark.integration

ENGINES = ["postgres", "mariadb", "sqlite"]


def run(engine, endpoint: Endpoint, *statements: str) -> None:
    for statement in statements:
        engine.execute(endpoint, statement)


def check_matches(found: Check, wanted: Check) -> bool:
    if found.column != wanted.column:
        return False
    if wanted.allowed is not None:
        return found.allowed is not None and set(found.allowed) == set(wanted.allowed)
    return (
        (found.low, found.high) == (wanted.low, wanted.high)
        and (found.low is None or found.low_inclusive == wanted.low_inclusive)
        and (found.high is None or found.high_inclusive == wanted.high_inclusive)
    )


def assert_round_trip(defined: Table, found: Table, enum_style: str) -> None:
    assert [c.name for c in found.columns] == [c.name for c in defined.columns]
    assert found.primary_key == defined.primary_key
    for want in defined.columns:
        got = found.column(want.name)
        assert got.nullable == want.nullable, (defined.name, want.name)
        assert got.identity == want.identity, (defined.name, want.name)
        if want.logical == "enum":
            if enum_style in ("type", "inline"):
                assert got.logical == "enum" and got.enum_values == want.enum_values
            else:  # a string column with CHECK (col IN (...))
                assert any(
                    c.column == want.name and set(c.allowed or ()) == set(want.enum_values)
                    for c in found.checks
                ), (defined.name, want.name)
        else:
            assert got.logical == want.logical, (defined.name, want.name, got.data_type)
        if want.logical in ("char", "varchar"):
            assert got.length == want.length, (defined.name, want.name)
        if want.logical == "decimal":
            assert (got.precision, got.scale) == (want.precision, want.scale)
    assert {
        (fk.columns, fk.ref_table, fk.ref_columns, fk.on_delete) for fk in found.foreign_keys
    } == {(fk.columns, fk.ref_table, fk.ref_columns, fk.on_delete) for fk in defined.foreign_keys}
    assert {u.columns for u in found.uniques} == {u.columns for u in defined.uniques}
    for want in defined.checks:
        assert any(check_matches(got, want) for got in found.checks), (defined.name, want)


@pytest.mark.parametrize("fresh", ENGINES, indirect=True)
@pytest.mark.parametrize("name", domains.SCHEMA_NAMES)
def test_every_domain_schema_reads_back_as_defined(fresh, name):
    engine, endpoint = fresh
    result = domains.apply(name, engine, endpoint)
    defined = domains.definition(name).schema
    found = introspect(engine, endpoint)
    assert sorted(found.table_names) == sorted(defined.table_names) == sorted(result.tables)
    for table in defined.tables:
        assert_round_trip(table, found.table(table.name), engine.enum_style)
    if engine.enum_style == "type":
        assert found.enums == dict(defined.enums)
    if engine.range_partitions:
        for table in defined.tables:
            assert found.table(table.name).partitioned == table.partitioned
    # applying again is refused with a hint; --drop replaces
    with pytest.raises(ArenaError, match="already has users|already has sites") as refused:
        domains.apply(name, engine, endpoint)
    assert "--drop" in refused.value.hint
    domains.apply(name, engine, endpoint, drop_existing=True)
    again = introspect(engine, endpoint)
    assert again.to_dict() == found.to_dict()


def test_the_same_domain_reads_back_the_same_on_every_engine(servers):
    """Beyond the spelling of types, defaults and expressions, the JSON is identical."""

    def comparable(schema: Schema) -> dict:
        data = schema.to_dict()
        for table in data["tables"]:
            table["schema"] = None
            for column in table["columns"]:
                column["data_type"] = column["default"] = None
            for check in table["checks"]:
                check["expression"] = None
            table["indexes"] = sorted(tuple(i["columns"]) for i in table["indexes"])
            # SQLite and SQL Server carry enums as a string column plus a CHECK
            enum_checks = {c["name"] for c in table["checks"] if c["name"].endswith("method_check")}
            table["checks"] = [c for c in table["checks"] if c["name"] not in enum_checks]
            for column in table["columns"]:
                if column["logical"] == "enum":
                    column["logical"], column["enum_values"] = "text", None
        data["engine"], data["enums"], data["domains"] = None, {}, {}
        data["tables"] = sorted(data["tables"], key=lambda t: t["name"])
        return data

    seen = {}
    for name in ENGINES:
        with fresh_database(name, servers) as (engine, endpoint):
            domains.apply("ecommerce", engine, endpoint)
            seen[name] = comparable(introspect(engine, endpoint))
    assert seen["postgres"] == seen["mariadb"] == seen["sqlite"]


@pytest.mark.parametrize("fresh", ["postgres"], indirect=True)
def test_postgres_hand_written_schema(fresh):
    engine, endpoint = fresh
    run(
        engine,
        endpoint,
        """CREATE TYPE "Mood Type" AS ENUM ('sad', 'ok', 'it''s fine')""",
        "CREATE DOMAIN positive_money AS numeric(10,2) NOT NULL CHECK (VALUE > 0)",
        """CREATE TABLE "Warehouse" (
             region char(2), code int, name text NOT NULL,
             PRIMARY KEY (region, code))""",
        """CREATE TABLE "Order Lines" (
             "id" serial PRIMARY KEY,
             "select" varchar(30) NOT NULL CHECK ("select" IN ('a', 'b')),
             "Qty ""x"" y" integer CHECK ("Qty ""x"" y" BETWEEN 1 AND 10),
             region char(2), code int,
             price positive_money,
             mood "Mood Type",
             doubled numeric GENERATED ALWAYS AS (price * 2) STORED,
             parent_id int REFERENCES "Order Lines" (id) ON DELETE CASCADE,
             FOREIGN KEY (region, code) REFERENCES "Warehouse" (region, code) ON DELETE SET NULL)""",
        """CREATE UNIQUE INDEX one_open_line ON "Order Lines" ("select", region)
             WHERE "Qty ""x"" y" > 5""",
        "CREATE TABLE a (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, b_id bigint)",
        "CREATE TABLE b (id bigint PRIMARY KEY, a_id bigint REFERENCES a (id))",
        """ALTER TABLE a ADD CONSTRAINT a_b FOREIGN KEY (b_id) REFERENCES b (id)
             DEFERRABLE INITIALLY DEFERRED""",
        """CREATE VIEW "Line View" AS SELECT * FROM "Order Lines\"""",
        """CREATE TABLE events (at timestamptz NOT NULL, kind text) PARTITION BY RANGE (at)""",
        """CREATE TABLE events_2024 PARTITION OF events
             FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')""",
    )
    schema = introspect(engine, endpoint)
    assert sorted(schema.table_names) == ["Order Lines", "Warehouse", "a", "b", "events"]
    lines = schema.table("Order Lines")
    assert lines.column("id").identity and lines.column("id").logical == "int"
    assert lines.column("doubled").generated
    assert lines.column("mood").enum_values == ("sad", "ok", "it's fine")
    assert lines.column("price").domain == "positive_money"
    assert not lines.column("price").nullable  # the domain's NOT NULL
    assert schema.domains == {"positive_money": "numeric(10,2)"}
    assert schema.enums == {"Mood Type": ("sad", "ok", "it's fine")}
    by_column = {c.column: c for c in lines.checks}
    assert by_column["select"].allowed == ("a", "b")
    assert (by_column['Qty "x" y'].low, by_column['Qty "x" y'].high) == (1, 10)
    assert by_column["price"].low == 0 and not by_column["price"].low_inclusive
    fks = {fk.columns: fk for fk in lines.foreign_keys}
    assert fks[("parent_id",)].ref_table == "Order Lines"
    assert fks[("parent_id",)].on_delete == "CASCADE"
    assert fks[("region", "code")].ref_columns == ("region", "code")
    assert fks[("region", "code")].on_delete == "SET NULL"
    partial = next(u for u in lines.uniques if u.name == "one_open_line")
    assert partial.columns == ("select", "region") and "5" in partial.where
    assert schema.table("a").column("id").identity
    cycle = schema.table("a").foreign_keys[0]
    assert cycle.ref_table == "b" and cycle.deferrable
    assert schema.table("b").foreign_keys[0].ref_table == "a"
    assert schema.table("events").partitioned
    assert schema.table("Warehouse").primary_key == ("region", "code")


@pytest.mark.parametrize("fresh", ["mariadb"], indirect=True)
def test_mariadb_hand_written_schema(fresh):
    engine, endpoint = fresh
    run(
        engine,
        endpoint,
        """CREATE TABLE `Warehouse` (region char(2), code int, name text NOT NULL,
             PRIMARY KEY (region, code))""",
        """CREATE TABLE `Order Lines` (
             `id` bigint AUTO_INCREMENT PRIMARY KEY,
             `select` varchar(30) NOT NULL CHECK (`select` IN ('a', 'b')),
             `Qty ``x`` y` int,
             region char(2), code int,
             mood ENUM('sad', 'ok', 'it''s fine') NOT NULL DEFAULT 'ok',
             price decimal(10,2) CHECK (price > 0),
             doubled decimal(11,2) AS (price * 2) VIRTUAL,
             payload JSON,
             active boolean NOT NULL DEFAULT TRUE,
             parent_id bigint,
             CONSTRAINT line_parent FOREIGN KEY (parent_id) REFERENCES `Order Lines` (id)
               ON DELETE CASCADE,
             CONSTRAINT line_wh FOREIGN KEY (region, code) REFERENCES `Warehouse` (region, code)
               ON DELETE SET NULL,
             CONSTRAINT qty_range CHECK (`Qty ``x`` y` BETWEEN 1 AND 10),
             UNIQUE KEY sel_region (`select`, region))""",
        "CREATE VIEW `Line View` AS SELECT * FROM `Order Lines`",
    )
    schema = introspect(engine, endpoint)
    assert sorted(schema.table_names) == ["Order Lines", "Warehouse"]
    lines = schema.table("Order Lines")
    assert lines.column("id").identity
    assert lines.column("doubled").generated
    assert lines.column("mood").enum_values == ("sad", "ok", "it's fine")
    assert lines.column("payload").logical == "json"
    assert lines.column("active").logical == "bool"
    checks = {c.column: c for c in lines.checks}
    assert "payload" not in checks  # MariaDB's implied json_valid() is not a user CHECK
    assert checks["select"].allowed == ("a", "b")
    assert (checks["Qty `x` y"].low, checks["Qty `x` y"].high) == (1, 10)
    assert checks["Qty `x` y"].name == "qty_range"
    fks = {fk.name: fk for fk in lines.foreign_keys}
    assert fks["line_parent"].ref_table == "Order Lines"
    assert fks["line_wh"].columns == ("region", "code") and fks["line_wh"].on_delete == "SET NULL"
    assert [u.columns for u in lines.uniques] == [("select", "region")]


@pytest.mark.parametrize("fresh", ["sqlite"], indirect=True)
def test_sqlite_hand_written_schema(fresh):
    engine, endpoint = fresh
    run(
        engine,
        endpoint,
        """CREATE TABLE "Warehouse" (region TEXT, code INT, name TEXT NOT NULL,
             PRIMARY KEY (region, code)) WITHOUT ROWID""",
        """CREATE TABLE "Order Lines" (
             "id" INTEGER PRIMARY KEY,
             "select" VARCHAR(30) NOT NULL CHECK ("select" IN ('a', 'b')),
             "Qty ""x"" y" INT CONSTRAINT qty_range CHECK ("Qty ""x"" y" BETWEEN 1 AND 10),
             region TEXT, code INT,
             price DECIMAL(10,2) CHECK (0 < price),
             doubled NUMERIC GENERATED ALWAYS AS (price * 2) VIRTUAL,
             parent_id INTEGER REFERENCES "Order Lines" ON DELETE CASCADE,
             CHECK (length("select") > 0),
             FOREIGN KEY (region, code) REFERENCES "Warehouse" (region, code)
               ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED)""",
        """CREATE UNIQUE INDEX one_open_line ON "Order Lines" ("select", region)
             WHERE "Qty ""x"" y" > 5""",
        """CREATE VIEW "Line View" AS SELECT * FROM "Order Lines\"""",
    )
    schema = introspect(engine, endpoint)
    assert sorted(schema.table_names) == ["Order Lines", "Warehouse"]
    lines = schema.table("Order Lines")
    assert lines.column("id").identity and lines.column("id").logical == "bigint"
    assert not schema.table("Warehouse").columns[0].identity  # WITHOUT ROWID: no rowid
    assert lines.column("doubled").generated
    assert lines.column("price").logical == "decimal"
    assert (lines.column("price").precision, lines.column("price").scale) == (10, 2)
    assert lines.column("select").length == 30
    checks = {c.column: c for c in lines.checks}
    assert checks["select"].allowed == ("a", "b")
    assert checks['Qty "x" y'].name == "qty_range"
    assert (checks['Qty "x" y'].low, checks['Qty "x" y'].high) == (1, 10)
    assert checks["price"].low == 0 and not checks["price"].low_inclusive
    assert checks[None].expression  # kept, unstructured, for seeding to name
    fks = {fk.columns: fk for fk in lines.foreign_keys}
    assert fks[("parent_id",)].ref_table == "Order Lines"
    assert fks[("parent_id",)].ref_columns == ("id",)  # REFERENCES t: its primary key
    assert fks[("region", "code")].deferrable and fks[("region", "code")].on_delete == "SET NULL"
    partial = next(u for u in lines.uniques if u.name == "one_open_line")
    assert partial.columns == ("select", "region") and "5" in partial.where


@pytest.mark.parametrize("fresh", ENGINES, indirect=True)
def test_table_filter_and_empty_database(fresh):
    engine, endpoint = fresh
    assert introspect(engine, endpoint).tables == ()
    with pytest.raises(ArenaError, match="has no tables"):
        introspect(engine, endpoint, ["orders"])
    domains.apply("ecommerce", engine, endpoint)
    picked = introspect(engine, endpoint, ["orders", "users"])
    assert sorted(picked.table_names) == ["orders", "users"]
    with pytest.raises(UnknownNameError, match="Did you mean orders"):
        introspect(engine, endpoint, ["ordres"])


def test_inspect_and_apply_on_a_dead_server_are_one_line_errors():
    """A server recorded as up that does not answer (killed, or its port closed): a one-line
    error with a hint and exit 2 from each command, never a driver traceback."""
    root = make_project_dir()
    try:
        with socket.socket() as probe:  # a loopback port nothing listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        ProjectState(root).save_endpoint(
            Endpoint("postgres", "native", "127.0.0.1", port, "arena", "arena", "secret")
        )
        for args in (["inspect"], ["inspect", "postgres"], ["schema", "apply", "ecommerce"]):
            result = run_arena(root, *args, timeout=60)
            lines = result.stderr.strip().splitlines()
            assert result.returncode == 2, (args, result.stderr)
            assert len(lines) == 1 and "postgres does not answer" in lines[0], (args, lines)
            assert "Hint:" in lines[0] and "Traceback" not in result.stderr
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("fresh", ["mariadb"], indirect=True)
def test_mariadb_indexes_and_keeps_unique_whole_text_columns(fresh):
    """MariaDB's text_key_style is "plain": a text index and a unique text key as declared."""
    engine, endpoint = fresh
    spec = {
        "tables": {
            "notes": {
                "columns": {"id": "serial", "body": "text not null", "tag": "text unique"},
                "indexes": [["body"]],
            }
        }
    }
    run(engine, endpoint, *domains.render_domain(domains.parse_domain("notes", spec), engine))
    table = introspect(engine, endpoint).table("notes")
    assert sorted((i.columns, i.unique) for i in table.indexes) == [
        (("body",), False),
        (("tag",), True),
    ]
    assert [u.columns for u in table.uniques] == [("tag",)]
    # two values that share their first 3072 characters are still different keys
    long = "x" * 4000
    run(engine, endpoint, f"INSERT INTO notes (body, tag) VALUES ('a', '{long}1')")
    run(engine, endpoint, f"INSERT INTO notes (body, tag) VALUES ('a', '{long}2')")
    with pytest.raises(ArenaError, match="Duplicate entry"):
        run(engine, endpoint, f"INSERT INTO notes (body, tag) VALUES ('b', '{long}2')")
