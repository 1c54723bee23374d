"""Bench-owned tables (arena_bench_*): created, filled with the same seeded rows on every
engine, and dropped afterwards. The user's own tables are only ever read."""

from __future__ import annotations

from arena.bench.core import Context

COLUMNS = ["id", "ref", "grp", "label", "amount"]
GROUPS = 100  # grp = id % GROUPS: a 1% slice per group value
PARENTS = 100


def create(ctx: Context, name: str, *, index: bool = False, parent: str | None = None) -> str:
    """Create scratch table `name` (dropping an old one); returns its full name. With
    `parent`, ref is an FK to that scratch table with ON DELETE CASCADE."""
    e = ctx.engine
    full = ctx.scratch(name)
    ctx.drop(full)
    fk = ""
    if parent:
        fk = (
            f", FOREIGN KEY ({e.quote('ref')}) REFERENCES {e.quote(parent)} "
            f"({e.quote('id')}) ON DELETE CASCADE"
        )
    ctx.ex(
        f"CREATE TABLE {e.quote(full)} ("
        f"{e.quote('id')} {e.type_name('bigint')} NOT NULL PRIMARY KEY, "
        f"{e.quote('ref')} {e.type_name('bigint')}, "
        f"{e.quote('grp')} {e.type_name('int')} NOT NULL, "
        f"{e.quote('label')} {e.type_name('varchar', 64)}, "
        f"{e.quote('amount')} {e.type_name('float')}{fk}){e.table_options}"
    )
    if index:
        ctx.ex(f"CREATE INDEX {e.quote(full + '_grp')} ON {e.quote(full)} ({e.quote('grp')})")
    return full


def create_parent(ctx: Context, name: str) -> str:
    full = create(ctx, name)
    fill(ctx, full, make_rows(ctx, PARENTS, "parent"))
    return full


def make_rows(ctx: Context, n: int, salt: str, start: int = 1) -> list[tuple]:
    """n rows, identical on every engine for the same seed and salt."""
    rng = ctx.rng(salt)
    return [
        (i, i % PARENTS + 1, i % GROUPS, f"row-{i}-{rng.randrange(10**6):06d}",
         round(rng.random() * 1000, 2))
        for i in range(start, start + n)
    ]  # fmt: skip


def fill(ctx: Context, table: str, rows: list[tuple]) -> None:
    ctx.engine.bulk_insert(ctx.conn, ctx.engine.quote(table), COLUMNS, rows)


def insert_single(ctx: Context, table: str, rows: list[tuple]) -> None:
    e = ctx.engine
    marks = ", ".join([e.placeholder] * len(COLUMNS))
    sql = f"INSERT INTO {e.quote(table)} ({', '.join(map(e.quote, COLUMNS))}) VALUES ({marks})"
    cur = ctx.conn.cursor()
    for row in rows:
        cur.execute(sql, row)


def insert_batches(ctx: Context, table: str, rows: list[tuple], batch: int = 500) -> None:
    """Multi-row INSERT ... VALUES (...), (...) with literals (500 rows stays under SQL
    Server's 1000-row VALUES limit)."""
    e = ctx.engine
    head = f"INSERT INTO {e.quote(table)} ({', '.join(map(e.quote, COLUMNS))}) VALUES "
    cur = ctx.conn.cursor()
    for at in range(0, len(rows), batch):
        values = ", ".join(
            "(" + ", ".join(e.literal(v) for v in row) + ")" for row in rows[at : at + batch]
        )
        cur.execute(head + values)


def count(ctx: Context, table: str) -> int:
    return int(ctx.q(f"SELECT COUNT(*) FROM {ctx.engine.quote(table)}")[0][0])
