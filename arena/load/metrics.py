"""arena's own latency metrics: HdrHistograms in microseconds, per operation and overall.

Locust's statistics round latencies to whole milliseconds below 100 ms; arena never reads
them for percentiles. Instead:

- the hot loop appends each latency (µs) to a plain array (`Recorder.record`, ~50 ns) instead
  of calling HdrHistogram.record_value (~2.5 µs in pure Python, measured here);
- every report interval the arrays are bulk-added to HdrHistograms with numpy, using the
  histogram's own bucket arithmetic (`add_values`), so the result is bit-identical to
  record_value;
- an interval (`Interval`) crosses process boundaries as encoded histograms (HdrHistogram's
  compressed base64 form) and is merged on the master with decode_and_add.

Open-model latencies are measured from the INTENDED start time (coordinated-omission
correct, like pgbench -R and sysbench --rate); the schedule lag (actual - intended start)
is kept in its own histogram.
"""

from __future__ import annotations

import time
import weakref
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from gevent.monkey import get_original
from hdrh.codec import HdrHistogramEncoder
from hdrh.histogram import HdrHistogram

# A real lock: gevent's (what _thread's becomes once Locust patches it) is not one between OS
# threads.
_allocate_lock = get_original("_thread", "allocate_lock")

LOWEST_US = 1
HIGHEST_US = 3_600_000_000  # one hour: anything slower is clamped, never dropped
SIGNIFICANT_DIGITS = 3
PERCENTILES = (50.0, 90.0, 95.0, 99.0, 99.9)


def _no_pause() -> None:
    pass


# Called between per-operation steps of the once-a-second bookkeeping (drain, merge, summary).
# The load process sets it (set_pause) to a short gevent sleep: a mix spans dozens of
# operations, and doing them all in one go held the event loop for 20-40 ms each second,
# which the open model then measured as schedule lag (p99 25 ms at 500/s). This module
# itself stays free of gevent.
pause_between_steps = _no_pause


def set_pause(pause, slice_s: float = 0.001) -> None:
    """Yield through `pause` at most once per `slice_s` of bookkeeping: often enough that no
    user waits more than ~1 ms for the loop, rarely enough that users on a blocking driver
    (SQLite, each holding the loop for a while per turn) do not stretch the bookkeeping."""
    global pause_between_steps
    if pause is None:
        pause_between_steps = _no_pause
        return
    last = [time.perf_counter()]

    def sliced() -> None:
        if time.perf_counter() - last[0] >= slice_s:
            pause()
            last[0] = time.perf_counter()

    pause_between_steps = sliced


def new_histogram() -> HdrHistogram:
    return _acyclic(HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS))


def _acyclic(hist: HdrHistogram) -> HdrHistogram:
    """hdrh's histogram and its encoder point at each other, so a dropped histogram (~190 KB
    of counts) waits for a full garbage collection instead of being freed at once. The load
    makes several per operation per second and promotes them to the oldest generation within
    that second: a 4-user PostgreSQL load grew ~3.5 MB/s (issue 8). The encoder's reference
    back is made weak, which breaks the cycle; reference counting then frees each one."""
    hist.encoder.histogram = weakref.proxy(hist)
    return hist


def add_values(hist: HdrHistogram, values: array | np.ndarray) -> None:
    """Record many values at once; same buckets as hist.record_value, vectorised."""
    if len(values) == 0:
        return
    v = np.clip(np.asarray(values, dtype=np.int64), LOWEST_US, HIGHEST_US)
    # bit_length(v | sub_bucket_mask): frexp's exponent is exact for integers below 2**53.
    _, exponent = np.frexp((v | hist.sub_bucket_mask).astype(np.float64))
    bucket = (
        exponent.astype(np.int64) - hist.unit_magnitude - (hist.sub_bucket_half_count_magnitude + 1)
    )
    sub_bucket = v >> (bucket + hist.unit_magnitude)
    index = ((bucket + 1) << hist.sub_bucket_half_count_magnitude) + (
        sub_bucket - hist.sub_bucket_half_count
    )
    counts = np.ctypeslib.as_array(hist.counts)
    counts += np.bincount(index, minlength=hist.counts_len).astype(counts.dtype)
    hist.total_count += len(v)
    hist.min_value = min(hist.min_value, int(v.min()))
    hist.max_value = max(hist.max_value, int(v.max()))


def encode(hist: HdrHistogram) -> str:
    return hist.encode().decode("ascii")


def decode(text: str) -> HdrHistogram:
    """HdrHistogram.decode_and_add, minus the cyclic temporary histogram it makes."""
    hist = new_histogram()
    if text:
        payload = HdrHistogramEncoder.decode(text, hist.b64_wrap)
        header = payload.payload
        other = HdrHistogram(
            header.lowest_trackable_value,
            header.highest_trackable_value,
            header.significant_figures,
            hdr_payload=payload,
        )
        hist.add(_acyclic(other))
    return hist


def _bucket_tables(hist: HdrHistogram) -> tuple[np.ndarray, np.ndarray]:
    """(lowest value, bucket width) of every counts index: HdrHistogram's own
    get_value_from_index arithmetic, vectorised once per histogram layout."""
    key = (hist.counts_len, hist.unit_magnitude, hist.sub_bucket_half_count_magnitude)
    tables = _TABLES.get(key)
    if tables is None:
        index = np.arange(hist.counts_len, dtype=np.int64)
        bucket = (index >> hist.sub_bucket_half_count_magnitude) - 1
        sub_bucket = (index & (hist.sub_bucket_half_count - 1)) + hist.sub_bucket_half_count
        first = bucket < 0
        sub_bucket[first] -= hist.sub_bucket_half_count
        bucket[first] = 0
        lowest = sub_bucket << (bucket + hist.unit_magnitude)
        width = np.int64(1) << (bucket + hist.unit_magnitude)
        tables = _TABLES[key] = (lowest, width)
    return tables


_TABLES: dict[tuple[int, int, int], tuple[np.ndarray, np.ndarray]] = {}


def summarize(hist: HdrHistogram) -> dict[str, Any]:
    """count, mean, p50..p99.9, min and max in microseconds.

    Same answers as HdrHistogram's get_value_at_percentile (highest equivalent value of the
    bucket holding the target count) but with numpy: the pure-Python walk over ~23k buckets
    took ~45 ms here, long enough to disturb the load it measures."""
    count = hist.get_total_count()
    if count == 0:
        return {"count": 0}
    counts = np.ctypeslib.as_array(hist.counts).astype(np.int64)
    lowest, width = _bucket_tables(hist)
    cumulative = np.cumsum(counts)
    summary: dict[str, Any] = {
        "count": count,
        "mean_us": round(float(np.dot(lowest + width // 2, counts)) / count, 1),
    }
    for p in PERCENTILES:
        target = max(int(p * count / 100 + 0.5), 1)
        index = int(np.searchsorted(cumulative, target))
        summary[percentile_key(p)] = int(lowest[index] + width[index] - 1)
    summary["max_us"] = hist.get_max_value()
    summary["min_us"] = hist.get_min_value()
    return summary


def percentile_key(p: float) -> str:
    return f"p{p:g}_us".replace(".", "_")


@dataclass
class Interval:
    """What one process measured since its last report: mergeable, serialisable."""

    ops: dict[str, HdrHistogram] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)  # "op: ErrorType" -> count
    lag: HdrHistogram = field(default_factory=new_histogram)
    users: int = 0
    samples: dict[str, str] = field(default_factory=dict)  # error key -> first message seen

    def merge(self, other: Interval) -> None:
        for name, hist in other.ops.items():
            if name in self.ops:
                self.ops[name].add(hist)
            else:
                mine = new_histogram()
                mine.add(hist)
                self.ops[name] = mine
            pause_between_steps()
        for key, n in other.errors.items():
            self.errors[key] = self.errors.get(key, 0) + n
        self.lag.add(other.lag)
        self.users += other.users
        for key, text in other.samples.items():
            self.samples.setdefault(key, text)

    @property
    def count(self) -> int:
        return sum(h.get_total_count() for h in self.ops.values())

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def overall(self) -> HdrHistogram:
        total = new_histogram()
        for hist in self.ops.values():
            total.add(hist)
            pause_between_steps()
        return total

    def to_message(self) -> dict[str, Any]:
        return {
            "ops": {name: encode(h) for name, h in self.ops.items() if h.get_total_count()},
            "errors": dict(self.errors),
            "lag": encode(self.lag) if self.lag.get_total_count() else "",
            "users": self.users,
            "samples": dict(self.samples),
        }

    @classmethod
    def from_message(cls, data: dict[str, Any]) -> Interval:
        return cls(
            ops={name: decode(text) for name, text in data.get("ops", {}).items()},
            errors=dict(data.get("errors", {})),
            lag=decode(data.get("lag", "")),
            users=int(data.get("users", 0)),
            samples=dict(data.get("samples", {})),
        )


class Recorder:
    """The per-process sink of the hot loop. Users in OS threads of their own (see
    arena/load/threads.py) record under `lock`, which the drain takes to swap the buffers;
    a greenlet never switches inside it, so holding it there costs nothing but the call."""

    def __init__(self, op_names: list[str]) -> None:
        self.lock = _allocate_lock()
        self.op_names = list(op_names)
        self._values = [array("q") for _ in self.op_names]
        self._lag = array("q")
        self._errors: Counter[str] = Counter()
        self._samples: dict[str, str] = {}

    def record(self, op: int, micros: int) -> None:
        self._values[op].append(micros)

    def record_lag(self, micros: int) -> None:
        self._lag.append(micros)

    def error(self, op: int | str, kind: str, message: str = "") -> None:
        """Count an error of operation `op` (its index, or a name such as "connect"); the
        first message of each kind is kept as a sample."""
        name = self.op_names[op] if isinstance(op, int) else op
        key = f"{name}: {kind}"
        self._errors[key] += 1
        if message and key not in self._samples:
            self._samples[key] = message[:300]

    def drain(self, users: int = 0) -> Interval:
        """Everything recorded since the last drain, as histograms; the buffers restart empty."""
        fresh = [array("q") for _ in self.op_names]
        with self.lock:
            values, self._values = self._values, fresh
            lag, self._lag = self._lag, array("q")
            errors, self._errors = self._errors, Counter()
            samples, self._samples = self._samples, {}
        interval = Interval(errors=dict(errors), users=users, samples=samples)
        for name, vals in zip(self.op_names, values, strict=True):
            if vals:
                hist = new_histogram()
                add_values(hist, vals)
                interval.ops[name] = hist
                pause_between_steps()
        add_values(interval.lag, lag)
        return interval


class Aggregate:
    """Cumulative metrics of one engine's run, fed interval by interval (local or workers)."""

    def __init__(self) -> None:
        self.total = Interval()

    def add(self, interval: Interval) -> None:
        users = self.total.users
        self.total.merge(interval)
        self.total.users = max(users, interval.users)  # a gauge: keep the peak

    def summary(self, elapsed: float) -> dict[str, Any]:
        overall = self.total.overall()
        data: dict[str, Any] = {
            "overall": summarize(overall),
            "throughput_per_s": round(overall.get_total_count() / elapsed, 1) if elapsed else 0,
            "errors": dict(sorted(self.total.errors.items())),
            "error_count": self.total.error_count,
            "error_samples": dict(sorted(self.total.samples.items())),
            "operations": {},
        }
        for name, h in sorted(self.total.ops.items()):
            data["operations"][name] = {
                **summarize(h),
                "throughput_per_s": round(h.get_total_count() / elapsed, 1) if elapsed else 0,
            }
            pause_between_steps()
        if self.total.lag.get_total_count():
            data["schedule_lag"] = summarize(self.total.lag)
        return data

    def histograms(self) -> dict[str, Any]:
        operations = {}
        for name, h in sorted(self.total.ops.items()):
            operations[name] = encode(h)
            pause_between_steps()
        return {
            "overall": encode(self.total.overall()),
            "operations": operations,
            "schedule_lag": encode(self.total.lag),
        }


class Seconds:
    """Per-second buckets of intervals from several sources (worker processes), each tagged
    with the second it was drained at; a second is complete when every source reported it
    (or it is `grace` seconds old: a worker may have gone)."""

    def __init__(self, sources: int, grace: int = 3) -> None:
        self.sources = sources
        self.grace = grace
        self.buckets: dict[int, Interval] = {}
        self.seen: dict[int, set[str]] = {}

    def add(self, second: int, source: str, interval: Interval) -> None:
        """Takes `interval` over (the caller must not change it afterwards): the first one of
        a second becomes its bucket instead of being copied, the others merge into it. With
        one source nothing is copied: a mix of 60 operations drains 60 histograms of ~190 KB
        a second, and copying each again doubled what the allocator went through."""
        bucket = self.buckets.get(second)
        if bucket is None:
            self.buckets[second] = interval
        else:
            bucket.merge(interval)  # users add up across sources: each reports once a second
        self.seen.setdefault(second, set()).add(source)

    def ready(self, now: int) -> list[tuple[int, Interval]]:
        done = sorted(
            s for s in self.buckets
            if len(self.seen[s]) >= self.sources or s <= now - self.grace
        )  # fmt: skip
        return [(s, self._pop(s)) for s in done]

    def rest(self) -> list[tuple[int, Interval]]:
        return [(s, self._pop(s)) for s in sorted(self.buckets)]

    def _pop(self, second: int) -> Interval:
        self.seen.pop(second)
        return self.buckets.pop(second)
