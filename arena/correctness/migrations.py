"""Online schema changes under load: how long each DDL takes and what the load felt.

For each engine: (re)build `arena_migration` (1M rows by default) and its FK parent, start
`arena load` in a subprocess with a read/write mix on that table (its CLI is the stable
interface; Locust must not be imported here), apply each change with a few seconds of load
before and after, then stop the load and read its per-second CSV. Each change is judged on
the seconds its DDL overlapped: throughput dip against the seconds before, max latency, and
the errors the load saw. Last, a migration that fails half-way shows whether the engine's DDL
is transactional (nothing left) or not (what was left behind).
"""

from __future__ import annotations

import contextlib
import csv
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from arena.correctness import dialect
from arena.engines.base import error_text
from arena.errors import ArenaError

TABLE, PARENT = "arena_migration", "arena_migration_account"
SEQ = "arena_migration_seq"
NAMES = {"ix": "arena_migration_balance_ix", "fk": "arena_migration_account_fk"}
MIN_ROWS = 1_000_000
ACCOUNTS = 1000
CHANGES = (
    "add nullable column", "add column with default", "add index", "change column type",
    "add foreign key", "drop column",
)  # fmt: skip
STALL_HEADERS = [
    "engine", "change", "DDL s", "ops/s before", "min ops/s", "dip", "max latency ms",
    "load errors", "note",
]  # fmt: skip


def plan(targets: list, options: dict[str, Any]) -> dict[str, Any]:
    """Every option and every engine's table checked before any load starts."""
    from arena.units import parse_count, parse_duration

    rows = parse_count(options["rows"], "--rows") if options.get("rows") else None
    if rows is not None and rows < 1000:
        raise ArenaError("--rows must be at least 1000.", "e.g. --rows 1m (the default size).")
    users = parse_count(options["users"], "--users") if options.get("users") else 4
    window = parse_duration(options["window"]) if options.get("window") else 3.0
    if users < 1 or window < 1:
        raise ArenaError("--users and --window must be at least 1.", "e.g. --users 4 --window 3")
    changes = [c.strip() for item in options.get("changes") or () for c in item.split(",")]
    changes = [c.replace("-", " ") for c in changes if c]
    for change in changes:
        if change not in CHANGES:
            from arena.errors import UnknownNameError

            raise UnknownNameError("change", change, CHANGES)
    for target in targets:
        if rows is None:
            have = table_rows(target)
            if have is None:
                continue  # built at MIN_ROWS
            if have < MIN_ROWS:
                raise ArenaError(
                    f"{TABLE} on {target.name} has {have:,} rows: too small for the migration "
                    f"run (at least {MIN_ROWS:,}; a stall on a small table says nothing).",
                    f"Rebuild it with `arena run migrations --engines {target.name} --rows 1m` "
                    "(or --rows N to run on a smaller table knowingly).",
                )
    return {"rows": rows, "users": users, "window": window, "changes": changes or list(CHANGES)}


def notes(target: Any) -> list[str]:
    if dialect.transactional_ddl(target.engine):
        return []
    return [
        f"{target.name}: no transactional DDL (each DDL statement commits on its own): a "
        "migration that fails half-way leaves its first steps behind. Running anyway."
    ]


def table_rows(target: Any) -> int | None:
    if TABLE not in target.schema().table_names:
        return None
    _, rows = target.engine.execute(target.endpoint, f"SELECT COUNT(*) FROM {_q(target, TABLE)}")
    return int(rows[0][0])


def _q(target: Any, name: str) -> str:
    return target.engine.quote(name)


def build(target: Any, rows: int) -> None:
    """Parent (ACCOUNTS rows) and the migration table (`rows` rows) from a 1000-row sequence:
    one INSERT ... SELECT of a cross join, the same SQL on every engine."""
    engine, ep = target.engine, target.endpoint
    t, parent, seq = _q(target, TABLE), _q(target, PARENT), _q(target, SEQ)
    for name in (t, parent, seq):
        engine.execute(ep, f"DROP TABLE IF EXISTS {name}")
    engine.execute(ep, f"CREATE TABLE {seq} (n INT PRIMARY KEY)")
    engine.execute(ep, f"INSERT INTO {seq} (n) VALUES " + ", ".join(f"({i})" for i in range(1000)))
    engine.execute(ep, f"CREATE TABLE {parent} (id INT PRIMARY KEY)")
    engine.execute(ep, f"INSERT INTO {parent} (id) SELECT n + 1 FROM {seq}")
    engine.execute(
        ep, f"CREATE TABLE {t} (id BIGINT PRIMARY KEY, account INT NOT NULL, balance INT NOT NULL, "
        "note VARCHAR(40))",
    )  # fmt: skip
    engine.execute(
        ep, f"INSERT INTO {t} (id, account, balance, note) "
        f"SELECT a.n * 1000 + b.n + 1, (b.n % {ACCOUNTS}) + 1, (a.n * 7 + b.n) % 9973, 'seeded' "
        f"FROM {seq} a CROSS JOIN {seq} b WHERE a.n * 1000 + b.n < {int(rows)}",
    )  # fmt: skip
    engine.execute(ep, f"DROP TABLE {seq}")
    target.refresh_schema()


def mix_file(target: Any, rows: int, folder: Path) -> Path:
    """Point reads and single-row updates by key on the migration table (70/30)."""
    import yaml

    t, key = _q(target, TABLE), {"id": {"int": [1, int(rows)]}}
    mix = {
        "name": "migration-load",
        "custom": [
            {"name": "read_by_id", "weight": 70, "params": key,
             "sql": f"SELECT id, account, balance FROM {t} WHERE id = :id"},
            {"name": "update_by_id", "weight": 30, "params": key,
             "sql": f"UPDATE {t} SET balance = balance + 1 WHERE id = :id"},
        ],
    }  # fmt: skip
    path = folder / f"migration-mix-{target.name}.yaml"
    path.write_text(yaml.safe_dump(mix, sort_keys=False))
    return path


class Load:
    """`arena load` in a subprocess for as long as the changes take (bounded)."""

    LIMIT_S = 1800

    def __init__(self, target: Any, mix: Path, users: int, root: Path) -> None:
        self.root = root
        self.started = time.time()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "arena", "load", "--engines", target.name, "--mix", str(mix),
             "--users", str(users), "--duration", f"{self.LIMIT_S}s", "--json"],
            cwd=root, env={**os.environ, "ARENA_PROJECT_DIR": str(root)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.csv: Path | None = None
        self.csv_seen = 0.0
        self.name = target.name

    def wait_running(self, timeout: float = 60) -> None:
        """Until the load writes its per-second rows. The moment its CSV appears is noted:
        the load starts its clock half a second later (read_series needs it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read() if self.proc.stderr else ""
                raise ArenaError(
                    f"{self.name}: the load stopped before the changes: {' '.join(err.split())[-300:]}",
                    "Run the same `arena load --mix` by hand to see why.",
                )
            if self.csv is None:
                found = [p for p in (self.root / ".arena" / "results").glob(f"*/{self.name}.csv")
                         if p.stat().st_mtime >= self.started - 1]  # fmt: skip
                if found:
                    self.csv, self.csv_seen = (
                        max(found, key=lambda p: p.stat().st_mtime),
                        time.time(),
                    )
            elif len(self.csv.read_text().splitlines()) >= 3:
                return
            time.sleep(0.05)
        raise ArenaError(f"{self.name}: the load did not start within {timeout:.0f}s.")

    def stop(self) -> list[dict[str, float]]:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.communicate()
        return read_series(self.csv, self.csv_seen + 0.5) if self.csv else []


def read_series(path: Path, approx_start: float) -> list[dict[str, float]]:
    """The per-second CSV as rows of floats, with each row's wall-clock second (`wall`).

    The load keys seconds by wall clock (round(time.time())) and writes them as elapsed from
    its start instant, so start = wall - elapsed for an integer wall: the fraction comes from
    the CSV, the whole second from `approx_start` (good to a fraction of a second)."""
    with path.open() as fh:
        rows = [{k: float(v) if v not in ("", None) else 0.0 for k, v in r.items()}
                for r in csv.DictReader(fh)]  # fmt: skip
    if not rows:
        return []
    first = rows[0]["elapsed_s"]
    guess = round(approx_start + first)
    start = min((k - first for k in range(guess - 2, guess + 3)),
                key=lambda s: abs(s - approx_start))  # fmt: skip
    for r in rows:
        r["wall"] = round(r["elapsed_s"] + start)
    return rows


def stall(series: list[dict[str, float]], t0: float, t1: float, window: float) -> dict[str, Any]:
    """The load during [t0, t1] (the DDL) against the `window` seconds before it."""
    before = [r for r in series if t0 - window - 0.5 <= r["wall"] < t0 - 0.5]
    # A blocked operation is counted in the second it completes: include the second after.
    during = [r for r in series if t0 - 0.5 <= r["wall"] <= t1 + 1.5]
    base = statistics.median([r["tps"] for r in before]) if before else None
    low = min((r["tps"] for r in during), default=None)
    return {
        "baseline_tps": base,
        "min_tps": low,
        "dip_pct": round(100 * (1 - low / base), 1) if base and low is not None else None,
        "max_latency_ms": round(max((r["max_us"] for r in during), default=0) / 1000, 1),
        "load_errors": int(sum(r["errors"] for r in during)),
        "load_errors_before": int(sum(r["errors"] for r in before)),
    }


def apply_change(target: Any, change: str) -> dict[str, Any]:
    names = {"t": _q(target, TABLE), "parent": _q(target, PARENT),
             "ix": _q(target, NAMES["ix"]), "fk": _q(target, NAMES["fk"])}  # fmt: skip
    statements, reason = dialect.migration(target.engine, change, names)
    result: dict[str, Any] = {"change": change, "statements": statements}
    if not statements:
        return {**result, "status": "n/a", "note": reason}
    t0 = time.time()
    try:
        for statement in statements:
            target.engine.execute(target.endpoint, statement)
        result["status"] = "ok"
    except ArenaError as exc:  # QueryError: the server's own message
        result["status"], result["note"] = "failed", exc.message
    t1 = time.time()
    return {**result, "t0": t0, "t1": t1, "ddl_s": round(t1 - t0, 3)}


def half_way_failure(target: Any) -> dict[str, Any]:
    """Add a column and an index, then a backfill that hits a duplicate key, in one
    transaction; roll back; look at what is left."""
    engine, ep = target.engine, target.endpoint
    t, ix = _q(target, TABLE), _q(target, "arena_migration_half_ix")
    steps = [
        f"ALTER TABLE {t} ADD COLUMN half_done INT",
        f"CREATE INDEX {ix} ON {t} (half_done)",
        f"INSERT INTO {t} (id, account, balance) VALUES (1, 1, 1)",  # id 1 exists: fails
    ]
    conn = engine.connect(ep)
    failed_at, error = None, None
    try:
        cur = conn.cursor()
        for statement in dialect.begin_statements(engine, dialect.row_lock_level(engine)):
            cur.execute(statement)
        for i, statement in enumerate(steps, 1):
            try:
                cur.execute(statement)
            except engine.driver_errors() as exc:
                failed_at, error = i, error_text(exc)
                break
        cur.execute(dialect.rules(engine).rollback)
    finally:
        conn.close()
    from arena.introspect import introspect

    table = introspect(engine, ep, [TABLE]).table(TABLE)
    left = ["column half_done" for c in table.columns if c.name == "half_done"]
    left += [f"index {i.name}" for i in table.indexes if i.name == "arena_migration_half_ix"]
    for statement in (dialect.drop_index(engine, ix, t), f"ALTER TABLE {t} DROP COLUMN half_done"):
        if left:
            with contextlib.suppress(ArenaError):  # one of the two may not be left behind
                engine.execute(ep, statement)
    summary = (
        "rolled back whole: nothing left behind"
        if not left
        else "left behind after ROLLBACK: " + ", ".join(left)
    )
    return {"failed_at_step": failed_at, "error": error, "left_behind": left,
            "transactional_ddl": not left, "summary": summary}  # fmt: skip


def run_engine(target: Any, plan: dict[str, Any]) -> dict[str, Any]:
    from arena.state import ProjectState

    rows = plan["rows"] or table_rows(target) or MIN_ROWS
    build(target, rows)
    root = ProjectState().root
    folder = root / ".arena" / "migrations"
    folder.mkdir(parents=True, exist_ok=True)
    load = Load(target, mix_file(target, rows, folder), plan["users"], root)
    results = []
    try:
        load.wait_running()
        time.sleep(plan["window"] + 1)  # warm-up and the first change's baseline
        for change in plan["changes"]:
            results.append(apply_change(target, change))
            if results[-1]["status"] != "n/a":
                time.sleep(plan["window"] + 1)
    finally:
        series = load.stop()
    for r in results:
        if "t0" in r:
            r.update(stall(series, r.pop("t0"), r.pop("t1"), plan["window"]))
            if r["load_errors"] and not r["load_errors_before"]:
                r["note"] = (r.get("note", "") + " load errors begin here").strip()
    return {
        "engine": target.name,
        "rows": rows,
        "users": plan["users"],
        "changes": results,
        "failed_half_way": half_way_failure(target),
        "load_csv": str(load.csv) if load.csv else None,
        "load_error_samples": load_errors(load.csv),
    }


def load_errors(csv_path: Path | None) -> dict[str, Any]:
    """What the load's errors said (its <engine>.json summary), by operation and class."""
    if csv_path is None or not csv_path.with_suffix(".json").exists():
        return {}
    import json

    summary = json.loads(csv_path.with_suffix(".json").read_text()).get("summary", {})
    samples = summary.get("error_samples") or {}
    return {key: {"count": (summary.get("errors") or {}).get(key), "message": message}
            for key, message in samples.items()}  # fmt: skip


def stall_rows(results: list[dict[str, Any]]) -> list[list[str]]:
    def num(v: Any, fmt: str = "{:,.0f}") -> str:
        return "-" if v is None else fmt.format(v)

    out = []
    for r in results:
        for c in r["changes"]:
            out.append([
                r["engine"], c["change"], num(c.get("ddl_s"), "{:.2f}"),
                num(c.get("baseline_tps")), num(c.get("min_tps")),
                num(c.get("dip_pct"), "{:.0f}%"), num(c.get("max_latency_ms"), "{:,.1f}"),
                num(c.get("load_errors")), c.get("note", ""),
            ])  # fmt: skip
    return out
