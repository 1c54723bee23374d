"""arena/bench/core.py measure(): warmup excluded, repeats counted, counters summed where the
case says so, rates from the median, an op's own unit time used when it gives one."""

from __future__ import annotations

import itertools

from arena.bench.core import Case, Options, measure


def test_warmup_is_not_measured_and_counters_sum_over_repeats():
    calls = itertools.count(1)
    setups = []

    def op():
        n = next(calls)
        return {"commits": n, "aborts": 1, "seconds_per_unit": n / 1000}

    case = Case("c", op=op, setup=lambda: setups.append(1), summed=("commits", "aborts"),
                rows_per_op=1, rate_label="commits")  # fmt: skip
    samples, counters = measure(case, Options(repeats=3, warmup=2))
    assert samples == [0.003, 0.004, 0.005]  # calls 1 and 2 were the warmup
    assert len(setups) == 5
    assert counters["commits"] == 3 + 4 + 5 and counters["aborts"] == 3
    assert counters["commits_per_s"] == 250  # 1 / median 4 ms
    assert "seconds_per_unit" not in counters


def test_iterations_apply_only_to_repeatable_cases():
    runs = []
    repeatable = Case("r", op=lambda: runs.append("r") or 1)
    once = Case("o", op=lambda: runs.append("o") or 1, repeatable=False)
    measure(repeatable, Options(repeats=2, warmup=0, iterations=4))
    measure(once, Options(repeats=2, warmup=0, iterations=4))
    assert runs.count("r") == 8 and runs.count("o") == 2


def test_duration_bounds_each_repeat():
    case = Case("d", op=lambda: 1)
    samples, counters = measure(case, Options(repeats=2, warmup=0, duration=0.02))
    assert len(samples) == 2 and all(s < 0.01 for s in samples)
    assert counters == {"rows": 1}
