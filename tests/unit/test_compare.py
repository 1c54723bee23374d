"""compare: a change is a regression only beyond both the threshold and the noise. Negative
controls: the same 10 % change inside the noise, and a change under the threshold."""

from __future__ import annotations

import numpy as np
import pytest

from arena.errors import ArenaError
from arena.history.compare import compare_metric, compare_runs, parse_threshold, regressions
from arena.history.folder import Metric


def samples(mean: float, spread: float, n: int = 20, seed: int = 0) -> list[float]:
    rng = np.random.default_rng(seed)
    return list(mean * (1 + spread * rng.standard_normal(n)))


def tps(value: float, spread: float, seed: int) -> Metric:
    s = samples(value, spread, seed=seed)
    return Metric("postgres", "overall", "ops_per_s", float(np.mean(s)), "higher", s)


def test_a_10_percent_drop_beyond_the_noise_is_a_regression():
    change = compare_metric(tps(1000, 0.02, 1), tps(900, 0.02, 2), threshold_pct=5)
    assert change.verdict == "regression"
    assert change.change_pct == pytest.approx(-10, abs=1.5)
    assert change.confidence > 0.99


def test_the_same_drop_within_the_noise_is_not():
    # per-second values swinging by 60 %: a 10 % difference of the means is not evidence
    change = compare_metric(tps(1000, 0.6, 1), tps(900, 0.6, 2), threshold_pct=5)
    assert abs(change.change_pct) > 5
    assert change.verdict == "within noise"


def test_a_change_under_the_threshold_is_not_a_regression_however_certain():
    change = compare_metric(tps(1000, 0.001, 1), tps(970, 0.001, 2), threshold_pct=5)
    assert change.confidence > 0.99
    assert change.verdict == "within threshold"


def test_history_noise_counts_when_the_runs_have_no_repeats():
    base = Metric("sqlite", "overall", "p99_us", 1000.0, "lower")
    slower = Metric("sqlite", "overall", "p99_us", 1100.0, "lower")
    steady = [1000.0, 1004.0, 996.0, 1002.0, 998.0]
    jumpy = [1000.0, 1300.0, 800.0, 1200.0, 900.0]
    assert compare_metric(base, slower, 5, steady).verdict == "regression"
    assert compare_metric(base, slower, 5, jumpy).verdict == "within noise"
    # no repeats and no history: reported, never called a regression
    assert compare_metric(base, slower, 5).verdict == "unmeasured noise"


def test_lower_is_better_metrics_regress_upwards_and_improvements_are_not_regressions():
    def p99(value, seed):
        s = samples(value, 0.01, seed=seed)
        return Metric("mariadb", "overall", "p99_us", float(np.mean(s)), "lower", s)

    assert compare_metric(p99(1000, 1), p99(1150, 2), 5).verdict == "regression"
    assert compare_metric(p99(1000, 1), p99(850, 2), 5).verdict == "improvement"
    changes = compare_runs([p99(1000, 1), tps(1000, 0.02, 3)], [p99(850, 2), tps(880, 0.02, 4)], 5)
    assert [(c.metric, c.verdict) for c in regressions(changes)] == [("ops_per_s", "regression")]


@pytest.mark.parametrize(
    ("text", "value"), [("5%", 5.0), ("2.5%", 2.5), ("10", 10.0), ("0.05", 5.0)]
)
def test_thresholds_parse(text, value):
    assert parse_threshold(text) == value


@pytest.mark.parametrize("text", ["five", "-3%", ""])
def test_bad_thresholds_are_one_line_errors(text):
    with pytest.raises(ArenaError, match="Invalid threshold"):
        parse_threshold(text)
