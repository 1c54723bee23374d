"""Read a run folder (.arena/results/<run-id>/) written by `arena load` or `arena bench` into
one neutral shape, the same for the store and the HTML report. A folder that cannot be read
raises CorruptRunFolder naming the file and the reason, so callers skip it and say which."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arena.errors import ArenaError
from arena.report import CorruptRunError, read_run

# (metric name, summary key, which way is better). Latencies are kept in µs as written.
LOAD_METRICS = (
    ("ops_per_s", "throughput_per_s", "higher"),
    ("p50_us", "p50_us", "lower"),
    ("p95_us", "p95_us", "lower"),
    ("p99_us", "p99_us", "lower"),
    ("p99_9_us", "p99_9_us", "lower"),
    ("max_us", "max_us", "lower"),
)
# per-second CSV column that gives a within-run sample of each metric (its noise)
SERIES_COLUMN = {"ops_per_s": "tps", "p50_us": "p50_us", "p95_us": "p95_us", "p99_us": "p99_us"}


class CorruptRunFolder(ArenaError):
    """A run folder whose files cannot be read: skipped, and named."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"Run folder {path.name} is corrupt ({reason}); skipped.",
            f"Fix or remove {path}; the other runs are unaffected.",
        )
        self.path = path
        self.reason = reason


@dataclass(slots=True)
class Metric:
    engine: str
    scope: str  # "overall", "op:<operation>" or a bench case "category/case@scale"
    name: str
    value: float
    better: str  # "higher" or "lower"
    samples: list[float] = field(default_factory=list)  # repeats or per-second values


@dataclass(slots=True)
class RunData:
    run_id: str
    kind: str  # "load" or "bench"
    path: Path
    run: dict[str, Any]
    engines: dict[str, dict[str, Any]]  # engine -> summary (load) or {} (bench)
    metrics: list[Metric]
    series: dict[str, list[dict[str, float]]]  # engine -> per-second rows (load)
    histograms: dict[str, dict[str, Any]]  # engine -> {"overall": enc, "operations": {..}}
    recording: dict[str, Any] = field(default_factory=dict)  # recording.json (the recorder)
    resources: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # resources.jsonl

    @property
    def status(self) -> str:
        """run.json's status, else the recorder's; "running" with its process gone: crashed."""
        status = self.recording.get("status") or self.run.get("status") or "unknown"
        if self.run.get("status") in ("interrupted", "failed") and status == "done":
            status = self.run["status"]
        if status == "running" and self.recording.get("pid"):
            from arena.history.store import pid_alive

            if not pid_alive(self.recording["pid"]):
                return "crashed"
        return status

    @property
    def client_bound(self) -> list[str]:
        return list(self.recording.get("client_bound") or [])

    @property
    def engine_order(self) -> list[str]:
        order = self.run.get("engine_order") or list(self.run.get("engines") or {})
        order = order or list(self.recording.get("instances") or {})
        return list(order) or sorted(self.engines)

    def workload(self) -> str:
        """What was run, beyond the engines: runs to compare must share it."""
        if self.kind not in ("bench", "load"):
            return str(self.recording.get("workload") or self.kind)
        if self.kind == "bench":
            return f"bench {self.run.get('subject', '?')}"
        config = self.run.get("config") or {}
        return f"load {(config.get('mix') or {}).get('name', '?')}"


def _json(path: Path, folder: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptRunFolder(folder, f"{path.name}: {' '.join(str(exc).split())}") from exc


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


def read_series(path: Path, folder: Path) -> list[dict[str, float]]:
    if not path.exists():
        return []
    try:
        with path.open(newline="") as f:
            rows = list(csv.DictReader(f))
    except (OSError, csv.Error, UnicodeDecodeError) as exc:
        raise CorruptRunFolder(folder, f"{path.name}: {exc}") from exc
    out = []
    for row in rows:
        parsed = {k: _number(v) for k, v in row.items() if k}
        if parsed.get("elapsed_s") is None:
            raise CorruptRunFolder(folder, f"{path.name}: a row without elapsed_s")
        out.append({k: v for k, v in parsed.items() if v is not None})
    return out


def _steady(series: list[dict[str, float]]) -> list[dict[str, float]]:
    # The first and last second are partial (ramp-up, stop): they would inflate the noise.
    return series[1:-1] if len(series) > 3 else series


def read_folder(path: Path) -> RunData:
    run_file, rec_file = path / "run.json", path / "recording.json"
    if not run_file.exists() and not rec_file.exists():
        raise CorruptRunFolder(path, "no run.json")
    run = _json(run_file, path) if run_file.exists() else {}
    recording = _json(rec_file, path) if rec_file.exists() else {}
    if not isinstance(run, dict) or not isinstance(recording, dict):
        raise CorruptRunFolder(path, "run.json is not an object")
    kind = recording.get("kind") or run.get("kind") or "load"
    if kind == "bench":
        data = _read_bench(path, run)
    elif kind == "load":
        data = _read_load(path, run)
    else:
        data = _read_recorded(path, run, recording, kind)
    data.recording = recording
    data.metrics += _recorded_metrics(path)
    from arena.history.resources import read_samples

    data.resources = read_samples(path / "resources.jsonl")
    return data


def _recorded_metrics(path: Path) -> list[Metric]:
    """metrics.json: what a command recorded through rec.metric()."""
    file = path / "metrics.json"
    rows = _json(file, path) if file.exists() else []
    if not isinstance(rows, list):
        raise CorruptRunFolder(path, "metrics.json is not a list")
    try:
        return [Metric(r["instance"], r["scope"], r["name"], float(r["value"]), r["better"],
                       [float(v) for v in r.get("samples") or []]) for r in rows]  # fmt: skip
    except (KeyError, TypeError, ValueError) as exc:
        raise CorruptRunFolder(path, f"metrics.json: {type(exc).__name__}: {exc}") from exc


def _read_recorded(path: Path, run: dict[str, Any], recording: dict[str, Any],
                   kind: str) -> RunData:  # fmt: skip
    """A seed or `arena run` suite: its numbers are in metrics.json; per-second CSVs, when the
    suite wrote <instance>.csv like a load, are read as a load's series."""
    names = list(recording.get("instances") or {})
    engines = {n: dict(recording["instances"][n]) for n in names}
    series = {n: read_series(path / f"{n}.csv", path) for n in names}
    hists = {n: {"overall": (h or {}).get("overall"), "operations": {},
                 "scopes": {s: e for s, e in (h or {}).items() if s != "overall"}}
             for n, h in (recording.get("histograms") or {}).items()}  # fmt: skip
    return RunData(recording.get("run_id") or path.name, kind, path, run, engines, [],
                   series, hists)  # fmt: skip


def _read_load(path: Path, run: dict[str, Any]) -> RunData:
    # The per-engine results as `arena report` reads them (summary.json, or each engine's
    # last snapshot when the run was cut short), plus the histograms and series.
    try:
        engines = read_run(path)["engines"]
    except CorruptRunError as exc:
        raise CorruptRunFolder(path, exc.message) from exc
    names = list(run.get("engines") or {})
    histograms: dict[str, dict[str, Any]] = {}
    for name in names:
        metrics_file = path / f"{name}.json"
        data = _json(metrics_file, path) if metrics_file.exists() else {}
        histograms[name] = data.get("histograms") or {}
    series = {name: read_series(path / f"{name}.csv", path) for name in names}
    metrics: list[Metric] = []
    for name, result in engines.items():
        overall = {
            **(result.get("overall") or {}),
            "throughput_per_s": result.get("throughput_per_s"),
        }
        steady = _steady(series.get(name, []))
        for metric, key, better in LOAD_METRICS:
            if overall.get(key) is None:
                continue
            column = SERIES_COLUMN.get(metric)
            samples = [r[column] for r in steady if column and column in r]
            metrics.append(Metric(name, "overall", metric, float(overall[key]), better, samples))
        metrics.append(
            Metric(name, "overall", "error_count", float(result.get("error_count") or 0), "lower")
        )
        for op, stats in (result.get("operations") or {}).items():
            for metric, key, better in LOAD_METRICS:
                if stats.get(key) is not None:
                    metrics.append(Metric(name, f"op:{op}", metric, float(stats[key]), better))
    return RunData(run.get("run_id") or path.name, "load", path, run, engines, metrics, series,
                   histograms)  # fmt: skip


def _read_bench(path: Path, run: dict[str, Any]) -> RunData:
    bench_file = path / "bench.json"
    rows = _json(bench_file, path) if bench_file.exists() else []
    if not isinstance(rows, list):
        raise CorruptRunFolder(path, "bench.json is not a list")
    metrics = []
    for row in rows:
        summary = row.get("summary") or {}
        if row.get("na") or row.get("error") or summary.get("median") is None:
            continue
        scope = f"{row['category']}/{row['case']}@{row.get('scale') or ''}"
        samples = [float(s) for s in row.get("samples_s") or []]
        metrics.append(
            Metric(row["engine"], scope, "median_s", float(summary["median"]), "lower", samples)
        )
    engines = {name: {} for name in (run.get("engines") or {})}
    for m in metrics:
        engines.setdefault(m.engine, {})
    return RunData(run.get("run_id") or path.name, "bench", path, run, engines, metrics, {}, {})
