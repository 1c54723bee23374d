"""E-divisive means over a synthetic metric history: a known 15 % step is found at the run it
starts, and pure noise (the negative control) yields no change point."""

from __future__ import annotations

import numpy as np
import pytest

from arena.history.changepoint import e_divisive

RUNS, STEP_AT, NOISE = 30, 20, 0.02


def noisy_history(seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    return list(1000.0 * (1 + NOISE * rng.standard_normal(RUNS)))


@pytest.mark.parametrize("seed", range(5))
def test_a_15_percent_step_is_found_at_the_run_it_starts(seed):
    values = [v * (1.15 if i >= STEP_AT else 1.0) for i, v in enumerate(noisy_history(seed))]
    [point] = e_divisive(values)
    assert point.index == STEP_AT
    assert point.p_value < 0.01
    assert 10 < point.change_pct < 20


@pytest.mark.parametrize("seed", range(5))
def test_pure_noise_has_no_change_point(seed):
    assert e_divisive(noisy_history(seed)) == []


def test_a_drop_and_a_recovery_are_two_change_points():
    values = noisy_history(11)
    values = [v * (0.8 if 10 <= i < 20 else 1.0) for i, v in enumerate(values)]
    assert [p.index for p in e_divisive(values)] == [10, 20]


def test_too_short_a_history_has_no_change_point():
    assert e_divisive([1.0, 2.0, 3.0]) == []
    assert e_divisive([]) == []
