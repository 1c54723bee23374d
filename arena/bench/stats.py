"""Numbers a user can trust: median with a 95% bootstrap confidence interval, min/max/stddev,
each engine's ratio to the fastest, and "within noise" when the intervals overlap.

The bootstrap resamples the repeats (with a fixed seed, so a report is reproducible) and
takes the 2.5th and 97.5th percentiles of the resampled medians. It assumes nothing about
the distribution, which matters for latencies (skewed, with outliers).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

RESAMPLES = 2000
CONFIDENCE = 0.95


@dataclass(frozen=True, slots=True)
class Summary:
    n: int
    median: float
    ci_low: float
    ci_high: float
    min: float
    max: float
    stddev: float

    def overlaps(self, other: Summary) -> bool:
        return self.ci_low <= other.ci_high and other.ci_low <= self.ci_high

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def summarize(samples: list[float], seed: int = 0) -> Summary:
    """Summary of repeated measurements (warmup already excluded)."""
    if not samples:
        raise ValueError("no samples")
    data = np.asarray(samples, dtype=float)
    median = float(np.median(data))
    if len(data) < 2:
        low = high = median
    else:
        rng = np.random.default_rng(seed)
        picks = rng.integers(0, len(data), size=(RESAMPLES, len(data)))
        medians = np.median(data[picks], axis=1)
        tail = (1 - CONFIDENCE) / 2 * 100
        low, high = (float(v) for v in np.percentile(medians, [tail, 100 - tail]))
    return Summary(
        n=len(data),
        median=median,
        ci_low=low,
        ci_high=high,
        min=float(data.min()),
        max=float(data.max()),
        stddev=float(data.std(ddof=1)) if len(data) > 1 else 0.0,
    )


@dataclass(frozen=True, slots=True)
class Comparison:
    ratio: float  # this engine's median / the fastest engine's median (1.0 for the fastest)
    fastest: bool
    within_noise: bool  # its interval overlaps the fastest one's: no difference shown


def compare(summaries: dict[str, Summary]) -> dict[str, Comparison]:
    """Each engine against the fastest (lowest median time)."""
    if not summaries:
        return {}
    best_name = min(summaries, key=lambda name: summaries[name].median)
    best = summaries[best_name]
    result = {}
    for name, summary in summaries.items():
        ratio = summary.median / best.median if best.median > 0 else float("inf")
        result[name] = Comparison(
            ratio=1.0 if name == best_name else ratio,
            fastest=name == best_name,
            within_noise=name != best_name and summary.overlaps(best),
        )
    return result
