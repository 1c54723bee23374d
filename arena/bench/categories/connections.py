"""Connect + authenticate + first query, and the same work (PK lookups) spread over pools
of 1/2/4/8/16 sessions: queries/s per pool size."""

from __future__ import annotations

import contextlib
import threading
import time

from arena.bench.core import Case, Context

SCALED = False
POOL_SIZES = (1, 2, 4, 8, 16)
WORK = 320  # queries per measurement, whatever the pool size


def cases(ctx: Context, scale: int | None) -> list[Case]:
    def connect_once() -> int:
        conn = ctx.connect()
        try:
            return len(ctx.q("SELECT 1", conn=conn))
        finally:
            conn.close()

    shape = ctx.shape
    if shape.subject is not None:
        keys = [
            r[0] for r in ctx.q(ctx.engine.limit(
                f"SELECT {ctx.c(shape.pk)} FROM {ctx.t(shape.subject)} ORDER BY {ctx.c(shape.pk)}",
                100))
        ]  # fmt: skip
        base = f"SELECT * FROM {ctx.t(shape.subject)} WHERE {ctx.c(shape.pk)} = "
        work = [base + ctx.engine.literal(keys[i % len(keys)]) for i in range(WORK)]
    else:
        work = ["SELECT 1"] * WORK
    out = [Case("connect_first_query", op=connect_once, iterations=10)]
    for size in POOL_SIZES:
        case = Case(f"pool_{size}", op=lambda s=size: pooled(ctx, s, work), repeatable=False)
        case.rows_per_op, case.rate_label = WORK, "queries"  # queries/s from the median
        out.append(case)
    return out


def pooled(ctx: Context, size: int, work: list[str]) -> dict:
    """WORK queries over `size` sessions opened beforehand (the pool), timed from the first
    query to the last."""
    barrier = threading.Barrier(size + 1)
    errors: list[BaseException] = []

    def run(share: list[str]) -> None:
        # Each session opens in its own thread (SQLite binds a connection to one), before
        # the barrier: the pool is warm when the clock starts.
        conn = None
        try:
            conn = ctx.connect()
            barrier.wait(timeout=60)
            for sql in share:
                ctx.q(sql, conn=conn)
        except BaseException as exc:  # re-raised below, in the measuring thread
            errors.append(exc)
            barrier.abort()
        finally:
            if conn is not None:
                conn.close()

    threads = [threading.Thread(target=run, args=(work[i::size],), daemon=True)
               for i in range(size)]  # fmt: skip
    for t in threads:
        t.start()
    # A broken barrier means a session failed to connect: its error is raised below.
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait(timeout=60)
    started = time.perf_counter()
    for t in threads:
        t.join(timeout=120)
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return {"queries": len(work), "seconds_per_unit": elapsed}
