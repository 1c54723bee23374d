"""Change points in a metric's history: E-divisive means with a permutation test.

The method: D. S. Matteson and N. A. James, "A Nonparametric Approach for Multiple Change Point
Analysis of Multivariate Data", JASA 109(505), 2014 (the `ecp` R package), as MongoDB applies it
to performance history in D. Daly et al., "The Use of Change Point Detection to Identify
Software Performance Regressions in a Continuous Integration System", ICPE 2020 (also the
basis of Apache Otava, formerly hunter). Segments are split hierarchically at the point that
maximises the energy-distance statistic Q; each split must be significant under a permutation
test (the same statistic over shuffles of the segment), so pure noise yields no change point.

Why not a library: MongoDB's `signal-processing-algorithms` 2.1.6 requires Python < 3.12,
numpy < 2 and gevent < 25 (arena has numpy 2 and Locust's gevent 26); `ruptures` installs, but
offers PELT/binary segmentation with a penalty to choose and no significance test. This module
is about 80 lines of numpy and deterministic (seeded permutations)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class ChangePoint:
    index: int  # the first run of the new level
    p_value: float
    mean_before: float
    mean_after: float

    @property
    def change_pct(self) -> float:
        return (self.mean_after - self.mean_before) / self.mean_before * 100


def _best_split(d: np.ndarray, min_size: int) -> tuple[int, float]:
    """(tau, Q) maximising Q(tau, kappa) over X = [0, tau) and Y = [tau, kappa), kappa <= n,
    for the distance matrix d of one segment (Matteson & James, section 2.2: searching kappa
    too finds a change whose new level does not last to the end of the segment)."""
    n = len(d)
    # 2-D prefix sums: any block sum of d in O(1)
    p = np.zeros((n + 1, n + 1))
    p[1:, 1:] = d.cumsum(0).cumsum(1)
    best_tau, best_q = -1, -np.inf
    for tau in range(min_size, n - min_size + 1):
        m = tau
        kappa = np.arange(tau + min_size, n + 1)
        k = kappa - tau
        between = (p[tau, kappa] - p[0, kappa] - p[tau, tau] + p[0, tau]) / (m * k)
        within_left = p[tau, tau] / (m * (m - 1))  # both orders of each pair: sum / 2 / C(m, 2)
        within_right = (p[kappa, kappa] - p[tau, kappa] - p[kappa, tau] + p[tau, tau]) / (
            k * (k - 1)
        )
        q = m * k / (m + k) * (2 * between - within_left - within_right)
        i = int(np.argmax(q))
        if q[i] > best_q:
            best_tau, best_q = tau, float(q[i])
    return best_tau, best_q


def _significance(x: np.ndarray, q: float, min_size: int, permutations: int,
                  rng: np.random.Generator) -> float:  # fmt: skip
    exceed = 0
    for _ in range(permutations):
        y = rng.permutation(x)
        _, q_perm = _best_split(np.abs(y[:, None] - y[None, :]), min_size)
        exceed += q_perm >= q
    return (exceed + 1) / (permutations + 1)


def e_divisive(
    values: list[float],
    significance: float = 0.01,
    permutations: int = 199,
    min_size: int = 3,
    seed: int = 0,
) -> list[ChangePoint]:
    """Change points of `values` (oldest first), in order; a split needs p < significance.
    alpha = 1 (plain distances). With 199 permutations p is at least 0.005: on 100 synthetic
    noise series (2 % noise, 30 runs) this found no change point, and on the same with a 15 %
    step at run 20 it found exactly run 20 in 99 (the other: run 20 and one more)."""
    x = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    bounds = [0, len(x)]
    p_values: dict[int, float] = {}
    while True:
        # the most pronounced split over all current segments
        best = None
        for start, end in zip(bounds, bounds[1:], strict=False):
            seg = x[start:end]
            if len(seg) < 2 * min_size:
                continue
            tau, q = _best_split(np.abs(seg[:, None] - seg[None, :]), min_size)
            if tau > 0 and (best is None or q > best[2]):
                best = (start, end, q, tau)
        if best is None:
            break
        start, end, q, tau = best
        p_value = _significance(x[start:end], q, min_size, permutations, rng)
        if p_value >= significance:
            break
        p_values[start + tau] = float(p_value)
        bounds = sorted([*bounds, start + tau])
    points = []
    for left, i, right in zip(bounds, bounds[1:-1], bounds[2:], strict=False):
        points.append(ChangePoint(i, p_values[i], float(x[left:i].mean()),
                                  float(x[i:right].mean())))  # fmt: skip
    return points
