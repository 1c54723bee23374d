"""Recommendations derived from one load run's numbers. Each says what to do and carries the
number it comes from, so a reader can check it against the tables above it."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from arena.history.compare import compare_metric
from arena.history.folder import Metric, RunData

TAIL_RATIO = 10  # p99 this many times p50: the tail, not the median, is the story
ERROR_SHARE = 0.01  # more than 1 % of operations failed
UNSTABLE_CV = 0.20  # per-second throughput varying more than 20 % of its mean


@dataclass(frozen=True, slots=True)
class Advice:
    engine: str
    text: str
    source: str  # the number it comes from


def ms(us: float | None) -> str:
    return "-" if us is None else f"{us / 1000:,.3f} ms"


def _overall(data: RunData, engine: str, name: str) -> Metric | None:
    for m in data.metrics:
        if m.engine == engine and m.scope == "overall" and m.name == name:
            return m
    return None


def advise(data: RunData) -> list[Advice]:
    out: list[Advice] = []
    engines = [e for e in data.engine_order if e in data.engines]
    instances = data.recording.get("instances") or {}
    for engine in data.client_bound:
        res = (instances.get(engine) or {}).get("resources") or {}
        out.append(Advice(engine, f"{engine} was client-bound: its numbers measure arena's load "
                          "generator, not the engine. Add --workers (one per core) or fewer "
                          "--users before comparing it.",
                          f"load generator busy above 90% in {res.get('client_hot_share', 0):.0%} "
                          "of the seconds"))  # fmt: skip
    tps = {e: m for e in engines if (m := _overall(data, e, "ops_per_s")) is not None}
    if len(tps) > 1:
        best = max(tps.values(), key=lambda m: m.value)
        for engine, m in tps.items():
            if engine == best.engine or not best.value:
                continue
            change = compare_metric(best, m, 0.0)
            ratio = m.value / best.value
            if change.verdict == "within noise":
                out.append(Advice(engine, f"{engine} and {best.engine} are within noise of each "
                                  "other on throughput: do not pick between them on this run.",
                                  f"ops/s {m.value:,.0f} vs {best.value:,.0f}"))  # fmt: skip
            else:
                out.append(Advice(engine, f"{engine} reached {ratio:.2f}x the throughput of "
                                  f"{best.engine}; for this workload prefer {best.engine} or "
                                  f"find what limits {engine} (see the per-operation bars).",
                                  f"ops/s {m.value:,.0f} vs {best.value:,.0f}"))  # fmt: skip
    for engine in engines:
        summary = data.engines[engine]
        status = summary.get("status") or "?"
        if status not in ("ok", "done"):
            elapsed = (data.run.get("engines") or {}).get(engine, {}).get("elapsed_s")
            out.append(Advice(engine, f"{engine} ended '{status}': its numbers cover only the "
                              "time it ran; rerun before drawing conclusions.",
                              f"status {status}, elapsed {elapsed} s"))  # fmt: skip
        p50, p99 = _overall(data, engine, "p50_us"), _overall(data, engine, "p99_us")
        if p50 and p99 and p50.value > 0 and p99.value / p50.value >= TAIL_RATIO:
            out.append(Advice(engine, f"{engine} p99 is {p99.value / p50.value:.0f}x its p50: "
                              "a slow tail, not a slow median. Look at lock waits, checkpoints "
                              "or fsync, and the slowest operation below.",
                              f"p99 {ms(p99.value)}, p50 {ms(p50.value)}"))  # fmt: skip
        count = (summary.get("overall") or {}).get("count") or 0
        errors = summary.get("error_count") or 0
        if count and errors / (count + errors) > ERROR_SHARE:
            kinds = summary.get("errors") or {}
            top = max(kinds, key=kinds.get) if kinds else "unknown"
            out.append(Advice(engine, f"{engine} failed {errors / (count + errors):.1%} of "
                              f"operations, mostly '{top}': its throughput counts only the "
                              "successes; fix the errors first.",
                              f"errors {errors:,} of {count + errors:,}"))  # fmt: skip
        series = data.series.get(engine) or []
        steady = [r["tps"] for r in (series[1:-1] if len(series) > 3 else series) if "tps" in r]
        if len(steady) >= 3 and statistics.mean(steady) > 0:
            cv = statistics.stdev(steady) / statistics.mean(steady)
            if cv > UNSTABLE_CV:
                out.append(Advice(engine, f"{engine} throughput swung by {cv:.0%} second to "
                                  "second: run longer or look at the throughput chart for "
                                  "stalls before trusting the mean.",
                                  f"per-second ops/s {min(steady):,.0f}..{max(steady):,.0f}"))  # fmt: skip
        ops = summary.get("operations") or {}
        if len(ops) > 1:
            slowest = max(ops, key=lambda op: ops[op].get("p99_us") or 0)
            out.append(Advice(engine, f"on {engine}, '{slowest}' has the slowest p99: tune it "
                              "first (index, plan, or the transaction around it).",
                              f"p99 {ms(ops[slowest].get('p99_us'))}"))  # fmt: skip
    return out
