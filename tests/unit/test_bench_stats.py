"""arena/bench/stats.py: the intervals and the "within noise" call, with negative controls."""

from __future__ import annotations

import pytest

from arena.bench.stats import compare, summarize


def test_summary_fields():
    s = summarize([5.0, 1.0, 3.0, 2.0, 4.0])
    assert s.median == 3.0
    assert (s.min, s.max, s.n) == (1.0, 5.0, 5)
    assert s.ci_low <= s.median <= s.ci_high
    assert s.ci_low >= 1.0 and s.ci_high <= 5.0
    assert s.stddev == pytest.approx(1.5811, rel=1e-3)


def test_one_sample_has_a_point_interval():
    s = summarize([2.5])
    assert (s.ci_low, s.median, s.ci_high, s.stddev) == (2.5, 2.5, 2.5, 0.0)


def test_bootstrap_is_reproducible():
    samples = [1.0, 1.4, 0.9, 1.2, 1.1, 1.3]
    assert summarize(samples) == summarize(samples)


def test_clearly_different_samples_are_not_within_noise():
    # Negative control: a 2x difference with tight spreads must be reported as real.
    fast = summarize([1.00, 1.02, 0.98, 1.01, 0.99])
    slow = summarize([2.00, 2.03, 1.97, 2.01, 1.99])
    result = compare({"a": fast, "b": slow})
    assert result["a"].fastest and result["a"].ratio == 1.0
    assert not result["b"].within_noise
    assert result["b"].ratio == pytest.approx(2.0, rel=0.02)


def test_overlapping_samples_are_within_noise():
    a = summarize([1.0, 1.3, 0.8, 1.2, 0.9])
    b = summarize([1.1, 1.4, 0.85, 1.25, 0.95])
    result = compare({"a": a, "b": b})
    assert result["b"].within_noise
    assert not result["a"].within_noise  # the fastest is the reference, not "noise"


def test_noise_needs_overlap_not_closeness_of_medians():
    # Same medians ratio (1.1x) but one pair tight, one pair wide: only the wide one overlaps.
    tight = compare(
        {"a": summarize([1.0, 1.0, 1.0, 1.0, 1.0]), "b": summarize([1.1, 1.1, 1.1, 1.1, 1.1])}
    )
    wide = compare(
        {"a": summarize([0.5, 1.0, 1.5, 0.7, 1.3]), "b": summarize([0.6, 1.1, 1.6, 0.8, 1.4])}
    )
    assert not tight["b"].within_noise
    assert wide["b"].within_noise


def test_empty_samples_refused():
    with pytest.raises(ValueError):
        summarize([])
