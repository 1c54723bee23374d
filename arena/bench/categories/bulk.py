"""Writes at each scale, on bench-owned copies: single-row, multi-row batch and the engine's
bulk path, without and with a secondary index + FK; updates (conditional vs unconditional,
one vs several columns, with and without an index); deletes (conditional, truncate, cascade
through an FK). Database size growth and space reclaimed; a concurrent reader's waits. And a
copy of the user's largest keyed table: the copy, an update and a delete on it (the user's
tables themselves are only read)."""

from __future__ import annotations

import threading
import time

from arena.bench import scratch
from arena.bench.core import Case, Context

SCALED = True
SINGLE_ROW_CAP = 500  # single-row inserts are timed on at most this many rows


def cases(ctx: Context, scale: int | None) -> list[Case]:
    n = scale or 1000
    rows = scratch.make_rows(ctx, n, "bulk")
    out: list[Case] = []
    for variant in ("plain", "indexed_fk"):
        out += insert_cases(ctx, variant, rows)
    out += update_cases(ctx, rows)
    out += delete_cases(ctx, rows)
    out.append(reader_case(ctx, rows))
    out += copy_cases(ctx, n)
    return out


def fresh(ctx: Context, variant: str) -> str:
    if variant == "plain":
        return scratch.create(ctx, "bulk")
    ctx.drop(ctx.scratch("bulk_child"))  # before its parent: the FK points there
    parent = scratch.create_parent(ctx, "parent")
    return scratch.create(ctx, "bulk_child", index=True, parent=parent)


def insert_cases(ctx: Context, variant: str, rows: list[tuple]) -> list[Case]:
    single = rows[:SINGLE_ROW_CAP]
    e = ctx.engine
    state: dict = {}

    def setup() -> None:
        state["table"] = fresh(ctx, variant)
        state.setdefault("empty", e.relation_size(ctx.conn, [state["table"]]))

    def growth() -> dict:
        after = e.relation_size(ctx.conn, [state["table"]])
        if after is None or state.get("empty") is None:
            return {"size_growth_bytes": None}
        return {"size_growth_bytes": after - state["empty"], "rows_loaded": len(rows)}

    def make(name, op, n, metrics=None):
        return Case(f"{name}_{variant}", op=op, setup=setup, rows_per_op=n, repeatable=False,
                    metrics=metrics)  # fmt: skip

    return [
        make("insert_single",
             lambda: scratch.insert_single(ctx, state["table"], single) or len(single),
             len(single)),
        make("insert_batch",
             lambda: scratch.insert_batches(ctx, state["table"], rows) or len(rows), len(rows)),
        make("insert_bulk",
             lambda: scratch.fill(ctx, state["table"], rows) or len(rows), len(rows), growth),
    ]  # fmt: skip


def update_cases(ctx: Context, rows: list[tuple]) -> list[Case]:
    q = ctx.engine.quote
    tables = {}
    for variant, index in (("indexed", True), ("noindex", False)):
        tables[variant] = scratch.create(ctx, f"upd_{variant}", index=index)
        scratch.fill(ctx, tables[variant], rows)
    n = len(rows)

    def upd(name: str, table: str, sets: str, where: str = "", affected: int = n) -> Case:
        sql = f"UPDATE {q(table)} SET {sets}{' WHERE ' + where if where else ''}"
        return Case(name, op=lambda: ctx.ex(sql) or affected, rows_per_op=affected)

    one = f"{q('amount')} = {q('amount')} + 1"
    several = f"{one}, {q('label')} = {q('label')}, {q('ref')} = {q('ref')} + 0"
    cond = f"{q('grp')} = 7"
    slice_rows = sum(1 for r in rows if r[2] == 7)
    return [
        upd("update_all_one_col", tables["noindex"], one),
        upd("update_all_several_cols", tables["noindex"], several),
        upd("update_where_indexed", tables["indexed"], one, cond, slice_rows),
        upd("update_where_noindex", tables["noindex"], one, cond, slice_rows),
    ]


def delete_cases(ctx: Context, rows: list[tuple]) -> list[Case]:
    e = ctx.engine
    q = e.quote
    state: dict = {}

    def load_plain() -> None:
        state["table"] = scratch.create(ctx, "del")
        scratch.fill(ctx, state["table"], rows)
        state["before"] = e.relation_size(ctx.conn, [state["table"]])

    def load_cascade() -> None:
        ctx.drop(ctx.scratch("del_child"))  # before its parent: the FK points there
        state["parent"] = scratch.create_parent(ctx, "del_parent")
        state["child"] = scratch.create(ctx, "del_child", index=True, parent=state["parent"])
        scratch.fill(ctx, state["child"], rows)

    def reclaimed() -> dict:
        after = e.relation_size(ctx.conn, [state["table"]])
        if after is None or state.get("before") is None:
            return {}
        return {
            "size_before_bytes": state["before"],
            "space_reclaimed_bytes": state["before"] - after,
        }

    slice_rows = sum(1 for r in rows if r[2] < 10)
    return [
        Case("delete_where", setup=load_plain, repeatable=False, rows_per_op=slice_rows,
             op=lambda: ctx.ex(f"DELETE FROM {q(state['table'])} WHERE {q('grp')} < 10")
             or slice_rows, metrics=reclaimed),
        Case("truncate", setup=load_plain, repeatable=False, rows_per_op=len(rows),
             op=lambda: ctx.ex(e.truncate_template.format(table=q(state["table"]))) or len(rows),
             metrics=reclaimed),
        Case("delete_cascade", setup=load_cascade, repeatable=False, rows_per_op=len(rows),
             op=lambda: ctx.ex(f"DELETE FROM {q(state['parent'])}") or len(rows),
             metrics=lambda: {"child_rows_left": scratch.count(ctx, state["child"])}),
    ]  # fmt: skip


def reader_case(ctx: Context, rows: list[tuple]) -> Case:
    """The batch insert while another session reads the table in a loop: the reader's worst
    wait shows lock contention between writer and reader."""
    state: dict = {}

    def setup() -> None:
        state["table"] = scratch.create(ctx, "contended")

    def op() -> dict:
        stop, ready = threading.Event(), threading.Event()
        waits: list[float] = []

        def reader() -> None:
            conn = ctx.connect()  # in its own thread: SQLite binds a connection to one
            try:
                sql = f"SELECT COUNT(*) FROM {ctx.engine.quote(state['table'])}"
                ready.set()
                while not stop.is_set():
                    started = time.perf_counter()
                    ctx.q(sql, conn=conn)
                    waits.append(time.perf_counter() - started)
            finally:
                ready.set()
                conn.close()

        thread = threading.Thread(target=reader, daemon=True)
        thread.start()
        ready.wait(timeout=30)
        started = time.perf_counter()
        scratch.insert_batches(ctx, state["table"], rows)
        elapsed = time.perf_counter() - started
        stop.set()
        thread.join(timeout=30)
        return {
            "rows": len(rows), "reader_queries": len(waits), "seconds_per_unit": elapsed,
            "reader_max_ms": round(max(waits, default=0) * 1000, 2),
        }  # fmt: skip

    return Case("insert_batch_with_reader", op=op, setup=setup, repeatable=False,
                rows_per_op=len(rows))  # fmt: skip


def copy_cases(ctx: Context, n: int) -> list[Case]:
    """On a copy of the user's subject table (its first `n` rows, real column types): the
    server-side copy itself, an update of its non-indexed column, a conditional delete."""
    shape, e = ctx.shape, ctx.engine
    if shape.subject is None or shape.plain is None:
        return [Case("copy_subject", na="n/a: no table with a single-column integer key")]
    copy = ctx.scratch("copy")
    pk, plain = ctx.c(shape.pk), ctx.c(shape.plain)
    select = e.limit(f"SELECT * FROM {ctx.t(shape.subject)} ORDER BY {pk}", n)
    create = e.create_table_as_sql(e.quote(copy), select)
    rows = min(n, shape.counts.get(shape.subject.name, n))
    tenth = sum(1 for i in range(1, rows + 1) if i % 10 == 0)  # approximate: keys from 1

    def fresh() -> None:
        ctx.drop(copy)
        ctx.ex(create)

    return [
        Case("copy_subject", setup=lambda: ctx.drop(copy), op=lambda: ctx.ex(create) or rows,
             repeatable=False, rows_per_op=rows,
             metrics=lambda: {"table": shape.subject.name, "rows": rows}),
        Case("update_copy", setup=fresh, repeatable=False, rows_per_op=rows,
             op=lambda: ctx.ex(f"UPDATE {e.quote(copy)} SET {plain} = {plain}") or rows),
        Case("delete_copy_where", setup=fresh, repeatable=False, rows_per_op=tenth,
             op=lambda: ctx.ex(f"DELETE FROM {e.quote(copy)} WHERE {pk} % 10 = 0") or tenth),
    ]  # fmt: skip
