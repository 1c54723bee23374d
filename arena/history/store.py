"""`.arena/results.db`: every run folder imported into SQLite, for history, baselines and
comparisons. The run folders stay the source of truth: the store is rebuilt from them by
`import_run_folder`, which replaces a run's rows in one transaction (importing twice changes
nothing). The schema is versioned with PRAGMA user_version; WAL lets a report read while a run
imports (https://www.sqlite.org/wal.html)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arena import __version__
from arena.errors import ArenaError, StateError, UnknownNameError
from arena.history.folder import CorruptRunFolder, Metric, RunData, read_folder

SCHEMA_VERSION = 2

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,                 -- load | bench
    status TEXT NOT NULL,
    started_at TEXT, ended_at TEXT,
    workload TEXT NOT NULL,             -- what was run, beyond the engines
    engines TEXT NOT NULL,              -- comma-separated, in run order
    config TEXT NOT NULL,               -- run.json's config/options as JSON
    folder TEXT NOT NULL,
    folder_mtime REAL NOT NULL,
    imported_at TEXT NOT NULL,
    arena_version TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS environments (
    run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    engine TEXT NOT NULL,
    version TEXT, runtime TEXT, driver TEXT, status TEXT,
    limits TEXT,                        -- JSON
    seed INTEGER,
    rows TEXT,                          -- JSON: table -> rows (bench)
    PRIMARY KEY (run_id, engine)
);
CREATE TABLE IF NOT EXISTS metrics (
    run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    engine TEXT NOT NULL,
    scope TEXT NOT NULL,                -- overall | op:<operation> | <bench category/case@scale>
    name TEXT NOT NULL,
    value REAL NOT NULL,
    better TEXT NOT NULL,               -- higher | lower
    samples TEXT NOT NULL,              -- JSON list: repeats or per-second values (noise)
    PRIMARY KEY (run_id, engine, scope, name)
);
CREATE TABLE IF NOT EXISTS histograms (
    run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    engine TEXT NOT NULL,
    scope TEXT NOT NULL,
    encoded TEXT NOT NULL,              -- HdrHistogram, base64 compressed, in µs
    PRIMARY KEY (run_id, engine, scope)
);
CREATE TABLE IF NOT EXISTS baselines (
    name TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs (run_id),
    set_at TEXT NOT NULL
);
"""
# Schema 2 (the recorder): the command line and process of a run, whether it was client-bound,
# its attachments (invariants, isolation matrix); per instance the image or binary, the key
# server settings, the driver's version and the resource summary; the per-second resources.
V2_COLUMNS = (
    ("runs", "argv", "TEXT"), ("runs", "pid", "INTEGER"), ("runs", "client_bound", "TEXT"),
    ("runs", "attachments", "TEXT"), ("environments", "image", "TEXT"),
    ("environments", "binary", "TEXT"), ("environments", "settings", "TEXT"),
    ("environments", "driver_version", "TEXT"), ("environments", "arena_version", "TEXT"),
    ("environments", "client_bound", "INTEGER"), ("environments", "resources", "TEXT"),
    ("environments", "schema", "TEXT"),
)  # fmt: skip
V2_SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    engine TEXT NOT NULL,
    t REAL NOT NULL,                    -- wall clock, s
    cpu_pct REAL, rss_bytes REAL, connections REAL, client_cpu_pct REAL,
    PRIMARY KEY (run_id, engine, t)
);
"""
RUN_COLUMNS = ("run_id", "kind", "status", "started_at", "ended_at", "workload", "engines",
               "config", "folder", "folder_mtime", "imported_at", "arena_version", "argv", "pid",
               "client_bound", "attachments")  # fmt: skip
ENV_COLUMNS = ("run_id", "engine", "version", "runtime", "driver", "status", "limits", "seed",
               "rows", "image", "binary", "settings", "driver_version", "arena_version",
               "client_bound", "resources", "schema")  # fmt: skip


class NewerStoreError(ArenaError):
    pass


@dataclass(slots=True)
class SyncResult:
    imported: list[str]
    skipped: list[CorruptRunFolder]


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


class ResultsStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.db = sqlite3.connect(path, timeout=30)
        except sqlite3.Error as exc:
            raise StateError(
                f"Cannot open {path}: {exc}.", "Check the folder's permissions."
            ) from exc
        os.chmod(path, 0o600)
        self.db.row_factory = sqlite3.Row
        try:
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise StateError(
                f"{path} is not a results database ({exc}).",
                "Move it aside; `arena history` rebuilds it from .arena/results/.",
            ) from exc
        if version > SCHEMA_VERSION:
            self.db.close()
            raise NewerStoreError(
                f"{path} was written by a newer arena (schema {version}; arena {__version__} "
                f"reads up to {SCHEMA_VERSION}).",
                "Upgrade arena, or move the file aside to rebuild it from .arena/results/.",
            )
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        if version < SCHEMA_VERSION or self._missing_columns():
            self._migrate(version)
        self.mark_dead_runs()

    def _missing_columns(self) -> bool:
        have = {(t, r[1]) for t in ("runs", "environments")
                for r in self.db.execute(f"PRAGMA table_info({t})")}  # fmt: skip
        return any((t, c) not in have for t, c, _ in V2_COLUMNS)

    def _migrate(self, version: int) -> None:
        """Create, or bring a schema-1 store up to 2 (its rows are kept)."""
        with self.db:
            self.db.executescript(SCHEMA)
            have = {(t, r[1]) for t in ("runs", "environments")
                    for r in self.db.execute(f"PRAGMA table_info({t})")}  # fmt: skip
            for table, column, kind in V2_COLUMNS:
                if (table, column) not in have:
                    self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            self.db.executescript(V2_SCHEMA)
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def mark_dead_runs(self) -> None:
        """A run still "running" whose process is gone crashed (or was killed): say so."""
        rows = self.db.execute("SELECT run_id, pid FROM runs WHERE status = 'running'").fetchall()
        dead = [r[0] for r in rows if r[1] and not pid_alive(r[1])]
        if dead:
            with self.db:
                self.db.executemany(
                    "UPDATE runs SET status = 'crashed' WHERE run_id = ?", [(d,) for d in dead]
                )

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- import ------------------------------------------------------------------------------
    def import_run_folder(self, path: Path) -> RunData:
        """Read one run folder and replace its rows; raises CorruptRunFolder (nothing written)."""
        data = read_folder(path)
        run, rec = data.run, data.recording
        config = rec.get("config") or (
            run.get("config") if data.kind == "load" else run.get("options")
        )
        instances = rec.get("instances") or {}
        env_rows = []
        for engine in data.engine_order or list(data.engines):
            meta = (run.get("engines") or {}).get(engine)
            meta = meta if isinstance(meta, dict) else {"version": meta or ""}
            env = instances.get(engine) or {}
            seed = (run.get("config") or run.get("options") or rec.get("config") or {}).get("seed")
            rows = (run.get("counts") or {}).get(engine) or env.get("rows")
            res = env.get("resources")
            env_rows.append({
                "run_id": data.run_id, "engine": engine,
                "version": meta.get("version") or env.get("version"),
                "runtime": meta.get("runtime") or env.get("runtime"),
                "driver": meta.get("driver") or env.get("driver"),
                "status": meta.get("status") or data.engines.get(engine, {}).get("status")
                or env.get("status"),
                "limits": json.dumps(meta.get("limits") or env.get("limits") or {}),
                "seed": seed, "rows": json.dumps(rows) if rows else None,
                "image": env.get("image"), "binary": env.get("binary"),
                "settings": json.dumps(env.get("settings") or {}),
                "driver_version": env.get("driver_version"),
                "arena_version": env.get("arena_version"),
                "client_bound": None if res is None else int(bool(res.get("client_bound"))),
                "resources": json.dumps(res) if res is not None else None,
                "schema": env.get("schema"),
            })  # fmt: skip
        bound = rec.get("client_bound")
        with self.db:
            self.db.execute("DELETE FROM runs WHERE run_id = ?", (data.run_id,))
            self._insert("runs", RUN_COLUMNS, [{
                "run_id": data.run_id, "kind": data.kind, "status": data.status,
                "started_at": rec.get("started_at") or _started(data),
                "ended_at": run.get("ended_at") or rec.get("ended_at"),
                "workload": data.workload(), "engines": ",".join(data.engine_order),
                "config": json.dumps(config or {}, sort_keys=True, default=str),
                "folder": str(path), "folder_mtime": _mtime(path), "imported_at": _now(),
                "arena_version": rec.get("arena_version") or __version__,
                "argv": json.dumps(rec["argv"]) if rec.get("argv") else None,
                "pid": rec.get("pid"), "client_bound": None if bound is None else json.dumps(bound),
                "attachments": json.dumps(rec.get("attachments") or {}, default=str),
            }])  # fmt: skip
            self._insert("environments", ENV_COLUMNS, env_rows)
            self.db.executemany(
                "INSERT INTO metrics VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(data.run_id, m.engine, m.scope, m.name, m.value, m.better,
                  json.dumps(m.samples)) for m in data.metrics],
            )  # fmt: skip
            for engine, hists in data.histograms.items():
                if hists.get("overall"):
                    self._histogram(data.run_id, engine, "overall", hists["overall"])
                for op, encoded in (hists.get("operations") or {}).items():
                    self._histogram(data.run_id, engine, f"op:{op}", encoded)
                for scope, encoded in (hists.get("scopes") or {}).items():  # the recorder's
                    self._histogram(data.run_id, engine, scope, encoded)
            self.db.executemany(
                "INSERT OR REPLACE INTO resources VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(data.run_id, engine, r["t"], r.get("cpu_pct"), r.get("rss_bytes"),
                  r.get("connections"), r.get("client_cpu_pct"))
                 for engine, rows in data.resources.items() for r in rows if "db_size_bytes" not in r],
            )  # fmt: skip
        return data

    def _insert(self, table: str, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
        if rows:
            marks = ", ".join("?" for _ in columns)
            self.db.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                [tuple(r.get(c) for c in columns) for r in rows],
            )

    # -- the recorder: a run as it goes --------------------------------------------------------
    def record_start(self, doc: dict[str, Any], folder: str) -> None:
        with self.db:
            self.db.execute("DELETE FROM runs WHERE run_id = ?", (doc["run_id"],))
            self._insert("runs", RUN_COLUMNS, [{
                **doc, "engines": ",".join(doc["instances"]),
                "config": json.dumps(doc.get("config") or {}, sort_keys=True, default=str),
                "folder": folder, "folder_mtime": 0.0, "imported_at": _now(),
                "argv": json.dumps(doc["argv"]), "attachments": "{}", "client_bound": None,
            }])  # fmt: skip
            self._insert("environments", ENV_COLUMNS, [{
                **env, "run_id": doc["run_id"], "engine": name, "status": "running",
                "limits": json.dumps(env.get("limits") or {}),
                "settings": json.dumps(env.get("settings") or {}),
            } for name, env in doc["instances"].items()])  # fmt: skip

    def delete_run(self, run_id: str) -> None:
        with self.db:
            self.db.execute("DELETE FROM runs WHERE run_id = ?", (run_id,))

    def record_metric(self, run_id: str, m: dict[str, Any]) -> None:
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO metrics VALUES (?, ?, ?, ?, ?, ?, ?)",
                (run_id, m["instance"], m["scope"], m["name"], m["value"], m["better"],
                 json.dumps(m["samples"])),
            )  # fmt: skip

    def resources(self, run_id: str) -> dict[str, list[sqlite3.Row]]:
        out: dict[str, list[sqlite3.Row]] = {}
        for r in self.db.execute("SELECT * FROM resources WHERE run_id = ? ORDER BY t", (run_id,)):
            out.setdefault(r["engine"], []).append(r)
        return out

    def _histogram(self, run_id: str, engine: str, scope: str, encoded: str) -> None:
        self.db.execute(
            "INSERT INTO histograms VALUES (?, ?, ?, ?)", (run_id, engine, scope, encoded)
        )

    def sync(self, results_dir: Path) -> SyncResult:
        """Import every run folder that is new or changed since its last import."""
        known = {r["run_id"]: r["folder_mtime"] for r in self.db.execute(
            "SELECT run_id, folder_mtime FROM runs")}  # fmt: skip
        result = SyncResult([], [])
        if not results_dir.is_dir():
            return result
        for path in sorted(p for p in results_dir.iterdir() if p.is_dir()):
            if known.get(path.name) == _mtime(path):
                continue
            try:
                self.import_run_folder(path)
                result.imported.append(path.name)
            except CorruptRunFolder as exc:
                result.skipped.append(exc)
        return result

    # -- queries -----------------------------------------------------------------------------
    def run_ids(self) -> list[str]:
        """Oldest first (run ids start with their kind and a timestamp)."""
        rows = self.db.execute("SELECT run_id FROM runs ORDER BY started_at, run_id")
        return [r[0] for r in rows]

    def run(self, run_id: str) -> sqlite3.Row:
        row = self.db.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            raise self.unknown_run(run_id)
        return row

    def unknown_run(self, run_id: str) -> ArenaError:
        recent = self.run_ids()[-5:]
        if not recent:
            return no_runs_error()
        return UnknownNameError(
            "run", run_id, recent, f"Recent runs: {', '.join(reversed(recent))}."
        )

    def latest(self, kind: str | None = None) -> str:
        sql = "SELECT run_id FROM runs" + (" WHERE kind = ?" if kind else "")
        rows = self.db.execute(sql + " ORDER BY started_at DESC, run_id DESC LIMIT 1",
                               (kind,) if kind else ()).fetchall()  # fmt: skip
        if not rows:
            raise no_runs_error()
        return rows[0][0]

    def metrics(self, run_id: str) -> list[Metric]:
        rows = self.db.execute(
            "SELECT engine, scope, name, value, better, samples FROM metrics WHERE run_id = ?",
            (run_id,),
        )
        return [Metric(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]

    def environments(self, run_id: str) -> dict[str, dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM environments WHERE run_id = ?", (run_id,))
        return {r["engine"]: dict(r) for r in rows}

    def trend(self, name: str, engine: str | None, scope: str = "overall",
              workload: str | None = None) -> list[tuple[str, str, float]]:  # fmt: skip
        """(run_id, engine, value) of one metric across runs, oldest first."""
        sql = ("SELECT m.run_id, m.engine, m.value FROM metrics m JOIN runs r USING (run_id) "
               "WHERE m.name = ? AND m.scope = ?")  # fmt: skip
        args: list[Any] = [name, scope]
        if engine:
            sql += " AND m.engine = ?"
            args.append(engine)
        if workload:
            sql += " AND r.workload = ?"
            args.append(workload)
        sql += " ORDER BY r.started_at, r.run_id"
        return [(r[0], r[1], r[2]) for r in self.db.execute(sql, args)]

    def set_baseline(self, name: str, run_id: str) -> None:
        self.run(run_id)
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO baselines VALUES (?, ?, ?)", (name, run_id, _now())
            )

    def baseline(self, name: str) -> str | None:
        row = self.db.execute("SELECT run_id FROM baselines WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def baselines(self) -> dict[str, str]:
        return {r[0]: r[1] for r in self.db.execute("SELECT name, run_id FROM baselines")}


def _started(data: RunData) -> str | None:
    """run.json's start, else the timestamp in the run id (bench-20261130-172519-41b0): runs
    sort by it, so one without a start must not sort first."""
    if data.run.get("started_at"):
        return str(data.run["started_at"])
    found = re.search(r"(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})", data.run_id)
    return "{}-{}-{}T{}:{}:{}".format(*found.groups()) if found else None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def _mtime(path: Path) -> float:
    """Newest modification among the folder's files: a run still writing re-imports."""
    times = [path.stat().st_mtime] + [p.stat().st_mtime for p in path.iterdir() if p.is_file()]
    return max(times)


def no_runs_error() -> ArenaError:
    return ArenaError(
        "No runs recorded in this project yet.", "Run `arena load` or `arena bench` first."
    )


def open_store(state_dir: Path) -> tuple[ResultsStore, SyncResult]:
    """The project's store, brought up to date with its run folders. A project that has
    neither a store nor a run folder gets the "no runs" error, and no empty store."""
    runs = state_dir / "results"
    if not (state_dir / "results.db").exists() and not (runs.is_dir() and any(runs.iterdir())):
        raise no_runs_error()
    state_dir.mkdir(parents=True, exist_ok=True)
    store = ResultsStore(state_dir / "results.db")
    try:
        synced = store.sync(state_dir / "results")
    except BaseException:
        store.close()
        raise
    return store, synced
