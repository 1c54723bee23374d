"""Worker processes: a Locust master here, `arena worker` processes it starts itself (one per
core for the peak; one with --web alone, so that the web UI lives in the master, out of the
users' process) plus remote ones. Only workers that prove the run's token take part
(arena/load/auth.py); each second they send their histograms ("arena_metrics"), and the plan
for an engine ("arena_plan") travels the other way, to them alone.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from typing import Any

import gevent
from locust.runners import STATE_STOPPED, MasterRunner

from arena.errors import ArenaError
from arena.load import auth
from arena.load.cluster import Cluster, Collected
from arena.load.config import LoadConfig
from arena.load.metrics import Interval
from arena.load.shapes import StagedShape
from arena.runtime.base import free_port

WORKER_CONNECT_TIMEOUT_S = 60
PLAN_TIMEOUT_S = 120


class AuthenticatedMaster(MasterRunner):
    """Locust's master, deaf to any peer that has not proven the run's token: an uninvited
    client is never counted as a worker, given users or a plan, nor heard (a forged "ready"
    or metrics message cannot fail or skew a run)."""

    def __init__(self, environment: Any, token: str, *args: Any, **kwargs: Any) -> None:
        self.token = token
        self.trusted: set[str] = set()
        self.refused: set[str] = set()
        super().__init__(environment, *args, **kwargs)

    def handle_message(self, client_id: str, msg: Any) -> None:
        if client_id not in self.trusted:
            proven = msg.type == "client_ready" and msg.node_id == client_id
            if not (proven and auth.verify(self.token, client_id, msg.data)):
                self.refused.add(client_id)
                return
            self.trusted.add(client_id)
        if msg.node_id != client_id:  # a trusted socket speaking for another node
            return
        super().handle_message(client_id, msg)


class MasterCluster(Cluster):
    """The master side of --workers / --remote-workers."""

    def __init__(self, config: LoadConfig, web_port: int | None = None) -> None:
        super().__init__()
        self.expected = self._own_workers(config) + config.remote_workers
        self.sources = self.expected
        self.port = config.master_port or free_port()
        self.token = auth.run_token()
        # Environment._create_runner is what create_master_runner calls, with our class.
        self.runner = self.env._create_runner(
            AuthenticatedMaster, self.token, master_bind_host=config.master_bind,
            master_bind_port=self.port,
        )  # fmt: skip
        self.runner.register_message("arena_metrics", self._on_metrics)
        self.runner.register_message("arena_ready", self._on_ready)
        self._open_web(web_port)
        self.key = ""
        self.pending: Collected = []
        self.finals: set[str] = set()
        self.acks: dict[str, str | None] = {}
        if config.remote_workers and not os.environ.get(auth.TOKEN_ENV):
            from arena import console

            console.info(
                f"Remote workers: {auth.TOKEN_ENV}={self.token} arena worker --master HOST "
                f"--master-port {self.port}"
            )
        self.procs = [self._spawn_worker() for _ in range(self._own_workers(config))]
        self._wait_for_workers()

    @staticmethod
    def _own_workers(config: LoadConfig) -> int:
        """The worker processes this master starts: --workers, or one for --web alone (the
        web UI then lives here, out of the users' process)."""
        return config.workers or (0 if config.remote_workers else 1)

    def _spawn_worker(self) -> subprocess.Popen:
        bind = self.runner.master_bind_host
        host = "127.0.0.1" if bind in ("*", "0.0.0.0") else bind
        return subprocess.Popen(
            [sys.executable, "-m", "arena", "worker", "--master", host,
             "--master-port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            env={**os.environ, auth.TOKEN_ENV: self.token},  # not argv: others can read that
            start_new_session=True,  # Ctrl-C goes to the master, which stops the workers
        )  # fmt: skip

    def _wait_for_workers(self) -> None:
        deadline = time.monotonic() + WORKER_CONNECT_TIMEOUT_S
        while len(self.runner.clients.ready) < self.expected:
            dead = [p for p in self.procs if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                details = dead[0].stderr.read().decode(errors="replace")[-2000:] if dead else ""
                self.close()
                raise ArenaError(
                    f"Only {len(self.runner.clients.ready)} of {self.expected} load workers "
                    "connected.",
                    f"Remote workers: run `{auth.TOKEN_ENV}=<this run's token> arena worker "
                    f"--master HOST --master-port {self.port}` on each machine.",
                    details,
                )
            gevent.sleep(0.1)

    def _on_ready(self, environment: Any, msg: Any) -> None:
        if msg.data.get("run") == self.key:
            self.acks[msg.node_id] = msg.data.get("error")

    def _on_metrics(self, environment: Any, msg: Any) -> None:
        if msg.data.get("run") != self.key:
            return
        interval = Interval.from_message(msg.data["interval"])
        self.pending.append((int(msg.data["second"]), msg.node_id, interval))
        if msg.data.get("final"):
            self.finals.add(msg.node_id)

    def prepare(self, plan: dict[str, Any]) -> None:
        self.key, self.acks, self.finals, self.pending = plan["run"], {}, set(), []
        plan = {**plan, "tps": plan["tps"] / self.expected if plan.get("tps") else None}
        for node in self.runner.clients.all:  # proven workers only (AuthenticatedMaster)
            self.runner.send_message("arena_plan", plan, client_id=node.id)
        deadline = time.monotonic() + PLAN_TIMEOUT_S
        while len(self.acks) < self.expected and time.monotonic() < deadline:
            gevent.sleep(0.05)
        errors = [e for e in self.acks.values() if e]
        if errors or len(self.acks) < self.expected:
            raise ArenaError(
                f"{plan['engine']}: a load worker could not prepare: "
                f"{errors[0] if errors else 'no answer in time'}",
                "Check that every worker machine can reach the engine.",
            )

    def start(self, shape: StagedShape, start_at: float) -> None:
        self._set_shape(shape, start_at)
        # before the spawn messages on the same socket: workers anchor first, then spawn
        self.runner.send_message("arena_start", {"run": self.key, "start_at": start_at})
        self.runner.start_shape()

    def collect(self) -> Collected:
        pending, self.pending = self.pending, []
        return pending

    def finished(self) -> bool:
        return self.runner.state == STATE_STOPPED or self.stopped_at is not None

    def stop(self) -> None:
        self.stopped_at = self.stopped_at or time.perf_counter()
        # Ahead of Locust's own stop, which workers act on only after ~30 ms of inspect.stack()
        self.runner.send_message("arena_stop", {"run": self.key})
        self.runner.stop()

    def finalize(self) -> Collected:
        deadline = time.monotonic() + 15
        while len(self.finals) < self.expected and time.monotonic() < deadline:
            gevent.sleep(0.05)
        # workers become ready again once they have stopped; the next engine needs them so
        while len(self.runner.clients.ready) < self.expected and time.monotonic() < deadline:
            gevent.sleep(0.05)
        return self.collect()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.runner.quit()
        for proc in self.procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
        super().close()
