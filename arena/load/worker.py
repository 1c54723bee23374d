"""`arena worker`: join a master with the run's token, load whatever engine it sends a plan
for, report each second; exits when the master quits. Gives up, with a one-line error, when
no master accepts it within the timeout."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import gevent
from locust import __version__ as locust_version
from locust.env import Environment
from locust.rpc import Message
from locust.runners import WorkerRunner

from arena.errors import ArenaError
from arena.load import auth
from arena.load.glue import Holder, make_user_class, wall_second
from arena.load.process import make_process

DEFAULT_TIMEOUT_S = 60.0
RETRY_EVERY_S = 1.0


class MasterUnreachableError(ArenaError):
    """No master accepted this worker in time."""


class AuthenticatedWorker(WorkerRunner):
    """Locust's worker, whose first message carries the proof of the run's token and which
    waits for the master's acknowledgement `timeout` seconds at most (Locust's own loop
    retries for five minutes, silently)."""

    def __init__(self, environment: Any, host: str, port: int, token: str, timeout: float):
        self.token = token
        self.timeout = timeout
        super().__init__(environment, host, port)

    def connect_to_master(self) -> None:
        deadline = time.monotonic() + self.timeout
        greeting = auth.greeting(locust_version, self.token, self.client_id)
        while True:
            self.client.send(Message("client_ready", greeting, self.client_id))
            left = deadline - time.monotonic()
            if self.connection_event.wait(timeout=max(0.05, min(RETRY_EVERY_S, left))):
                break
            if time.monotonic() >= deadline:
                raise MasterUnreachableError(
                    f"No load master accepted this worker at {self.master_host}:"
                    f"{self.master_port} within {self.timeout:g} s.",
                    "Start `arena load --remote-workers N` first, check host and port, and give "
                    f"this worker the run's token (--token or {auth.TOKEN_ENV}).",
                )
        self.connected = True


def run_worker(master_host: str, master_port: int, token: str, timeout: float) -> None:
    holder = Holder()
    env = Environment(user_classes=[make_user_class(holder)], stop_timeout=0)
    runner = env._create_runner(AuthenticatedWorker, master_host, master_port, token, timeout)
    current = {"run": ""}

    def on_plan(environment: Any, msg: Any) -> None:
        plan = msg.data
        error = None
        try:
            holder.process = make_process(plan, getattr(runner, "worker_index", 0) or 0)
            current["run"] = plan["run"]
        except Exception as exc:  # reported to the master, which fails the engine
            holder.process = None
            error = f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"
        runner.send_message("arena_ready", {"run": plan["run"], "error": error})

    def send(final: bool) -> None:
        process = holder.process
        if process is None:
            return
        interval = process.recorder.drain(process.users)
        runner.send_message(
            "arena_metrics",
            {
                "run": current["run"], "second": wall_second(),
                "interval": interval.to_message(), "final": final,
            },
        )  # fmt: skip

    def reporter() -> None:
        # Drain on whole wall-clock seconds, so every worker's second N covers the same time.
        while True:
            now = time.time()
            gevent.sleep(int(now) + 1 - now)
            with contextlib.suppress(Exception):
                send(False)

    def on_test_stop(**_: Any) -> None:
        send(True)

    def on_start(environment: Any, msg: Any) -> None:
        if holder.process is not None and msg.data.get("run") == current["run"]:
            holder.process.begin_at(float(msg.data["start_at"]))

    def on_stop(environment: Any, msg: Any) -> None:
        if holder.process is not None and msg.data.get("run") == current["run"]:
            holder.process.stopped = True

    runner.register_message("arena_plan", on_plan)
    runner.register_message("arena_stop", on_stop)
    runner.register_message("arena_start", on_start)
    env.events.test_stop.add_listener(on_test_stop)
    gevent.spawn(reporter)
    runner.greenlet.join()
