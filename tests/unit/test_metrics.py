"""arena's own metrics: µs HdrHistograms, bulk recording, merging across processes, and
coordinated-omission-correct accounting from intended start times.

Mutation-tested (mutmut 3, one module at a time; setup.cfg `[mutmut]` with
source_paths=arena, only_mutate=arena/load/metrics.py,
pytest_add_cli_args_test_selection=tests/unit/test_metrics.py): 425 of 438 killed; the 13
survivors are equivalent (numpy's default dtypes, zip strictness on equal lengths, a codec
name's case, decode(None) == decode(""), the bucket-table cache bypassed)."""

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


# -- what the mutation run found untested (issue 8) ----------------------------------------


def test_bucket_tables_built_cold_give_hdrhistograms_percentiles_and_mean():
    """summarize() caches its bucket tables per histogram layout: build them afresh here, so
    the arithmetic that fills the cache is what is checked."""
    from arena.load import metrics

    metrics._TABLES.clear()
    rng = np.random.default_rng(9)
    hist = new_histogram()
    add_values(hist, np.concatenate([rng.integers(1, 2000, 3000), rng.integers(2000, 10**7, 3000)]))
    s = summarize(hist)
    for p in (50.0, 90.0, 95.0, 99.0, 99.9):
        assert s[metrics.percentile_key(p)] == hist.get_value_at_percentile(p), p
    assert s["mean_us"] == round(hist.get_mean_value(), 1)
    assert s["min_us"] == hist.get_min_value() and s["max_us"] == hist.get_max_value()
    assert len(metrics._TABLES) == 1


def test_summaries_of_tiny_histograms_exactly():
    from arena.load import metrics

    metrics._TABLES.clear()
    assert summarize(new_histogram()) == {"count": 0}
    one = new_histogram()
    add_values(one, [5000])  # a bucket 4 µs wide: 5000..5003
    assert summarize(one) == {
        "count": 1, "mean_us": 5002.0, "p50_us": 5003, "p90_us": 5003, "p95_us": 5003,
        "p99_us": 5003, "p99_9_us": 5003, "max_us": 5003, "min_us": 5000,
    }  # fmt: skip
    two = new_histogram()
    add_values(two, [1, 2])
    assert summarize(two)["mean_us"] == 1.5 and summarize(two)["p50_us"] == 1


def test_bulk_add_clamps_out_of_range_values_and_accumulates():
    hist = new_histogram()
    add_values(hist, [0, -5])  # a clock step backwards must not crash or go below 1 µs
    add_values(hist, [10**13])  # above an hour: clamped, never dropped
    assert hist.get_total_count() == 3
    assert hist.get_min_value() == 1
    assert hist.get_max_value() == hist.get_highest_equivalent_value(3_600_000_000)
    add_values(hist, [])
    assert hist.get_total_count() == 3


def test_bulk_add_matches_record_value_on_a_coarser_histogram():
    """add_values follows the histogram's own unit, not arena's 1 µs one."""
    from hdrh.histogram import HdrHistogram

    values = [1024, 1500, 4096, 9000, 70_000, 1_000_000]
    one_by_one = HdrHistogram(1024, 3_600_000_000, 3)
    bulk = HdrHistogram(1024, 3_600_000_000, 3)
    for v in values:
        one_by_one.record_value(v)
    add_values(bulk, values)
    assert list(bulk.counts) == list(one_by_one.counts)


def test_merged_error_counts_samples_and_users_across_processes():
    a = Interval(errors={"x: E1": 2, "y: E2": 1}, users=3, samples={"x: E1": "first"})
    b = Interval(errors={"x: E1": 5, "z: E3": 4}, users=2, samples={"x: E1": "later", "z: E3": "z"})
    a.merge(b)
    assert a.errors == {"x: E1": 7, "y: E2": 1, "z: E3": 4}
    assert a.error_count == 12
    assert a.samples == {"x: E1": "first", "z: E3": "z"}  # the first message of a kind stays
    assert a.users == 5  # one report per process a second: users add up


def test_peak_users_across_intervals_is_a_gauge():
    agg = Aggregate()
    for users in (2, 7, 3):
        agg.add(Interval(users=users))
    assert agg.total.users == 7


def test_schedule_lag_merges_across_processes_and_is_summarised():
    first, second = Recorder(["a"]), Recorder(["a"])
    for micros in (100, 200):
        first.record(0, 1000)
        first.record_lag(micros)
    second.record(0, 1000)
    second.record_lag(5000)
    second.record_lag(-1)  # a wake-up a hair early: clamped, not an error
    agg = Aggregate()
    for rec in (first, second):
        agg.add(Interval.from_message(rec.drain().to_message()))
    lag = agg.summary(1.0)["schedule_lag"]
    assert lag["count"] == 4 and lag["min_us"] == 1 and lag["max_us"] == 5003  # its bucket
    assert decode(agg.histograms()["schedule_lag"]).get_total_count() == 4
    assert "schedule_lag" not in Aggregate().summary(1.0)  # closed model: no lag at all


def test_messages_round_trip_every_field_and_tolerate_missing_ones():
    rec = Recorder(["a", "b"])
    rec.record(0, 10)
    rec.record(1, 20)
    rec.error(0, "E", "boom")
    rec.error("connect", "Refused")
    interval = rec.drain(users=4)
    message = interval.to_message()
    assert set(message) == {"ops", "errors", "lag", "users", "samples"}
    assert message["lag"] == ""  # nothing scheduled: no encoded histogram at all
    back = Interval.from_message(message)
    assert back.errors == {"a: E": 1, "connect: Refused": 1}
    assert back.samples == {"a: E": "boom"}
    assert back.users == 4 and back.count == 2
    assert {n: h.get_total_count() for n, h in back.ops.items()} == {"a": 1, "b": 1}
    empty = Interval.from_message({})
    assert (empty.ops, empty.errors, empty.samples, empty.users) == ({}, {}, {}, 0)
    assert empty.lag.get_total_count() == 0


def test_error_samples_are_cut_to_300_characters():
    rec = Recorder(["a"])
    rec.error(0, "E", "x" * 500)
    assert rec.drain().samples == {"a: E": "x" * 300}


def test_recorder_keeps_negative_latencies_out_of_the_buffers_type():
    rec = Recorder(["a"])
    rec.record(0, -3)
    assert rec.drain().ops["a"].get_min_value() == 1


def test_aggregate_summary_fields_exactly():
    agg = Aggregate()
    rec = Recorder(["a"])
    for _ in range(10):
        rec.record(0, 100)
    rec.error(0, "E", "why")
    agg.add(rec.drain())
    s = agg.summary(3.0)
    assert set(s) == {
        "overall", "throughput_per_s", "errors", "error_count", "error_samples", "operations",
    }  # fmt: skip
    assert s["throughput_per_s"] == 3.3  # 10 / 3, one decimal
    assert s["operations"]["a"]["throughput_per_s"] == 3.3
    assert s["errors"] == {"a: E": 1} and s["error_count"] == 1
    assert s["error_samples"] == {"a: E": "why"}
    stopped = agg.summary(0)  # no time measured: no rate rather than a division by zero
    assert stopped["throughput_per_s"] == 0 and stopped["operations"]["a"]["throughput_per_s"] == 0
    h = agg.histograms()
    assert set(h) == {"overall", "operations", "schedule_lag"}
    assert decode(h["operations"]["a"]).get_total_count() == 10


def test_seconds_forget_what_they_handed_out():
    seconds = Seconds(sources=1)
    seconds.add(5, "p", Interval(users=1))
    seconds.add(6, "p", Interval(users=2))
    seconds.add(2, "p", Interval(users=3))
    assert [s for s, _ in seconds.ready(now=6)] == [2, 5, 6]
    assert seconds.buckets == {} and seconds.seen == {}
    seconds.add(9, "p", Interval(users=1))
    seconds.add(8, "q", Interval(users=1))
    assert [(s, i.users) for s, i in seconds.rest()] == [(8, 1), (9, 1)]
    assert seconds.buckets == {} and seconds.seen == {}


def test_seconds_default_grace_is_three_seconds():
    seconds = Seconds(sources=2)
    seconds.add(10, "w1", Interval())
    assert seconds.ready(now=12) == []
    assert [s for s, _ in seconds.ready(now=13)] == [10]


def test_pause_slices_are_inclusive_and_can_be_turned_off(monkeypatch):
    from arena.load import metrics

    clock = [100.0]
    monkeypatch.setattr(metrics.time, "perf_counter", lambda: clock[0])
    calls = []
    metrics.set_pause(lambda: calls.append(clock[0]), slice_s=0.5)
    try:
        metrics.pause_between_steps()
        assert calls == []
        clock[0] = 100.5  # exactly one slice later
        metrics.pause_between_steps()
        assert calls == [100.5]
    finally:
        metrics.set_pause(None)
    metrics.pause_between_steps()  # off: a no-op, not an error
    assert calls == [100.5]


def test_default_slice_is_a_millisecond_and_drain_defaults_to_no_users(monkeypatch):
    from arena.load import metrics

    clock = [0.0]
    monkeypatch.setattr(metrics.time, "perf_counter", lambda: clock[0])
    calls = []
    metrics.set_pause(lambda: calls.append(1))
    try:
        clock[0] = 0.001
        metrics.pause_between_steps()
        assert calls == [1]
    finally:
        metrics.set_pause(None)
    rec = Recorder(["a"])
    assert rec.drain().users == 0
    rec.record(0, -7)  # the buffers restarted by a drain take what the first ones took
    rec.record_lag(-7)
    after = rec.drain()
    assert after.ops["a"].get_min_value() == 1 and after.lag.get_min_value() == 1


def test_summaries_of_another_histogram_layout_use_its_own_buckets():
    """The bucket tables are cached per layout: a coarser histogram must not reuse arena's."""
    from hdrh.histogram import HdrHistogram

    from arena.load import metrics

    metrics._TABLES.clear()
    summarize(new_histogram())  # arena's layout first (cached)
    coarse = HdrHistogram(1024, 3_600_000_000, 2)
    for v in (5_000, 70_000, 1_000_000, 1_000_000):
        coarse.record_value(v)
    s = summarize(coarse)
    for p in (50.0, 90.0, 99.0):
        assert s[f"p{p:g}_us".replace(".", "_")] == coarse.get_value_at_percentile(p), p
