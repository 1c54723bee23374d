"""Locust glue: the shape adapter, the one user class, and the hub-friendly bookkeeping pause.

Roles: Locust decides how many users run at each moment (the shape); each user runs arena's
hot loop (arena/load/process.py) and records into the process's own histograms. Locust's
request statistics are not used for any number arena reports.

Importing this module imports locust, which monkey-patches the process (gevent): everything
that needs Locust imports it through here, before any database driver.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import time

import gevent
import locust  # noqa: F401  (monkey-patches the process: before any DB driver is imported)
from locust import LoadTestShape, User, constant, task

from arena.load.metrics import set_pause
from arena.load.process import LoadProcess
from arena.load.shapes import StagedShape

logging.getLogger("locust").setLevel(logging.ERROR)
# The per-second bookkeeping yields to the users about once per millisecond of work (see
# metrics.set_pause). Not with sleep(0): that only lets already-runnable greenlets in, while
# a user waiting for its arrival slot needs the loop to run its timer. Measured at 500/s on
# a 60-operation mix: schedule lag p99 25 ms without yielding, 8-12 ms with sleep(0),
# 0.4-0.8 ms with this.
set_pause(lambda: gevent.sleep(0.0001))


# A histogram's counts take 188 KB; a worker's report and its decoded payloads tens of KB.
MMAP_THRESHOLD = 64 * 1024


def _return_big_blocks_to_the_system() -> None:
    """glibc serves a block above M_MMAP_THRESHOLD (128 KB by default) with its own mmap, but
    raises the threshold to the size of any such block freed; smaller blocks come from the
    heap, whose freed space is kept and fragments. A load allocates and frees dozens of
    histograms a second (hundreds on a master decoding its workers' reports): RSS swung by
    40 MB from second to second and crept up on a master (benchmarks/soak.py). A fixed
    threshold maps each such block and unmaps it when freed.
    https://man7.org/linux/man-pages/man3/mallopt.3.html"""
    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt(ctypes.c_int(-3), ctypes.c_int(MMAP_THRESHOLD))  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):  # not glibc (macOS, musl): its own policy applies
        pass


_return_big_blocks_to_the_system()


class ShapeAdapter(LoadTestShape):
    """Locust's view of an arena shape; the shape is swapped per engine run."""

    def __init__(self) -> None:
        super().__init__()
        self.shape: StagedShape | None = None
        self.lead = 0.0  # users are spawned this long before the measured start

    def tick(self) -> tuple[int, float] | None:
        if self.shape is None:
            return None
        # Hold the last stage: the monitor ends the run at exactly start + duration (the
        # shape's own ticks come only once a second).
        elapsed = min(self.get_run_time() - self.lead, self.shape.duration - 1e-6)
        return self.shape.users_at(max(0.0, elapsed))


class Holder:
    """The engine load a process's users work on; None between engines."""

    process: LoadProcess | None = None


def make_user_class(holder: Holder) -> type[User]:
    class ArenaUser(User):
        wait_time = constant(0)

        @task
        def load(self) -> None:
            process = holder.process
            if process is None or process.stopped:
                gevent.sleep(0.05)
                return
            try:
                process.user_loop()
            except Exception as exc:  # a bug must not turn into a silent spin
                process.recorder.error("internal", f"{type(exc).__name__}: {exc}")
                gevent.sleep(1)

    return ArenaUser


def wall_second() -> int:
    """The whole wall-clock second now: every process tags its intervals with it."""
    return int(round(time.time()))
