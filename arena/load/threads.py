"""Load users in OS threads of their own, for drivers whose calls block the calling thread
(MariaDB Connector/Python: C, never through gevent's patched socket; PyMySQL on a plain
blocking socket when a user is alone in its process).

In a greenlet, such a call stops every other user of the process until it returns; handing
each call to gevent's thread pool instead costs two cross-thread wake-ups per query, which
bounded two users sharing a process at 12.6k point selects/s where the same two users, each
in an OS thread looping on its own connection, reach 49k (benchmarks/load.py). So the whole
loop of such a user runs in a pool thread, like a bare loop; the user's greenlet only waits
for it, and Locust's kill (a stop, a ramp-down) tells the thread to end after its current
call. https://www.gevent.org/api/gevent.threadpool.html
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import Any

from gevent import get_hub
from gevent.monkey import get_original

# time.sleep is gevent's after Locust's monkey-patching; a pool thread has no hub to wait in.
thread_sleep: Callable[[float], None] = get_original("time", "sleep")
_thread_ident: Callable[[], int] = get_original("_thread", "get_ident")
_HUB_THREAD = _thread_ident()  # imported with the load process, in the hub's thread


PR_SET_TIMERSLACK = 29
try:  # looked up here, in the hub's thread: ctypes.util would run a subprocess, which a
    _prctl = ctypes.CDLL(None).prctl  # pool thread cannot (gevent's child watcher)
except (OSError, AttributeError):  # not Linux: the system's own timer policy applies
    _prctl = None


def _precise_sleeps() -> None:
    """Wake this thread on time: Linux lets a sleep overrun by the thread's timer slack (50
    µs by default) to batch wake-ups, and an open-model user's latency counts from its
    intended start, so the overrun was measured as the server's. MariaDB at 2,000/s: p50
    118-126 µs with the default slack, 70-81 µs with 1 ns (sysbench: 40 µs).
    https://man7.org/linux/man-pages/man2/pr_set_timerslack.2const.html"""
    if _prctl is not None:
        _prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0)


def on_hub_thread() -> bool:
    """Whether the caller runs in the thread of gevent's hub (greenlets), not a user thread."""
    return _thread_ident() == _HUB_THREAD


class UserStop:
    """Set by the user's greenlet when Locust kills it; read by its thread once per call."""

    __slots__ = ("stop",)

    def __init__(self) -> None:
        self.stop = False


NEVER_STOPPED = UserStop()  # a greenlet's loop ends by the kill itself


class _Raised:
    """An error of the thread's loop, carried back to the greenlet (gevent's hub prints
    every error a pool thread raises itself, as a traceback)."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


_threads_alive = [0]
_count_lock = get_original("_thread", "allocate_lock")()


def run_in_own_thread(loop: Callable[[UserStop, Callable[[float], None], bool], Any]) -> None:
    """Run `loop(user, thread_sleep, True)` in a pool thread and wait for it here; a kill of
    this greenlet stops the thread after its current call (never waited for: the kill must
    take effect now, the call ends by itself)."""
    user = UserStop()

    def body() -> Any:
        _precise_sleeps()
        try:
            return loop(user, thread_sleep, True)
        except Exception as exc:  # noqa: BLE001  raised again in the greenlet
            return _Raised(exc)
        finally:
            with _count_lock:
                _threads_alive[0] -= 1

    pool = get_hub().threadpool
    with _count_lock:
        _threads_alive[0] += 1
        alive = _threads_alive[0]
    # A thread for every user alive, and for those still finishing a call after a kill.
    pool.maxsize = max(pool.maxsize, alive + 2)
    try:
        result = pool.spawn(body).get()
    finally:
        user.stop = True
    if isinstance(result, _Raised):
        raise result.error
