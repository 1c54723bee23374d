"""Large result sets at each scale: materialised (fetchall) vs streamed (server-side cursor /
unbuffered), time to first row, rows/s, and the client's peak memory for each."""

from __future__ import annotations

import statistics
import time
import tracemalloc

from arena.bench import scratch
from arena.bench.core import Case, Context

SCALED = True


def cases(ctx: Context, scale: int | None) -> list[Case]:
    n = scale or 1000
    table = scratch.create(ctx, "results")
    scratch.fill(ctx, table, scratch.make_rows(ctx, n, "results"))
    sql = f"SELECT * FROM {ctx.engine.quote(table)}"

    def check(got: int) -> None:
        if got != n:  # a driver that dropped rows would look fast
            raise RuntimeError(f"read {got} rows of {n}")

    def materialised() -> float:
        cur = ctx.conn.cursor()
        started = time.perf_counter()
        cur.execute(sql)
        rows = cur.fetchall()
        first = time.perf_counter() - started  # every row arrives before the first is seen
        check(len(rows))
        return first

    def streamed() -> float:
        started = time.perf_counter()
        first = None
        count = 0
        for _ in ctx.engine.stream_rows(ctx.conn, sql):
            if first is None:
                first = time.perf_counter() - started
            count += 1
        check(count)
        return first or 0.0

    out = []
    for name, fn in (("materialised", materialised), ("streamed", streamed)):
        firsts: list[float] = []

        def op(fn=fn, firsts=firsts) -> int:
            firsts.append(fn())
            return n

        def metrics(fn=fn, firsts=firsts) -> dict:
            tracemalloc.start()
            try:
                fn()
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            return {
                "first_row_ms": round(statistics.median(firsts) * 1000, 3),
                "client_peak_bytes": peak,
            }

        out.append(Case(f"{name}", op=op, rows_per_op=n, metrics=metrics))
    return out
