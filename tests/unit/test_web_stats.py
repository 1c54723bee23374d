"""`arena load --web`: what Locust's UI serves (/stats/requests, through Locust's own Flask
route) after arena's seconds were fed to LiveStats, against what arena's Aggregate makes of
the same seconds. A full feed agrees within 5 % (percentiles exactly); a sampled feed (every
other second, the way the old filler lost most of the load) and halved counts are flagged.

Locust monkey-patches the process that imports it, so the UI side runs in a subprocess.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from arena.load.metrics import Aggregate, Interval, add_values, new_histogram
from arena.load.webcheck import disagreements

SECONDS = 12
FIRST_SECOND = 1_700_000_000

UI_SIDE = r"""
import json, sys
from locust import User
from locust.env import Environment
from arena.load.metrics import Interval
from arena.load.web import LiveStats, feed_locust_stats

mode = sys.argv[1]
rows = [(s, Interval.from_message(m)) for s, m in json.load(sys.stdin)]
if mode == "every-other-second":
    rows = rows[::2]
if mode == "halved":
    for _, interval in rows:
        for hist in interval.ops.values():
            counts = hist.counts
            for i in range(hist.counts_len):
                counts[i] //= 2
            hist.total_count = sum(counts)

class U(User):
    pass

env = Environment(user_classes=[U])
env.create_local_runner()
env.stats = LiveStats()
web = env.create_web_ui("127.0.0.1", 0, delayed_start=True)
feed_locust_stats(env.stats, rows[:-1])  # once a second during the run
feed_locust_stats(env.stats, rows[-1:], float(sys.argv[2]))  # the tail, with the time measured
print(web.app.test_client().get("/stats/requests").get_data(as_text=True))
"""


def make_seconds() -> list[tuple[int, Interval]]:
    """Three operations at a few hundred a second, latencies spread over two decades, and a
    few errors of one of them."""
    rng = np.random.default_rng(7)
    rows = []
    for i in range(SECONDS):
        interval = Interval(users=4)
        for name, n, median_us in (
            ("pk_lookup", 900, 150),
            ("insert", 300, 900),
            ("scan", 60, 4000),
        ):
            hist = new_histogram()
            add_values(hist, (rng.lognormal(np.log(median_us), 0.8, n)).astype(np.int64) + 1)
            interval.ops[name] = hist
        if i % 3 == 0:
            interval.errors["insert: unique_violation"] = 5
            interval.samples["insert: unique_violation"] = "duplicate key"
        rows.append((FIRST_SECOND + i + 1, interval))
    return rows


def arena_summary(rows: list[tuple[int, Interval]]) -> dict:
    agg = Aggregate()
    for _, interval in rows:
        agg.add(interval)
    return agg.summary(float(SECONDS))


def ui_json(rows: list[tuple[int, Interval]], mode: str) -> dict:
    payload = json.dumps([(s, i.to_message()) for s, i in rows])
    out = subprocess.run(
        [sys.executable, "-c", UI_SIDE, mode, str(SECONDS)], input=payload, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def seconds() -> list[tuple[int, Interval]]:
    return make_seconds()


def test_the_ui_shows_arenas_counts_rates_and_percentiles(seconds):
    summary = arena_summary(seconds)
    ui = ui_json(seconds, "all")
    per_second = [(float(s - FIRST_SECOND), i.count + i.error_count) for s, i in seconds]
    assert disagreements(ui, summary, per_second) == []
    rows = {r["name"]: r for r in ui["stats"]}
    total = rows["Aggregated"]
    assert total["num_requests"] == summary["overall"]["count"] + summary["error_count"]
    assert total["num_failures"] == summary["error_count"] == 20
    # arena's own percentiles, in ms with µs precision (Locust's would be whole ms)
    assert total["response_time_percentile_0.99"] == summary["overall"]["p99_us"] / 1000
    assert rows["pk_lookup"]["median_response_time"] == (
        summary["operations"]["pk_lookup"]["p50_us"] / 1000
    )
    assert rows["scan"]["max_response_time"] == summary["operations"]["scan"]["max_us"] / 1000
    [error] = ui["errors"]
    assert (error["name"], error["occurrences"]) == ("insert", 20)
    assert ui["current_response_time_percentiles"]["response_time_percentile_0.5"] > 0


@pytest.mark.parametrize("mode", ["every-other-second", "halved"])
def test_a_sampled_feed_is_flagged(seconds, mode):
    summary = arena_summary(seconds)
    problems = disagreements(ui_json(seconds, mode), summary)
    assert any(p.startswith("total requests") for p in problems), problems
    assert any(p.startswith("pk_lookup operations") for p in problems), problems


def test_each_kind_of_disagreement_is_named():
    summary = {
        "overall": {"count": 1000, "p50_us": 1000, "p95_us": 2000, "p99_us": 3000},
        "throughput_per_s": 100.0,
        "error_count": 10,
        "errors": {"q: timeout": 10},
        "operations": {"q": {"count": 1000, "p50_us": 1000, "p95_us": 2000, "p99_us": 3000}},
    }
    row = {
        "num_requests": 1010, "num_failures": 10, "total_rps": 101.0, "current_rps": 101.0,
        "median_response_time": 1.0, "response_time_percentile_0.95": 2.0,
        "response_time_percentile_0.99": 3.0,
    }  # fmt: skip
    agree = {"stats": [{**row, "name": "q"}, {**row, "name": "Aggregated"}], "total_rps": 101.0}
    assert disagreements(agree, summary) == []
    slow = {**row, "response_time_percentile_0.99": 3.2, "name": "q"}
    problems = disagreements({**agree, "stats": [slow, agree["stats"][1]]}, summary)
    assert problems == ["q p99 ms: UI 3.200 vs results 3.000"]
    assert disagreements({**agree, "total_rps": 80.0}, summary)[0].startswith("ops/s")
    missing = disagreements({"stats": [agree["stats"][1]]}, summary)
    assert "q operations: UI 0.000 vs results 1,000.000" in missing
    assert disagreements({"stats": []}, summary) == ["the UI shows no Aggregated row"]
