"""What the history commands show, as plain data: resolving runs and baselines, the checks
before a comparison, trends with their change points. The click code in arena/cli/history.py
only parses and prints, so `arena report --list/--trend/--html` can call the same functions."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from arena.errors import ArenaError, UnknownNameError
from arena.history.changepoint import ChangePoint, e_divisive
from arena.history.compare import Change, compare_runs
from arena.history.store import ResultsStore, SyncResult

SPARKS = "▁▂▃▄▅▆▇█"
DEFAULT_BASELINE = "main"


def resolve_run(store: ResultsStore, synced: SyncResult, run_id: str | None,
                kind: str | None = None) -> str:  # fmt: skip
    """A run id the store holds; a corrupt folder of that name is named, not 'unknown'."""
    if run_id is None:
        return store.latest(kind)
    for skipped in synced.skipped:
        if skipped.path.name == run_id:
            raise skipped
    store.run(run_id)
    return run_id


def resolve_base(store: ResultsStore, synced: SyncResult, base: str | None) -> tuple[str, str]:
    """(label, run id) of BASE: a baseline name, else a run id; default the 'main' baseline."""
    name = base or DEFAULT_BASELINE
    found = store.baseline(name)
    if found:
        return f"baseline '{name}' ({found})", found
    if base is None:
        store.latest()  # no runs at all says so first
        raise ArenaError(
            f"No baseline '{name}' set.", "Set one with `arena baseline set [RUN] --name main`."
        )
    try:
        return f"run {base}", resolve_run(store, synced, base)
    except UnknownNameError as exc:
        recent = list(reversed(store.run_ids()[-5:]))
        raise UnknownNameError(
            "baseline or run", base, [*store.baselines(), *recent],
            f"Baselines: {', '.join(store.baselines()) or 'none'}; recent runs: "
            f"{', '.join(recent)}.",
        ) from exc  # fmt: skip


def check_comparable(store: ResultsStore, base_id: str, run_id: str) -> None:
    """Refuse, saying what differs, when the two runs did not run the same thing."""
    base, run = store.run(base_id), store.run(run_id)
    diffs = [
        f"{label} {base[col]} vs {run[col]}"
        for col, label in (("kind", "kind"), ("workload", "workload"), ("engines", "engines"))
        if base[col] != run[col]
    ]
    schemas = (store.environments(base_id), store.environments(run_id))
    for name in sorted(set(schemas[0]) & set(schemas[1])):
        a, b = schemas[0][name].get("schema"), schemas[1][name].get("schema")
        if a and b and a != b:
            diffs.append(f"schema on {name} {a} vs {b}")
    if diffs:
        raise ArenaError(
            f"Cannot compare {run_id} with {base_id}: {'; '.join(diffs)}.",
            "Compare runs of the same workload on the same engines, or set a baseline for "
            "this one with `arena baseline set`.",
        )


def config_differences(store: ResultsStore, base_id: str, run_id: str) -> list[str]:
    """Settings that differ but do not forbid the comparison (users, think time...)."""
    a = json.loads(store.run(base_id)["config"])
    b = json.loads(store.run(run_id)["config"])
    keys = sorted(k for k in set(a) | set(b) if k not in ("mix", "stages") and a.get(k) != b.get(k))
    return [f"{k} {a.get(k)} -> {b.get(k)}" for k in keys]


def noise_history(store: ResultsStore, base_id: str, run_id: str) -> dict:
    """Earlier values of every metric, from runs of the same workload before RUN."""
    row = store.run(run_id)
    rows = store.db.execute(
        "SELECT m.engine, m.scope, m.name, m.value FROM metrics m JOIN runs r USING (run_id) "
        "WHERE r.workload = ? AND r.engines = ? AND r.run_id != ? "
        "AND (r.started_at < ? OR r.run_id = ?) ORDER BY r.started_at",
        (row["workload"], row["engines"], run_id, row["started_at"], base_id),
    )
    history: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for engine, scope, name, value in rows:
        history[(engine, scope, name)].append(value)
    return history


def compare(store: ResultsStore, base_id: str, run_id: str, threshold_pct: float) -> list[Change]:
    check_comparable(store, base_id, run_id)
    return compare_runs(store.metrics(base_id), store.metrics(run_id), threshold_pct,
                        noise_history(store, base_id, run_id))  # fmt: skip


def shown(changes: list[Change]) -> list[Change]:
    """Every overall metric, plus any per-operation or per-case change beyond the noise."""
    return [c for c in changes
            if c.scope == "overall" or c.verdict in ("regression", "improvement")]  # fmt: skip


def sparkline(values: list[float]) -> str:
    if not values:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    return "".join(SPARKS[int((v - low) / span * (len(SPARKS) - 1))] for v in values)


@dataclass(slots=True)
class Trend:
    engine: str
    runs: list[str]
    values: list[float]
    changes: list[ChangePoint]


def trends(
    store: ResultsStore, metric: str, engine: str | None, scope: str = "overall"
) -> list[Trend]:
    known = [r[0] for r in store.db.execute("SELECT DISTINCT name FROM metrics")]
    if metric not in known:
        raise UnknownNameError("metric", metric, known or ["(none recorded yet)"])
    engines = [r[0] for r in store.db.execute("SELECT DISTINCT engine FROM metrics")]
    if engine and engine not in engines:
        raise UnknownNameError("engine in the history", engine, engines)
    by_engine: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for run_id, name, value in store.trend(metric, engine, scope):
        by_engine[name].append((run_id, value))
    out = []
    for name, points in by_engine.items():
        values = [v for _, v in points]
        out.append(Trend(name, [r for r, _ in points], values, e_divisive(values)))
    return out


def default_html_path(run_id: str) -> Path:
    return Path(f"{run_id}.html")
