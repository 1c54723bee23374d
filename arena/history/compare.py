"""Compare a run with a baseline, per engine and metric: the change, its confidence, and a
verdict. A change is a regression only when it is worse by more than BOTH the threshold and the
run-to-run noise. Noise comes from the runs' own repeats (bench samples, a load's per-second
values: the standard error of their mean) and, when the store holds earlier runs of the same
workload, from the spread of the metric across them, whichever is larger. Without any noise
measure a change is reported but never called a regression: arena cannot tell it from luck.

The confidence is the two-sided normal probability that the difference is not noise,
erf(|z| / sqrt 2) with z = difference / combined noise; NOISE_Z = 2 is about 95 %."""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass

from arena.history.folder import Metric

NOISE_Z = 2.0


@dataclass(slots=True)
class Change:
    engine: str
    scope: str
    metric: str
    base: float
    new: float
    change_pct: float | None  # (new - base) / base, signed, in %
    noise_pct: float | None  # one standard error of the difference, in % of base
    confidence: float | None  # 0..1 that the difference is not noise
    better: str
    verdict: str  # regression | improvement | within noise | within threshold | unmeasured noise

    def as_dict(self) -> dict:
        return asdict(self)


def standard_error(samples: list[float]) -> float | None:
    if len(samples) < 2:
        return None
    return statistics.stdev(samples) / math.sqrt(len(samples))


def history_noise(values: list[float]) -> float | None:
    """Run-to-run standard deviation of a metric across earlier runs (needs three)."""
    return statistics.stdev(values) if len(values) >= 3 else None


def compare_metric(
    base: Metric,
    new: Metric,
    threshold_pct: float,
    history: list[float] | None = None,
) -> Change:
    change_pct = (new.value - base.value) / base.value * 100 if base.value else None
    parts = [se for se in (standard_error(base.samples), standard_error(new.samples)) if se]
    repeat_noise = math.sqrt(sum(se * se for se in parts)) if parts else None
    # a run-to-run spread applies to each side of the difference
    run_noise = history_noise(history or [])
    run_noise = run_noise * math.sqrt(2) if run_noise is not None else None
    known = [n for n in (repeat_noise, run_noise) if n is not None]
    noise = max(known) if known else None
    diff = new.value - base.value
    confidence = None
    if noise:
        confidence = math.erf(abs(diff) / noise / math.sqrt(2))
    elif noise == 0.0:
        confidence = 1.0 if diff else 0.0
    noise_pct = noise / abs(base.value) * 100 if noise is not None and base.value else None
    worse = diff < 0 if base.better == "higher" else diff > 0
    if change_pct is None or abs(change_pct) <= threshold_pct:
        verdict = "within threshold"
    elif noise is None:
        verdict = "unmeasured noise"
    elif abs(diff) <= NOISE_Z * noise:
        verdict = "within noise"
    else:
        verdict = "regression" if worse else "improvement"
    return Change(base.engine, base.scope, base.name, base.value, new.value, change_pct,
                  noise_pct, confidence, base.better, verdict)  # fmt: skip


def compare_runs(
    base: list[Metric],
    new: list[Metric],
    threshold_pct: float,
    history: dict[tuple[str, str, str], list[float]] | None = None,
) -> list[Change]:
    """Every metric both runs have, keyed (engine, scope, name)."""
    by_key = {(m.engine, m.scope, m.name): m for m in base}
    changes = []
    for m in new:
        key = (m.engine, m.scope, m.name)
        if key in by_key:
            hist = (history or {}).get(key)
            changes.append(compare_metric(by_key[key], m, threshold_pct, hist))
    return changes


def regressions(changes: list[Change]) -> list[Change]:
    return [c for c in changes if c.verdict == "regression"]


def parse_threshold(text: str) -> float:
    """'5%', '5' or '0.05' -> 5.0 (percent)."""
    from arena.errors import ArenaError

    raw = text.strip().rstrip("%")
    try:
        value = float(raw)
    except ValueError:
        raise ArenaError(f"Invalid threshold '{text}'.", "Valid: 5%, 2.5%, 10 (percent).") from None
    if not text.strip().endswith("%") and 0 < value < 1:
        value *= 100
    if value < 0:
        raise ArenaError(f"Invalid threshold '{text}'.", "Valid: 5%, 2.5%, 10 (percent).")
    return value
