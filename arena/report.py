"""`arena report`: the results of a load run, engines side by side, read back from its run
folder (.arena/results/<run-id>/). Works on interrupted runs too: when summary.json was never
written, each engine's last metrics file (rewritten every few seconds during the run) serves.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from arena.errors import ArenaError, UnknownNameError
from arena.state import ProjectState

SIDE_BY_SIDE_HEADERS = (
    "engine", "version", "runtime", "status", "ops", "ops/s",
    "p50 ms", "p95 ms", "p99 ms", "p99.9 ms", "max ms", "errors", "driver",
)  # fmt: skip
PERCENTILES = ("p50_us", "p95_us", "p99_us", "p99_9_us", "max_us")


def runs(state: ProjectState) -> list[Path]:
    """Run folders, oldest first: by the timestamp after the kind (load-20261130-193649-3f48)."""
    folder = state.dir / "results"
    if not folder.is_dir():
        return []
    found = [
        p for p in folder.iterdir() if (p / "run.json").exists() or (p / "recording.json").exists()
    ]
    return sorted(found, key=lambda p: (p.name.partition("-")[2], p.name))


def find_run(state: ProjectState, run_id: str | None) -> Path:
    found = runs(state)
    if not found:
        raise ArenaError(
            "No runs in this project yet.", "Run `arena load`, `arena bench` or `arena seed` first."
        )
    if run_id is None:
        return found[-1]
    by_id = {p.name: p for p in found}
    if run_id not in by_id:
        recent = ", ".join(p.name for p in reversed(found[-5:]))
        raise UnknownNameError(
            "run", run_id, by_id, f"Recent runs: {recent}; `arena report --list` shows all."
        )
    return by_id[run_id]


def recording_of(path: Path) -> dict[str, Any]:
    """The recorder's recording.json of a run folder ({} when it has none or it is cut)."""
    try:
        data = json.loads((path / "recording.json").read_text())
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def kind_of(path: Path) -> str:
    rec = recording_of(path)
    if rec.get("kind"):
        return str(rec["kind"])
    try:
        run = json.loads((path / "run.json").read_text())
    except (OSError, UnicodeDecodeError, ValueError):
        return "load"
    return str(run.get("kind") or "load") if isinstance(run, dict) else "load"


class CorruptRunError(ArenaError):
    """A run folder whose run.json or summary.json cannot be read. The folder is left as it
    is: whatever else it holds (per-engine metrics, CSV) stays available."""


def _corrupt(folder: Path, message: str) -> CorruptRunError:
    return CorruptRunError(
        message,
        f"The folder {folder} is left as it is; `arena report --list` shows the runs that "
        "can be read.",
    )


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        why = "it is empty" if _is_empty(path) else " ".join(str(exc).split())
        raise _corrupt(
            path.parent, f"Cannot read {path.name} of run {path.parent.name}: {why}."
        ) from exc
    if not isinstance(data, dict):
        raise _corrupt(
            path.parent,
            f"Cannot read {path.name} of run {path.parent.name}: expected a JSON object, "
            f"found {type(data).__name__}.",
        )
    return data


def _is_empty(path: Path) -> bool:
    try:
        return not path.read_bytes().strip()
    except OSError:
        return False


def read_run(path: Path) -> dict[str, Any]:
    """{"run": run.json, "engines": {engine: summary}} for one run folder."""
    run = _read_json(path / "run.json")
    summary_file = path / "summary.json"
    if summary_file.exists():
        engines = _read_json(summary_file)
    else:  # interrupted or crashed before the end: the last per-engine snapshots
        engines = {}
        for name in run.get("engines") or {}:
            metrics = path / f"{name}.json"
            if not metrics.exists():
                continue
            try:
                data = _read_json(metrics)
            except CorruptRunError:  # cut short by the crash: say so, show the other engines
                engines[name] = {"status": f"unreadable {metrics.name}"}
                continue
            engines[name] = {"status": data.get("status", ""), **data.get("summary", {})}
    if not all(isinstance(e, dict) for e in engines.values()) or not isinstance(
        run.get("engines") or {}, dict
    ):
        raise _corrupt(path, f"Run {path.name} has per-engine results arena cannot read.")
    return {"run": run, "engines": engines}


def rows_for(
    path: Path, data: dict[str, Any], *, operations: bool = False, raw: bool = False
) -> tuple[list[str], list[tuple]]:
    """(headers, rows) of one run: per operation, or per engine (raw numbers for CSV). A run
    file edited by hand can hold a number where a table is expected: one line, not a crash."""
    try:
        if operations:
            return by_operation(data)
        if raw:
            return list(RAW_HEADERS), side_by_side(data, raw=True)
        return list(SIDE_BY_SIDE_HEADERS), side_by_side(data)
    except (AttributeError, TypeError, ValueError, KeyError) as exc:
        raise CorruptRunError(
            f"Run {path.name} holds values arena cannot show ({type(exc).__name__}: {exc}).",
            f"The folder {path} is left as it is; `arena report --json` prints it raw.",
        ) from exc


def readable_runs(state: ProjectState) -> tuple[list[Path], list[tuple[Path, CorruptRunError]]]:
    """(run folders that read back, [(folder, why) for those that do not])."""
    good, bad = [], []
    for path in runs(state):
        try:
            read_run(path)
        except CorruptRunError as exc:
            bad.append((path, exc))
        else:
            good.append(path)
    return good, bad


def ms(us: float | None) -> str:
    return "-" if us is None else f"{us / 1000:.3f}"


RAW_HEADERS = (
    "engine", "version", "runtime", "status", "ops", "ops_per_s",
    "p50_us", "p95_us", "p99_us", "p99_9_us", "max_us", "errors", "driver",
)  # fmt: skip


def side_by_side(report: dict[str, Any], raw: bool = False) -> list[tuple]:
    """One row per engine, in the order they ran; `raw` keeps plain numbers (µs) for CSV."""
    run, engines = report["run"], report["engines"]
    order = run.get("engine_order") or sorted(engines)
    rows = []
    for name in order:
        meta = run.get("engines", {}).get(name, {})
        summary = engines.get(name, {})
        overall = summary.get("overall", {})
        status = summary.get("status") or meta.get("status", "missing")
        count, tps = overall.get("count", 0), summary.get("throughput_per_s", 0)
        if raw:
            numbers = (count, tps, *(overall.get(k) for k in PERCENTILES))
        else:
            numbers = (f"{count:,}", f"{tps:,.0f}", *(ms(overall.get(k)) for k in PERCENTILES))
        rows.append(
            (name, meta.get("version", ""), meta.get("runtime", ""), status, *numbers,
             summary.get("error_count", 0), driver_of(summary, meta))
        )  # fmt: skip
    return rows


def driver_of(summary: dict[str, Any], meta: dict[str, Any]) -> str:
    """The load driver and its version ("mariadb 1.1.14 (Connector/C 3.3.20)")."""
    source = summary if summary.get("driver") else meta
    return f"{source.get('driver', '')} {source.get('driver_version', '')}".strip()


def by_operation(report: dict[str, Any]) -> tuple[list[str], list[tuple[str, ...]]]:
    """One row per operation: ops/s and p99 of each engine next to each other."""
    engines = report["engines"]
    names = report["run"].get("engine_order") or sorted(engines)
    operations = sorted({op for e in engines.values() for op in e.get("operations", {})})
    headers = ["operation"]
    for name in names:
        headers += [f"{name} ops/s", f"{name} p50 ms", f"{name} p99 ms"]
    rows = []
    for op in operations:
        row = [op]
        for name in names:
            stats = engines.get(name, {}).get("operations", {}).get(op)
            if stats is None:
                row += ["-", "-", "-"]
            else:
                row += [
                    f"{stats.get('throughput_per_s', 0):,.0f}",
                    ms(stats.get("p50_us")),
                    ms(stats.get("p99_us")),
                ]
        rows.append(tuple(row))
    return headers, rows
