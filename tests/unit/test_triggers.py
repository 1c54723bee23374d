"""Trigger facts read from bodies (arena/introspect/triggers.py) and the seed plan's use of
them (arena/seed/plan.py trigger_filled); SQL Server's definitions are parse-checked only."""

from __future__ import annotations

import sqlglot

from arena.introspect import sqlserver, triggers
from arena.schema import Column, ForeignKey, Schema, Table, Trigger
from arena.seed.plan import build_plan, trigger_filled

PLPGSQL = """
BEGIN
  INSERT INTO public."user_stats" (user_id) VALUES (NEW.id);
  IF NEW.slug IS NULL THEN NEW.slug := lower(NEW.title); END IF;
  NEW.search = to_tsvector(NEW.body);
  IF NEW.a = 1 THEN RETURN NEW; END IF;
  RETURN NEW;
END
"""
MYSQL = "BEGIN INSERT IGNORE INTO `audit` VALUES (NEW.id); SET NEW.total = NEW.qty * 2; END"
TSQL = """CREATE TRIGGER trg_orders ON dbo.orders AFTER INSERT, UPDATE AS
BEGIN
  SET NOCOUNT ON;
  INSERT INTO [dbo].[order_audit] (order_id) SELECT id FROM inserted;
END"""
TSQL_FOR = "CREATE TRIGGER t ON x FOR INSERT AS INSERT INTO y (id) SELECT id FROM inserted"


def test_bodies_name_the_tables_they_fill_and_the_columns_they_set():
    assert triggers.filled_tables(PLPGSQL) == ("user_stats",)
    assert triggers.assigned_columns(PLPGSQL) == ("slug", "search")  # not "a": a comparison
    assert triggers.filled_tables(MYSQL) == ("audit",)
    assert triggers.assigned_columns(MYSQL) == ("total",)
    assert triggers.filled_tables("BEGIN UPDATE t SET x = 1; END") == ()
    assert triggers.filled_tables('BEGIN INSERT OR REPLACE INTO "log" VALUES (new.id); END') == (
        "log",
    )


def test_sql_server_headers_and_the_catalog_query_parse():
    assert triggers.header(TSQL) == ("AFTER", ("INSERT", "UPDATE"))
    assert triggers.header(TSQL_FOR) == ("AFTER", ("INSERT",))
    assert triggers.filled_tables(TSQL) == ("order_audit",)
    assert triggers.header("CREATE TRIGGER t INSTEAD OF DELETE ON v") == ("INSTEAD OF", ("DELETE",))
    assert triggers.header("CREATE TRIGGER t INSERT ON v") == ("BEFORE", ("INSERT",))  # SQLite
    sqlglot.parse_one(sqlserver.TRIGGERS, read="tsql")


def _table(name, triggers_=(), fks=()):
    return Table(
        name,
        (Column("id", "integer", "int", False), Column("ref", "integer", "int", False)),
        ("id",),
        fks,
        triggers=triggers_,
    )


def test_a_trigger_filled_table_is_planned_after_its_filler_with_its_rows():
    fills = Trigger("t_new", "AFTER", ("INSERT",), fills=("stats",))
    on_update = Trigger("t_upd", "AFTER", ("UPDATE",), fills=("log",))
    users = _table("users", (fills, on_update))
    stats = _table("stats", fks=(ForeignKey("fk", ("id",), "users", ("id",)),))
    log = _table("log")
    assert trigger_filled([users, stats, log]) == {"stats": ("users", "t_new")}
    plan = build_plan(Schema("x", (stats, log, users)), 1000)
    names = [p.name for p in plan.tables]
    assert names.index("stats") > names.index("users")
    assert plan.get("stats").filled_by == ("users", "t_new")
    assert plan.get("stats").rows == plan.get("users").rows
    assert plan.get("log").filled_by is None  # an UPDATE trigger fills nothing on insert


def test_two_tables_filling_each_other_are_both_seeded():
    a = _table("a", (Trigger("ta", "AFTER", ("INSERT",), fills=("b",)),))
    b = _table("b", (Trigger("tb", "AFTER", ("INSERT",), fills=("a",)),))
    assert trigger_filled([a, b]) == {}


def test_a_trigger_is_normalised_from_catalog_spellings():
    made = triggers.trigger("t_new", "instead  of", ("insert", "delete"), PLPGSQL)
    assert made == Trigger(
        "t_new", "INSTEAD OF", ("INSERT", "DELETE"), ("user_stats",), ("slug", "search")
    )
    assert not made.on_insert  # INSTEAD OF: the row is not inserted as given
    assert triggers.header("CREATE TRIGGER t UPDATE OF x ON v") == ("BEFORE", ("UPDATE",))
    assert triggers.header("CREATE TRIGGER t DELETE ON v") == ("BEFORE", ("DELETE",))
