"""Autocommit vs N statements in one transaction vs a savepoint per statement (N = 10, 100,
1000), then two sessions in write-write and read-write conflict at each isolation level:
commits/s, aborts (by kind) and lock waits."""

from __future__ import annotations

import threading
import time

from arena.bench import scratch
from arena.bench.core import Case, Context

SCALED = False
SIZES = (10, 100, 1000)
ROWS = 100
CONFLICT_SECONDS = 0.25  # per repeat, per isolation level and conflict kind
LOCK_WAIT = 0.005  # a statement slower than this on a 100-row table waited for a lock


def cases(ctx: Context, scale: int | None) -> list[Case]:
    e = ctx.engine
    table = scratch.create(ctx, "tx")
    scratch.fill(ctx, table, scratch.make_rows(ctx, ROWS, "tx"))
    q = e.quote
    update = f"UPDATE {q(table)} SET {q('amount')} = {q('amount')} + 1 WHERE {q('id')} = "
    out = []
    for n in SIZES:
        statements = [update + str(i % ROWS + 1) for i in range(n)]
        out.append(Case(f"autocommit_{n}", op=lambda s=statements: ctx.ex(*s) or len(s),
                        rows_per_op=n))  # fmt: skip
        out.append(
            Case(
                f"one_transaction_{n}",
                rows_per_op=n,
                op=lambda s=statements: ctx.ex(e.begin_sql, *s, "COMMIT") or len(s),
            )
        )
        if e.capabilities.savepoints:
            with_sp = []
            for i, sql in enumerate(statements):
                name = f"s{i}"
                with_sp += [e.transactions.savepoint.format(name=name), sql]
                if e.transactions.release_savepoint:
                    with_sp.append(e.transactions.release_savepoint.format(name=name))
            out.append(
                Case(
                    f"savepoints_{n}",
                    rows_per_op=n,
                    op=lambda s=with_sp, n=n: ctx.ex(e.begin_sql, *s, "COMMIT") or n,
                )
            )
        else:
            out.append(Case(f"savepoints_{n}", na=f"n/a: {e.display_name} has no savepoints"))
    for level in e.capabilities.isolation_levels:
        slug = level.lower().replace(" ", "_")
        for kind in ("write_write", "read_write"):
            case = Case(f"{kind}_{slug}", op=lambda k=kind, lv=level: conflict(ctx, table, k, lv))
            case.rows_per_op, case.rate_label = 1, "commits"  # commits/s from the median
            case.summed = ("commits", "aborts", "lock_waits")
            out.append(case)
    return out


def conflict(ctx: Context, table: str, kind: str, level: str) -> dict:
    """Two sessions for CONFLICT_SECONDS: both update row 1 (write_write), or one sums the
    table twice in a transaction while the other updates (read_write)."""
    e = ctx.engine
    q = e.quote
    write = [f"UPDATE {q(table)} SET {q('amount')} = {q('amount')} + 1 WHERE {q('id')} = 1"]
    read = [f"SELECT SUM({q('amount')}) FROM {q(table)}"] * 2
    bodies = [write, write] if kind == "write_write" else [read, write]
    tally = {"commits": 0, "aborts": 0, "lock_waits": 0}
    aborts: dict[str, int] = {}
    lock = threading.Lock()
    deadline = time.perf_counter() + CONFLICT_SECONDS
    barrier = threading.Barrier(2)

    def session(body: list[str]) -> None:
        conn = ctx.connect()
        try:
            e.set_isolation(conn, level)
            ctx.ex(*e.lock_timeout_sql(1.0), conn=conn)
            barrier.wait(timeout=10)
            while time.perf_counter() < deadline:
                waited = False
                try:
                    ctx.ex(e.begin_sql, conn=conn)
                    for sql in body:
                        started = time.perf_counter()
                        ctx.ex(sql, conn=conn)
                        waited |= time.perf_counter() - started > LOCK_WAIT
                    ctx.ex("COMMIT", conn=conn)
                    outcome = "commits"
                except e.driver_errors() as exc:
                    outcome = str(e.classify_error(exc))
                    try:
                        ctx.ex("ROLLBACK", conn=conn)
                    except e.driver_errors():
                        pass
                with lock:
                    if outcome == "commits":
                        tally["commits"] += 1
                    else:
                        tally["aborts"] += 1
                        aborts[outcome] = aborts.get(outcome, 0) + 1
                    tally["lock_waits"] += waited
        finally:
            conn.close()

    threads = [threading.Thread(target=session, args=(b,), daemon=True) for b in bodies]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=CONFLICT_SECONDS + 30)
    elapsed = time.perf_counter() - started
    commits = max(tally["commits"], 1)
    return {**tally, "abort_kinds": aborts, "seconds_per_unit": elapsed / commits}
