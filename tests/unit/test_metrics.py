"""arena's own metrics: µs HdrHistograms, bulk recording, merging across processes, and
coordinated-omission-correct accounting from intended start times."""

from __future__ import annotations

import random

import numpy as np

from arena.load.metrics import (
    Aggregate,
    Interval,
    Recorder,
    Seconds,
    add_values,
    decode,
    encode,
    new_histogram,
    summarize,
)


def test_bulk_add_matches_record_value_bucket_for_bucket():
    rng = random.Random(7)
    values = [rng.randint(1, 5_000_000) for _ in range(20_000)] + [1, 2, 2047, 2048, 3_600_000_000]
    one_by_one = new_histogram()
    for v in values:
        one_by_one.record_value(v)
    bulk = new_histogram()
    add_values(bulk, np.array(values))
    assert bulk.get_total_count() == one_by_one.get_total_count() == len(values)
    assert list(bulk.counts) == list(one_by_one.counts)
    assert bulk.get_min_value() == one_by_one.get_min_value()
    assert bulk.get_max_value() == one_by_one.get_max_value()


def test_percentiles_are_microsecond_accurate():
    hist = new_histogram()
    add_values(hist, np.arange(1, 10_001))  # 1..10000 µs, uniform
    s = summarize(hist)
    assert s["count"] == 10_000
    # three significant digits: within 0.1% of the exact order statistic
    for key, exact in (("p50_us", 5000), ("p90_us", 9000), ("p99_us", 9900), ("p99_9_us", 9990)):
        assert abs(s[key] - exact) <= exact * 0.001, (key, s[key])
    # max reports the top of its bucket (HdrHistogram's equivalent-value range)
    assert 10_000 <= s["max_us"] <= 10_010 and s["min_us"] == 1


def test_sub_millisecond_latencies_are_not_rounded_to_milliseconds():
    hist = new_histogram()
    add_values(hist, [37, 41, 45, 52, 980])
    s = summarize(hist)
    assert s["p50_us"] == 45  # Locust would have said 0 ms


def test_merge_across_processes_equals_one_histogram():
    rng = random.Random(3)
    parts = [[rng.randint(10, 100_000) for _ in range(3_000)] for _ in range(3)]
    merged = Interval()
    for part in parts:
        rec = Recorder(["pk_lookup t"])
        for v in part:
            rec.record(0, v)
        # through the wire format, like a Locust worker's message
        merged.merge(Interval.from_message(rec.drain(users=1).to_message()))
    whole = new_histogram()
    add_values(whole, [v for part in parts for v in part])
    got = merged.ops["pk_lookup t"]
    assert got.get_total_count() == 9_000
    assert list(got.counts) == list(whole.counts)
    assert merged.users == 3


def test_encoded_histogram_round_trips():
    hist = new_histogram()
    add_values(hist, [5, 50, 500, 5000])
    again = decode(encode(hist))
    assert summarize(again) == summarize(hist)


def test_errors_by_type_and_drain_resets():
    rec = Recorder(["insert t", "update t"])
    rec.record(0, 100)
    rec.error(1, "UniqueViolation (23505)", "duplicate key value violates unique constraint")
    rec.error(1, "UniqueViolation (23505)", "a second message is not kept")
    rec.error("connect", "OperationalError")
    first = rec.drain()
    assert first.errors == {"update t: UniqueViolation (23505)": 2, "connect: OperationalError": 1}
    assert first.count == 1 and first.error_count == 3
    assert first.samples == {
        "update t: UniqueViolation (23505)": "duplicate key value violates unique constraint"
    }
    second = rec.drain()
    assert second.count == 0 and second.errors == {}


def test_open_model_latency_counts_from_the_intended_start():
    """A server stall of 100 ms with arrivals every 1 ms: a CO-correct recorder charges the
    stall to every arrival scheduled during it (pgbench -R / wrk2 style), not just one."""
    interval_us, service_us, stall_us = 1_000, 50, 100_000
    rec = Recorder(["op"])
    free_at = 0
    for k in range(1_000):
        intended = k * interval_us
        start = max(intended, free_at)
        service = stall_us if k == 100 else service_us
        done = start + service
        free_at = done
        rec.record(0, done - intended)  # what process.user_loop records in open mode
        rec.record_lag(start - intended)
    interval = rec.drain()
    s = summarize(interval.ops["op"])
    # ~100 arrivals waited behind the stall: p90 still sees it, p50 does not
    assert s["p50_us"] == service_us
    assert s["p90_us"] > 1_000
    assert s["max_us"] >= stall_us
    assert summarize(interval.lag)["p90_us"] > 0


def test_seconds_wait_for_every_source_then_give_up():
    seconds = Seconds(sources=2, grace=3)
    a, b = Interval(users=1), Interval(users=2)
    seconds.add(10, "w1", a)
    assert seconds.ready(now=10) == []
    seconds.add(10, "w2", b)
    [(second, merged)] = seconds.ready(now=10)
    assert second == 10 and merged.users == 3
    seconds.add(11, "w1", Interval(users=1))
    assert seconds.ready(now=13) == []  # w2 may still report second 11
    [(second, _)] = seconds.ready(now=14)  # w2 is gone: the second is written without it
    assert second == 11
    assert seconds.rest() == []


def test_aggregate_summary_has_throughput_and_encoded_histograms():
    agg = Aggregate()
    rec = Recorder(["a", "b"])
    for _ in range(100):
        rec.record(0, 10)
        rec.record(1, 20)
    agg.add(rec.drain())
    summary = agg.summary(elapsed=2.0)
    assert summary["overall"]["count"] == 200
    assert summary["throughput_per_s"] == 100.0
    assert summary["operations"]["a"]["throughput_per_s"] == 50.0
    assert decode(agg.histograms()["overall"]).get_total_count() == 200


def test_fast_percentiles_equal_hdrhistograms_own():
    rng = np.random.default_rng(5)
    hist = new_histogram()
    add_values(hist, np.concatenate([rng.integers(20, 400, 50_000), rng.lognormal(8, 2, 500)]))
    s = summarize(hist)
    for p in (50.0, 90.0, 95.0, 99.0, 99.9):
        assert s[f"p{p:g}_us".replace(".", "_")] == hist.get_value_at_percentile(p), p
    assert abs(s["mean_us"] - hist.get_mean_value()) <= 0.01 * hist.get_mean_value()


def test_bookkeeping_yields_between_operations():
    """The once-a-second drain/merge/summary must hand the event loop back between
    operations, or users waiting for their arrival slot are measured late (schedule lag)."""
    from arena.load import metrics

    calls = []
    metrics.set_pause(lambda: calls.append(1), slice_s=0)  # yield at every step point
    try:
        recorder = metrics.Recorder([f"op{i}" for i in range(40)])
        for i in range(400):
            recorder.record(i % 40, 100 + i)
        interval = recorder.drain(4)
        assert len(calls) >= 40
        calls.clear()
        aggregate = metrics.Aggregate()
        aggregate.add(interval)
        aggregate.summary(1.0)
        aggregate.histograms()
        assert len(calls) >= 3 * 40
    finally:
        metrics.set_pause(None)


def test_bookkeeping_yields_at_most_once_per_slice():
    from arena.load import metrics

    calls = []
    metrics.set_pause(lambda: calls.append(1), slice_s=3600)
    try:
        recorder = metrics.Recorder([f"op{i}" for i in range(40)])
        for i in range(400):
            recorder.record(i % 40, 100 + i)
        metrics.Aggregate().add(recorder.drain(4))
        assert calls == []  # far less than a slice of work: no yield at all
    finally:
        metrics.set_pause(None)


def test_histograms_are_freed_without_waiting_for_the_garbage_collector():
    """A load makes several histograms per operation per second; hdrh's histogram and its
    encoder pointed at each other, so each one (~190 KB of counts) waited for a full
    collection and a load's memory grew ~3.5 MB/s (issue 8). Reference counting alone must
    free them now: with the cycle collector off, none may outlive its last reference."""
    import gc
    import weakref

    data = new_histogram()
    add_values(data, np.arange(1, 5_000))
    text = encode(data)
    refs = []
    gc.collect()
    gc.disable()
    try:
        for _ in range(5):
            interval = Interval(ops={"a": decode(text)}, lag=decode(text))
            interval.merge(Interval.from_message(interval.to_message()))
            total = Aggregate()
            total.add(interval)
            recorder = Recorder(["a"])
            recorder.record(0, 100)
            drained = recorder.drain()
            overall = interval.overall()
            for hist in (*interval.ops.values(), interval.lag, *total.total.ops.values(),
                         *drained.ops.values(), overall):  # fmt: skip
                refs.append(weakref.ref(hist))
            del interval, total, recorder, drained, overall, hist
        assert refs and [r() for r in refs] == [None] * len(refs)
    finally:
        gc.enable()
