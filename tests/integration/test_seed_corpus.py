"""Seeding schemas written in the style of public sample databases (tests/corpus/<dialect>/).

Each schema is created in a fresh database on a real server, seeded without configuration,
and checked by this test's own queries, not arena's verifier: every table filled, no
foreign-key orphans, no duplicate unique keys, and every CHECK the catalog holds re-evaluated
by the engine itself (`SELECT count(*) FROM t WHERE NOT (check)` = 0).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from arena.errors import ArenaError
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


@pytest.mark.parametrize("fresh", ["postgres", "mariadb", "sqlite"], indirect=True)
def test_a_check_beyond_the_generators_is_filtered_by_the_engine(fresh):
    """`id % 2 = 0` on the key: no redraw can help odd ids, so about half the rows are
    discarded and reported; `(x % 5) * 0 = 1` admits nothing: the table fails naming it."""
    engine, endpoint = fresh
    engine.execute(
        endpoint,
        "CREATE TABLE evens (id INTEGER PRIMARY KEY, x INTEGER NOT NULL, "
        "CONSTRAINT even_ids CHECK (id % 2 = 0), CONSTRAINT odd_x CHECK (x % 3 = 1))",
    )
    engine.execute(
        endpoint,
        "CREATE TABLE refused (id INTEGER PRIMARY KEY, x INTEGER NOT NULL, "
        "CONSTRAINT never CHECK ((x % 5) * 0 = 1))",
    )
    result = seed_engine(engine, endpoint, SeedOptions(rows=2000, seed=5))
    by_table = {t.table: t for t in result.tables}
    evens = by_table["evens"]
    assert evens.status == "loaded", evens
    kept = scalar(engine, endpoint, "SELECT count(*) FROM evens")
    assert kept == evens.loaded and 0.4 * evens.planned < kept < 0.6 * evens.planned
    assert scalar(engine, endpoint, "SELECT count(*) FROM evens WHERE NOT (id % 2 = 0)") == 0
    assert scalar(engine, endpoint, "SELECT count(*) FROM evens WHERE NOT (x % 3 = 1)") == 0
    [note] = [n for n in result.notes if n.startswith("evens:")]
    assert f"{kept} kept, {evens.planned - kept} discarded" in note, note
    nothing = by_table["refused"]
    assert nothing.status == "failed"
    assert "refused every generated row" in nothing.error, nothing.error
    assert scalar(engine, endpoint, "SELECT count(*) FROM refused") == 0


def test_a_domain_check_beyond_the_generators_goes_row_by_row(postgres, servers):
    """The stage copies the domain type, so the stage itself refuses the rows: the batch
    falls back to row by row, and redrawing the non-key column saves every row."""
    with fresh_database("postgres", servers) as (engine, endpoint):
        engine.execute(endpoint, "CREATE DOMAIN odd_int AS integer CHECK (VALUE % 2 = 1)")
        engine.execute(endpoint, "CREATE TABLE odds (id integer PRIMARY KEY, x odd_int NOT NULL)")
        result = seed_engine(engine, endpoint, SeedOptions(rows=300, seed=5))
        assert result.ok, result
        assert scalar(engine, endpoint, "SELECT count(*) FROM odds") == 300
        assert scalar(engine, endpoint, "SELECT count(*) FROM odds WHERE x % 2 <> 1") == 0
        assert any("300 kept, 0 discarded" in n for n in result.notes), result.notes


CYCLE = [
    "CREATE TABLE store (store_id int PRIMARY KEY, manager_id int NOT NULL)",
    "CREATE TABLE staff (staff_id int PRIMARY KEY, store_id int NOT NULL REFERENCES store)",
    "ALTER TABLE store ADD CONSTRAINT store_manager FOREIGN KEY (manager_id) REFERENCES staff",
]


def test_a_not_null_cycle_is_refused_where_fk_checks_cannot_be_turned_off(servers):
    """The negative control of cycle seeding: a PostgreSQL user who is no superuser cannot
    skip the FK triggers, so arena refuses, naming the FKs and why, and writes nothing."""
    with fresh_database("postgres", servers) as (engine, endpoint):
        for statement in CYCLE:
            engine.execute(endpoint, statement)
        role = f"plain_{endpoint.database[-10:]}"
        password = engine.literal(endpoint.password)  # arena's per-project password
        engine.execute(endpoint, f"CREATE ROLE {role} LOGIN NOSUPERUSER PASSWORD {password}")
        try:
            engine.execute(endpoint, f"GRANT ALL ON store, staff TO {role}")
            plain = endpoint.replace(user=role)
            with pytest.raises(ArenaError, match="cycle of NOT NULL foreign keys") as caught:
                seed_engine(engine, plain, SeedOptions(rows=200, seed=1))
            assert "not a superuser" in str(caught.value), caught.value
            assert scalar(engine, endpoint, "SELECT count(*) FROM store") == 0
            # The same schema as the superuser: seeded, and every reference real.
            result = seed_engine(engine, endpoint, SeedOptions(rows=200, seed=1))
            assert result.ok, result
            orphans = (
                "SELECT count(*) FROM store s WHERE NOT EXISTS "
                "(SELECT 1 FROM staff t WHERE t.staff_id = s.manager_id)"
            )
            assert scalar(engine, endpoint, orphans) == 0
        finally:
            engine.execute(endpoint, f"DROP OWNED BY {role}")
            engine.execute(endpoint, f"DROP ROLE {role}")


# -- the corpus -----------------------------------------------------------------------------

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
ROWS = 20_000
ENGINES = ("postgres", "mariadb", "sqlite")
CASES = [
    pytest.param(engine, path, id=f"{engine}-{path.stem}")
    for engine in ENGINES
    for path in sorted((CORPUS / engine).glob("*.sql"))
]


def statements(text: str) -> list[str]:
    """The file's statements: split at a semicolon that ends a line (no procedures here)."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    return [s.strip() for s in re.split(r";\s*\n", body + "\n") if s.strip()]


@dataclass
class Catalog:
    """What the test reads from the engine's own catalog, independently of arena."""

    tables: list[str] = field(default_factory=list)
    fks: list[tuple[str, list[str], str, list[str]]] = field(default_factory=list)
    uniques: list[tuple[str, list[str], str | None]] = field(default_factory=list)
    checks: list[tuple[str, str]] = field(default_factory=list)


def rows_of(conn, sql: str) -> list[tuple]:
    cur = conn.cursor()
    cur.execute(sql)
    return [tuple(r) for r in cur.fetchall()]


PG_FKS = """
SELECT c.conrelid::regclass::text, c.confrelid::regclass::text,
  ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o)
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o),
  ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, o)
        JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o)
FROM pg_constraint c WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
"""
PG_UNIQUES = """
SELECT x.indrelid::regclass::text,
  ARRAY(SELECT a.attname::text FROM unnest(x.indkey::int2[]) k(n)
        JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n),
  pg_get_expr(x.indpred, x.indrelid)
FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid
WHERE x.indisunique AND c.relnamespace = 'public'::regnamespace AND 0 <> ALL (x.indkey::int2[])
"""
PG_CHECKS = """
SELECT c.conrelid::regclass::text, pg_get_constraintdef(c.oid)
FROM pg_constraint c WHERE c.contype = 'c' AND c.conrelid <> 0
  AND c.connamespace = 'public'::regnamespace
UNION ALL
SELECT u.table_name::text, replace(pg_get_constraintdef(c.oid), 'VALUE', quote_ident(u.column_name))
FROM information_schema.column_domain_usage u
JOIN pg_type t ON t.typname = u.domain_name
JOIN pg_constraint c ON c.contypid = t.oid AND c.contype = 'c'
WHERE u.table_schema = 'public'
"""


def pg_catalog(conn) -> Catalog:
    cat = Catalog()
    cat.tables = [
        r[0]
        for r in rows_of(
            conn,
            "SELECT relname FROM pg_class WHERE relkind IN ('r', 'p') AND NOT relispartition "
            "AND relnamespace = 'public'::regnamespace",
        )
    ]
    cat.fks = [(t, list(c), rt, list(rc)) for t, rt, c, rc in rows_of(conn, PG_FKS)]
    cat.uniques = [(t, list(c), w) for t, c, w in rows_of(conn, PG_UNIQUES)]
    cat.checks = [(t, d.removeprefix("CHECK ")) for t, d in rows_of(conn, PG_CHECKS)]
    return cat


def mysql_catalog(conn) -> Catalog:
    cat = Catalog()
    where = "TABLE_SCHEMA = DATABASE()"
    cat.tables = [
        r[0]
        for r in rows_of(
            conn,
            f"SELECT TABLE_NAME FROM information_schema.TABLES WHERE {where} "
            "AND TABLE_TYPE = 'BASE TABLE'",
        )
    ]
    fks: dict[tuple[str, str], tuple[str, list[str], str, list[str]]] = {}
    for table, name, col, ref, ref_col in rows_of(
        conn,
        "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, "
        f"REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE {where} "
        "AND REFERENCED_TABLE_NAME IS NOT NULL ORDER BY ORDINAL_POSITION",
    ):
        entry = fks.setdefault((table, name), (table, [], ref, []))
        entry[1].append(col)
        entry[3].append(ref_col)
    cat.fks = list(fks.values())
    uniques: dict[tuple[str, str], list[str]] = {}
    for table, name, col in rows_of(
        conn,
        "SELECT TABLE_NAME, INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS "
        f"WHERE {where} AND NON_UNIQUE = 0 ORDER BY SEQ_IN_INDEX",
    ):
        uniques.setdefault((table, name), []).append(col)
    cat.uniques = [(t, cols, None) for (t, _), cols in uniques.items()]
    cat.checks = rows_of(
        conn,
        "SELECT TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
        "WHERE CONSTRAINT_SCHEMA = DATABASE()",
    )
    return cat


def sqlite_catalog(conn) -> Catalog:
    cat = Catalog()
    for name, sql in rows_of(
        conn,
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    ):
        cat.tables.append(name)
        cat.checks += [(name, body) for body in check_bodies(sql)]
        for _, index, unique, _, partial in rows_of(conn, f'PRAGMA index_list("{name}")'):
            if unique:
                cols = [r[2] for r in rows_of(conn, f'PRAGMA index_info("{index}")')]
                where = None
                if partial:
                    (isql,) = rows_of(
                        conn, f"SELECT sql FROM sqlite_master WHERE name = '{index}'"
                    )[0]
                    where = isql.split(" WHERE ", 1)[1]
                cat.uniques.append((name, cols, where))
        fks: dict[int, tuple[str, list[str], str, list[str]]] = {}
        for fid, _, ref, col, ref_col, *_ in rows_of(conn, f'PRAGMA foreign_key_list("{name}")'):
            entry = fks.setdefault(fid, (name, [], ref, []))
            entry[1].append(col)
            entry[3].append(ref_col)
        cat.fks += list(fks.values())
    return cat


def check_bodies(sql: str) -> list[str]:
    """CHECK (...) bodies of a CREATE TABLE, balanced parentheses, quotes skipped."""
    bodies = []
    for match in re.finditer(r"\bCHECK\s*\(", sql, re.IGNORECASE):
        depth, i, quote = 1, match.end(), ""
        while depth:
            ch = sql[i]
            if quote:
                quote = "" if ch == quote else quote
            elif ch in "'\"":
                quote = ch
            else:
                depth += {"(": 1, ")": -1}.get(ch, 0)
            i += 1
        bodies.append(sql[match.end() : i - 1])
    return bodies


CATALOGS = {"postgres": pg_catalog, "mysql": mysql_catalog, "sqlite": sqlite_catalog}


@pytest.mark.parametrize(("engine_name", "path"), CASES)
def test_corpus_schema_seeds_clean(engine_name, path, servers):
    with fresh_database(engine_name, servers) as (engine, endpoint):
        for statement in statements(path.read_text()):
            engine.execute(endpoint, statement)
        started = time.perf_counter()
        result = seed_engine(engine, endpoint, SeedOptions(rows=ROWS, seed=7))
        seconds = time.perf_counter() - started
        failed = [(t.table, t.status, t.error) for t in result.tables if t.status != "loaded"]
        assert result.ok, (result.error, failed, result.notes)
        print(f"{engine_name} {path.stem}: {result.rows} rows in {seconds:.2f}s", result.notes)
        conn = engine.connect(endpoint)
        try:
            cat = CATALOGS[engine.family](conn)
            q = engine.quote
            count = lambda sql: rows_of(conn, sql)[0][0]  # noqa: E731
            assert cat.tables, "the schema made no tables"
            empty = [t for t in cat.tables if count(f"SELECT count(*) FROM {q(t)}") == 0]
            assert not empty, f"tables left empty: {empty}"
            for table, cols, ref, ref_cols in cat.fks:
                set_ = " AND ".join(f"c.{q(c)} IS NOT NULL" for c in cols)
                join = " AND ".join(
                    f"p.{q(r)} = c.{q(c)}" for c, r in zip(cols, ref_cols, strict=True)
                )
                orphans = count(
                    f"SELECT count(*) FROM {q(table)} c WHERE {set_} AND NOT EXISTS "
                    f"(SELECT 1 FROM {q(ref)} p WHERE {join})"
                )
                assert orphans == 0, f"{table}{cols} -> {ref}: {orphans} orphans"
            for table, cols, where in cat.uniques:
                filled = " AND ".join(f"{q(c)} IS NOT NULL" for c in cols)
                cond = f"{filled} AND ({where})" if where else filled
                listed = ", ".join(q(c) for c in cols)
                dups = count(
                    f"SELECT count(*) FROM (SELECT {listed} FROM {q(table)} WHERE {cond} "
                    f"GROUP BY {listed} HAVING count(*) > 1) d"
                )
                assert dups == 0, f"{table}{cols}: {dups} duplicated keys"
            assert cat.checks or engine.family == "mysql", "the corpus schema has no CHECK"
            for table, check in cat.checks:
                bad = count(f"SELECT count(*) FROM {q(table)} WHERE NOT ({check})")
                assert bad == 0, f"{table}: {bad} rows violate CHECK {check}"
        finally:
            conn.close()
