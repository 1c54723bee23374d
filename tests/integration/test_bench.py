"""`arena bench` on real PostgreSQL, MariaDB and SQLite holding the same seeded ecommerce data:
every category returns numbers, the plan verdicts, the N+1 query counts, scratch tables
cleaned up, the user's tables untouched, and the bad-input refusals through the real CLI."""

from __future__ import annotations

import contextlib

import pytest

from arena.bench.categories import CATEGORIES, relations
from arena.bench.core import SCRATCH_PREFIX, Context, Options
from arena.bench.runner import row_counts, run_bench, user_schema
from arena.bench.shape import build
from arena.domains.create import apply
from arena.introspect import introspect
from arena.seed import SeedOptions, seed_engine
from arena.state import ProjectState
from arena.targets import Target
from tests.conftest import fresh_database, make_project_dir, run_arena

ENGINES = ("postgres", "mariadb", "sqlite")
# Enough rows that every planner prefers the PK index for a point lookup (on a table of a
# few pages PostgreSQL rightly reads the pages instead).
SEED_ROWS = 5000


@pytest.fixture(scope="module")
def seeded(servers: ProjectState):
    """The ecommerce domain seeded identically in a fresh database on every engine."""
    with contextlib.ExitStack() as stack:
        targets = []
        for name in ENGINES:
            engine, endpoint = stack.enter_context(fresh_database(name, servers, "arena_bench"))
            apply("ecommerce", engine, endpoint)
            result = seed_engine(engine, endpoint, SeedOptions(rows=SEED_ROWS))
            assert result.error is None, result.error
            targets.append(Target(engine, endpoint))
        yield targets


@pytest.fixture(scope="module")
def report(seeded, tmp_path_factory):
    root = make_project_dir("arena-bench-")
    before = {t.name: introspect(t.engine, t.endpoint).table_names for t in seeded}
    options = Options(repeats=2, warmup=0, iterations=1)
    result = run_bench(seeded, list(CATEGORIES), [200], options, ProjectState(root))
    return result, before


def test_every_category_returns_numbers_on_every_engine(report):
    result, _ = report
    for category in CATEGORIES:
        for engine in ENGINES:
            rows = [
                r for r in result.results if r["category"] == category and r["engine"] == engine
            ]
            errors = [(r["case"], r["error"]) for r in rows if r["error"]]
            assert not errors, f"{category} on {engine}: {errors}"
            measured = [r for r in rows if r["summary"] is not None]
            assert measured, f"{category} on {engine} measured nothing"
            for r in measured:
                s = r["summary"]
                assert s["n"] == 2 and s["min"] <= s["median"] <= s["max"]
                assert s["ci_low"] <= s["median"] <= s["ci_high"]
                assert r["comparison"]["ratio"] >= 1.0


def test_same_data_verified_and_no_warning(report):
    result, _ = report
    assert not result.warnings
    assert result.counts["postgres"] == result.counts["mariadb"] == result.counts["sqlite"]


def test_plan_verdicts(report):
    result, _ = report
    verdicts = {
        (r["case"], r["engine"]): r["counters"].get("plan")
        for r in result.results
        if r["category"] == "query"
    }
    for engine in ENGINES:
        assert verdicts[("pk_lookup", engine)] == "index", engine
        assert verdicts[("nonindexed_search", engine)] == "scan", engine


def test_scratch_tables_dropped_and_user_tables_untouched(report, seeded):
    result, before = report
    for target in seeded:
        after = introspect(target.engine, target.endpoint)
        assert not [t for t in after.table_names if t.startswith(SCRATCH_PREFIX)]
        assert sorted(after.table_names) == sorted(before[target.name])
        ctx = Context(target.engine, target.endpoint, build([after], {}), Options())
        try:
            assert row_counts(ctx, after) == result.counts[target.name]
        finally:
            ctx.conn.close()


class CountingConnection:
    """Counts the statements a connection executes (what the server receives)."""

    def __init__(self, conn):
        self.conn, self.statements = conn, 0

    def cursor(self, *args):
        outer, cur = self, self.conn.cursor(*args)

        class Cursor:
            description = property(lambda _: cur.description)

            def execute(self, *a):
                outer.statements += 1
                return cur.execute(*a)

            def fetchall(self):
                return cur.fetchall()

        return Cursor()


@pytest.mark.parametrize("depth", [1, 2])
def test_n_plus_1_issues_n_plus_1_queries_and_join_one(seeded, depth):
    for target in seeded:
        schema = user_schema(target)
        ctx = Context(target.engine, target.endpoint, build([schema], {}), Options())
        real = ctx.conn
        try:
            chain = ctx.shape.chain(depth)
            assert chain is not None
            counted = ctx.conn = CountingConnection(real)
            out = relations.n_plus_1(ctx, chain)
            assert counted.statements == out["queries"]
            if depth == 1:  # one for the parents, one per parent
                assert counted.statements == relations.PARENTS + 1
            counted.statements = 0
            out = relations.joined(ctx, chain)
            assert counted.statements == out["queries"] == 1
            counted.statements = 0
            out = relations.in_lists(ctx, chain)
            assert counted.statements == depth + 1
        finally:
            real.close()


def test_schema_without_long_fk_path_says_so(servers: ProjectState):
    root = make_project_dir("arena-bench-")
    with fresh_database("sqlite", servers, "arena_bench_short") as (engine, endpoint):
        engine.execute(endpoint, "CREATE TABLE parent (id INTEGER PRIMARY KEY, n INTEGER)")
        engine.execute(
            endpoint,
            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id),"
            " qty INTEGER)",
        )
        engine.execute(endpoint, "INSERT INTO parent VALUES (1, 5), (2, 6)")
        engine.execute(endpoint, "INSERT INTO child VALUES (1, 1, 3), (2, 1, 4), (3, 2, 5)")
        result = run_bench(
            [Target(engine, endpoint)], ["joins"], [100], Options(repeats=1, warmup=0),
            ProjectState(root),
        )  # fmt: skip
    cells = {r["case"]: r for r in result.results}
    assert cells["join_5"]["na"] == "n/a: no FK path through 5 tables"
    assert cells["join_3"]["na"] == "n/a: no FK path through 3 tables"
    assert cells["join_2"]["summary"] is not None and cells["join_2"]["counters"]["rows"] == 3
    assert cells["self_join"]["na"].startswith("n/a:")


def test_unknown_category_did_you_mean(servers: ProjectState):
    proc = run_arena(servers.root, "bench", "qurey")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Did you mean query?" in lines[0], proc.stderr


def test_scale_larger_than_free_disk_refused(servers: ProjectState):
    proc = run_arena(servers.root, "bench", "bulk", "--scales", "1000b")
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "free" in lines[0] and "--scales" in lines[0], proc.stderr
    assert not (servers.root / ".arena" / "results").exists() or not any(
        (servers.root / ".arena" / "results").glob("bench-*")
    )


@pytest.mark.parametrize("local_infile", [1, 0])
def test_mysql_bulk_path_with_and_without_local_infile(servers: ProjectState, local_infile):
    """The bulk hook through LOAD DATA LOCAL (tabs and backslashes escaped), and its negative
    control: a server with local_infile off refuses it; the same rows arrive by INSERTs."""
    with fresh_database("mariadb", servers, "arena_bench_infile") as (engine, endpoint):
        admin = engine.connect(endpoint)
        conn = engine.connect(endpoint)
        try:
            engine.execute(endpoint, "CREATE TABLE t (id int PRIMARY KEY, label varchar(20))")
            admin.cursor().execute(f"SET GLOBAL local_infile = {local_infile}")
            rows = [(i, f"tab\there \\{i}") for i in range(1, 301)] + [(301, None)]
            engine.bulk_insert(conn, engine.quote("t"), ["id", "label"], rows)
        finally:
            admin.cursor().execute("SET GLOBAL local_infile = 1")
            admin.close()
            conn.close()
        _, back = engine.execute(endpoint, "SELECT id, label FROM t ORDER BY id")
        assert back == rows
