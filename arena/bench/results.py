"""The bench run folder, like `arena load`'s: .arena/results/<run-id>/ with run.json (config,
engines, status), bench.json (every measurement with its samples) and bench.csv (one row per
case and engine). Written after each category, through a rename, so an interrupted run keeps
what it measured."""

from __future__ import annotations

import csv
import json
import os
from typing import Any

from arena.run_folder import new_run_id, write_json
from arena.state import ProjectState

CSV_HEADER = (
    "category", "case", "scale", "engine", "median_s", "ci_low_s", "ci_high_s", "min_s",
    "max_s", "stddev_s", "repeats", "ratio_to_fastest", "within_noise", "na", "error",
    "counters",
)  # fmt: skip


class BenchFolder:
    def __init__(self, state: ProjectState, run_id: str | None = None) -> None:
        self.run_id = run_id or new_run_id("bench")
        self.path = state.ensure_dir("results", self.run_id)
        self.run: dict[str, Any] = {"run_id": self.run_id, "kind": "bench", "status": "running"}

    def write_run(self, **fields: Any) -> None:
        self.run.update(fields)
        write_json(self.path / "run.json", self.run)

    def write_results(self, rows: list[dict[str, Any]]) -> None:
        write_json(self.path / "bench.json", rows)
        tmp = self.path / "bench.csv.tmp"
        with tmp.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(CSV_HEADER)
            for row in rows:
                s = row.get("summary") or {}
                cmp = row.get("comparison") or {}
                writer.writerow([
                    row["category"], row["case"], row["scale"] or "", row["engine"],
                    s.get("median"), s.get("ci_low"), s.get("ci_high"), s.get("min"),
                    s.get("max"), s.get("stddev"), s.get("n"), cmp.get("ratio"),
                    cmp.get("within_noise"), row.get("na") or "", row.get("error") or "",
                    json.dumps(row.get("counters") or {}, default=str, sort_keys=True),
                ])  # fmt: skip
        os.replace(tmp, self.path / "bench.csv")
