"""Load users in OS threads of their own (arena/load/threads.py): which drivers get one, the
recorder shared with the per-second drain, a kill that stops the thread, an error handed
back to the user's greenlet."""

from __future__ import annotations

import ctypes
import threading
import time

import gevent
import pytest

from arena.load.config import LoadConfig
from arena.load.drivers import Session
from arena.load.drivers.mysql import MySQLSession
from arena.load.drivers.mysql_mariadb import MariaDBSession
from arena.load.drivers.postgres import PostgresSession
from arena.load.metrics import Recorder
from arena.load.patterns import pattern
from arena.load.shapes import make_shape
from arena.load.threads import on_hub_thread, run_in_own_thread


def test_which_drivers_run_their_users_in_threads():
    assert MariaDBSession.own_thread(1) and MariaDBSession.own_thread(8)  # C, GIL released
    assert MySQLSession.own_thread(1)  # PyMySQL alone in its process: a bare loop
    assert not MySQLSession.own_thread(2)  # sharing: greenlets (threads convoy on the GIL)
    assert not PostgresSession.own_thread(1) and not Session.own_thread(1)


@pytest.mark.parametrize(
    "users, workers, expected", [(2, 0, 2), (2, 2, 1), (3, 2, 2), (1, 4, 1), (10, 3, 4)]
)
def test_users_per_process(users, workers, expected):
    config = LoadConfig(shape=make_shape("constant", users, 10), mix=pattern("read-heavy"),
                        workers=workers)  # fmt: skip
    assert config.users_per_process == expected


def test_the_drain_loses_nothing_threads_record_meanwhile():
    recorder = Recorder(["a", "b"])
    per_thread = 100_000

    def user(op: int) -> None:
        for i in range(per_thread):
            with recorder.lock:
                recorder.record(op, i)
                recorder.record_lag(1)

    threads = [threading.Thread(target=user, args=(op,)) for op in (0, 1, 1)]
    for t in threads:
        t.start()
    drained = {"a": 0, "b": 0}
    lag = 0
    while any(t.is_alive() for t in threads):
        interval = recorder.drain()
        for name, hist in interval.ops.items():
            drained[name] += hist.get_total_count()
        lag += interval.lag.get_total_count()
    for t in threads:
        t.join()
    last = recorder.drain()
    for name, hist in last.ops.items():
        drained[name] += hist.get_total_count()
    lag += last.lag.get_total_count()
    assert drained == {"a": per_thread, "b": 2 * per_thread}
    assert lag == 3 * per_thread


def timer_slack_ns() -> int:
    """The calling thread's timer slack (prctl PR_GET_TIMERSLACK)."""
    return ctypes.CDLL(None).prctl(30, 0, 0, 0, 0)


def test_a_user_thread_runs_off_the_hub_and_a_kill_stops_it():
    seen: dict = {}

    def loop(user, sleep, in_thread):
        seen["on_hub"] = on_hub_thread()
        seen["slack"] = timer_slack_ns()
        seen["in_thread"] = in_thread
        calls = 0
        while not user.stop and calls < 10_000:  # bounded: a kill must end it long before
            sleep(0.001)
            calls += 1
        seen["calls"] = calls
        seen["ended"] = time.monotonic()

    assert on_hub_thread()
    user = gevent.spawn(run_in_own_thread, loop)
    gevent.sleep(0.2)
    killed = time.monotonic()
    user.kill()  # Locust's stop or ramp-down
    deadline = time.monotonic() + 5
    while "ended" not in seen and time.monotonic() < deadline:
        gevent.sleep(0.01)
    assert seen["on_hub"] is False and seen["in_thread"] is True
    # Its sleeps wake on time; the hub's thread keeps its own slack.
    assert seen["slack"] == 1
    assert timer_slack_ns() > 1  # 50,000 by default
    assert seen["ended"] - killed < 0.5 and seen["calls"] < 10_000


def test_an_error_in_the_thread_is_raised_in_the_greenlet():
    def loop(user, sleep, in_thread):
        raise ValueError("a bug in the hot loop")

    with pytest.raises(ValueError, match="a bug in the hot loop"):
        gevent.spawn(run_in_own_thread, loop).get(timeout=10)
