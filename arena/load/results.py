"""The run folder, written WHILE the run goes: .arena/results/<run-id>/

- run.json            config, engines (version, runtime, limits, driver), seed, status; rewritten
                      as each engine starts and ends
- <engine>.json       metrics so far: summaries per operation and overall, errors by type,
                      encoded HdrHistograms (mergeable, exact); rewritten every few seconds
- <engine>.csv        one row per second: elapsed, users, ops, errors, tps, p50/p95/p99 (µs)
- summary.json        the side-by-side numbers, at the end

Every JSON write goes to a temporary file renamed over the old one, so a crash or Ctrl-C
leaves the last complete version, never half a file.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arena.load.metrics import Interval, summarize
from arena.run_folder import new_run_id, write_json
from arena.state import ProjectState

CSV_HEADER = (
    "elapsed_s", "users", "ops", "errors", "tps", "p50_us", "p95_us", "p99_us", "max_us",
    "lag_p99_us",
)  # fmt: skip


@dataclass
class EngineOutcome:
    """How one engine's load ended, with its summary (what summary.json holds for it)."""

    engine: str
    status: str  # "ok" | "died" | "failed" | "interrupted" | "not run"
    message: str = ""
    elapsed: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)


class RunFolder:
    def __init__(self, state: ProjectState, run_id: str | None = None) -> None:
        self.run_id = run_id or new_run_id("load")
        self.path = state.ensure_dir("results", self.run_id)
        self.run: dict[str, Any] = {"run_id": self.run_id, "status": "running", "engines": {}}

    def write_run(self, **fields: Any) -> None:
        self.run.update(fields)
        write_json(self.path / "run.json", self.run)

    def engine_update(self, engine: str, **fields: Any) -> None:
        self.run["engines"].setdefault(engine, {}).update(fields)
        write_json(self.path / "run.json", self.run)

    def series(self, engine: str) -> SeriesWriter:
        return SeriesWriter(self.path / f"{engine}.csv")

    def write_metrics(self, engine: str, data: dict[str, Any]) -> None:
        write_json(self.path / f"{engine}.json", data)

    def write_summary(self, data: Any) -> None:
        write_json(self.path / "summary.json", data)


class SeriesWriter:
    """Per-second CSV, flushed row by row."""

    def __init__(self, path: Path) -> None:
        self.file = path.open("w", newline="")
        self.writer = csv.writer(self.file)
        self.writer.writerow(CSV_HEADER)
        self.file.flush()

    def row(self, elapsed: float, interval: Interval, seconds: float) -> None:
        overall = summarize(interval.overall())
        lag = summarize(interval.lag)
        count = overall.get("count", 0)
        self.writer.writerow(
            (
                round(elapsed, 3), interval.users, count, interval.error_count,
                round(count / seconds, 1) if seconds > 0 else 0,
                overall.get("p50_us", ""), overall.get("p95_us", ""), overall.get("p99_us", ""),
                overall.get("max_us", ""), lag.get("p99_us", ""),
            )
        )  # fmt: skip
        self.file.flush()

    def close(self) -> None:
        self.file.close()
