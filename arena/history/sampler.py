"""Resource use next to speed: a separate process samples once a second, outside the measured
path, per instance the server's CPU % and RSS (psutil over the server's process tree for a
native server, the Docker stats API for a container), the sessions on its database, its size
at start and end; and the CPU of every load generator process (arena and its children).

Output: JSON lines in <run folder>/resources.jsonl, one per instance per second:
{"t": wall time, "instance", "cpu_pct", "rss_bytes", "connections", "client_cpu_pct" (the
busiest load generator process), "client_cpu_total_pct", "client_busy_pct"}, plus {"t",
"instance", "db_size_bytes", "at": "start"|"end"} lines.

Client-bound: the load generator's busiest process above CLIENT_CPU_PCT in more than
CLIENT_SHARE of a run's seconds means the numbers measure arena, not the engine. "Busy" is
the busiest thread's time on a CPU plus its time waiting for one (Linux
/proc/<pid>/task/*/schedstat): on a
machine shared with other work a process that never idles may get 30% of a core, and it is
client-bound all the same (https://docs.kernel.org/scheduler/sched-stats.html).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

INTERVAL_S = 1.0
READY_TIMEOUT_S = 30.0


# -- the parent's side -----------------------------------------------------------------------
class Sampler:
    """Starts the sampling process; stop() ends it (it writes the end sizes first)."""

    def __init__(self, targets: list[Any], out: Path) -> None:
        spec = {
            "out": str(out),
            "client_pid": os.getpid(),
            "instances": [
                {"name": t.name, "engine": t.engine.name, "endpoint": t.endpoint.to_dict()}
                for t in targets
            ],
        }
        # The spec (with the passwords) goes through stdin, never argv: `ps` shows argv.
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "arena.history.sampler"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )  # fmt: skip
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write((json.dumps(spec) + "\n").encode())
        self.proc.stdin.flush()
        # Wait until it has its baselines (imports, connections: ~1 s on a busy machine), so
        # the measured part is covered from its start. A sampler that cannot start (it died)
        # answers EOF at once; the run goes on unsampled.
        if select.select([self.proc.stdout], [], [], READY_TIMEOUT_S)[0]:
            self.proc.stdout.readline()

    def stop(self, timeout: float = 10.0) -> None:
        with contextlib.suppress(OSError, ValueError):
            assert self.proc.stdin is not None
            self.proc.stdin.write(b"stop\n")
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# -- the sampling process --------------------------------------------------------------------
def _tree_cpu_seconds(root: Any, exclude: set[int]) -> tuple[float, int, dict[int, float]]:
    """(CPU seconds of root's tree incl. reaped children, RSS bytes, pid -> CPU seconds)."""
    import psutil

    per_pid: dict[int, float] = {}
    rss = 0
    total = 0.0
    try:
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0, 0, {}
    for proc in procs:
        if proc.pid in exclude:
            continue
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            own = times.user + times.system
            per_pid[proc.pid] = own
            total += own
            rss += proc.memory_info().rss
    with contextlib.suppress(psutil.Error):
        times = root.cpu_times()
        total += times.children_user + times.children_system  # backends already reaped
    return total, rss, per_pid


def _schedstat_s(pid: int) -> dict[str, float] | None:
    """Per thread of the process, seconds on a CPU plus seconds runnable and waiting for one;
    None where /proc has no schedstat."""
    found = {}
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                on_cpu, waiting = f.read().split()[:2]
            found[task] = (int(on_cpu) + int(waiting)) / 1e9
    except (OSError, ValueError):
        return None
    return found


class DockerStats(threading.Thread):
    """The container's stats stream (one document a second); keeps the latest numbers."""

    def __init__(self, container_id: str) -> None:
        super().__init__(daemon=True)
        self.container_id = container_id
        self.cpu_pct: float | None = None
        self.rss: int | None = None

    def run(self) -> None:
        with contextlib.suppress(Exception):
            import docker

            container = docker.from_env().containers.get(self.container_id)
            for doc in container.stats(stream=True, decode=True):
                cpu, pre = doc.get("cpu_stats") or {}, doc.get("precpu_stats") or {}
                delta = cpu.get("cpu_usage", {}).get("total_usage", 0) - pre.get(
                    "cpu_usage", {}
                ).get("total_usage", 0)
                system = cpu.get("system_cpu_usage", 0) - pre.get("system_cpu_usage", 0)
                cpus = cpu.get("online_cpus") or 1
                if system > 0 and pre.get("system_cpu_usage"):  # the first has no "before"
                    self.cpu_pct = round(delta / system * cpus * 100, 1)
                mem = doc.get("memory_stats") or {}
                if mem.get("usage") is not None:
                    stats = mem.get("stats") or {}  # cgroup v2 names it inactive_file
                    cache = stats.get("inactive_file", stats.get("total_inactive_file", 0))
                    self.rss = int(mem["usage"] - cache)


def _children(proc: Any) -> list[Any]:
    import psutil

    try:
        return proc.children(recursive=True)
    except psutil.Error:
        return []


def _scalar(engine: Any, conn: Any, sql: str) -> float | None:
    if not sql or conn is None:
        return None
    try:
        cur = conn.cursor()
        cur.execute(sql)
        value = cur.fetchone()[0]
        return float(value) if value is not None else None
    except Exception:
        return None


def _main() -> None:  # pragma: no cover - runs in its own process (tests drive it for real)
    import psutil

    from arena.engines import get_engine
    from arena.models import Endpoint

    spec = json.loads(sys.stdin.readline())
    stop = threading.Event()

    def wait_stop() -> None:
        sys.stdin.readline()  # "stop", or EOF when the parent died
        stop.set()

    threading.Thread(target=wait_stop, daemon=True).start()
    me = os.getpid()
    instances = []
    server_pids: set[int] = set()

    def demand() -> dict[tuple[int, str], float]:
        """(pid, thread) -> busy seconds: the busiest thread of a load generator process (its
        gevent loop) is what saturates."""
        found = {}
        for pid in [client.pid, *(p.pid for p in _children(client))]:
            if pid not in server_pids and pid != me:
                for task, value in (_schedstat_s(pid) or {}).items():
                    found[(pid, task)] = value
        return found

    for item in spec["instances"]:
        engine = get_engine(item["engine"])
        endpoint = Endpoint.from_dict(item["endpoint"])
        conn = None
        with contextlib.suppress(Exception):
            conn = engine.connect(endpoint, connect_timeout=3)
        inst: dict[str, Any] = {"name": item["name"], "engine": engine, "conn": conn}
        if endpoint.container_id:
            inst["docker"] = DockerStats(endpoint.container_id)
            inst["docker"].start()
        elif endpoint.pid:
            with contextlib.suppress(psutil.Error):
                inst["proc"] = psutil.Process(endpoint.pid)
                server_pids |= {endpoint.pid, *(p.pid for p in inst["proc"].children(True))}
        instances.append(inst)
    client = psutil.Process(spec["client_pid"])
    out = open(spec["out"], "a", buffering=1)  # noqa: SIM115 - open for the process's life

    def size_line(inst: dict[str, Any], at: str) -> None:
        size = _scalar(inst["engine"], inst["conn"], inst["engine"].database_size_sql)
        out.write(json.dumps({"t": round(time.time(), 3), "instance": inst["name"],
                              "db_size_bytes": size, "at": at}) + "\n")  # fmt: skip

    for inst in instances:
        size_line(inst, "start")
    last = time.monotonic()
    prev_client: dict[int, float] = {}
    prev_server: dict[str, float] = {}
    _, _, prev_client = _tree_cpu_seconds(client, server_pids | {me})
    prev_demand = demand()
    for inst in instances:
        if "proc" in inst:
            prev_server[inst["name"]] = _tree_cpu_seconds(inst["proc"], set())[0]
    print("ready", flush=True)  # the parent's measured part starts now
    while True:
        stopping = stop.wait(max(0.0, last + INTERVAL_S - time.monotonic()))
        now = time.monotonic()
        if stopping and now - last < 0.05:
            break  # too short a last interval to mean anything

        wall = max(now - last, 1e-3)
        last = now
        _, _, client_now = _tree_cpu_seconds(client, server_pids | {me})
        busy = [
            (client_now[pid] - prev_client[pid]) / wall * 100
            for pid in client_now if pid in prev_client
        ]  # fmt: skip
        prev_client = client_now
        demand_now = demand()
        busy_demand = [
            (demand_now[key] - prev_demand[key]) / wall * 100
            for key in demand_now if key in prev_demand
        ]  # fmt: skip
        prev_demand = demand_now
        for inst in instances:
            cpu = rss = None
            if "proc" in inst:
                total, rss, _ = _tree_cpu_seconds(inst["proc"], set())
                cpu = (total - prev_server.get(inst["name"], total)) / wall * 100
                prev_server[inst["name"]] = total
            elif "docker" in inst:
                cpu, rss = inst["docker"].cpu_pct, inst["docker"].rss
            conns = _scalar(inst["engine"], inst["conn"], inst["engine"].connections_sql)
            row = {
                "t": round(time.time(), 3), "instance": inst["name"],
                "cpu_pct": None if cpu is None else round(max(cpu, 0.0), 1), "rss_bytes": rss,
                # the sampler's own session is not the load's
                "connections": None if conns is None else max(conns - 1, 0),
                "client_cpu_pct": round(max(busy), 1) if busy else None,
                "client_cpu_total_pct": round(sum(busy), 1) if busy else None,
                "client_busy_pct": round(max(busy_demand), 1) if busy_demand else None,
            }  # fmt: skip
            out.write(json.dumps(row) + "\n")
        if stopping:  # the last, partial interval is written too: a short run gets a sample
            break
    for inst in instances:
        size_line(inst, "end")
        with contextlib.suppress(Exception):
            inst["conn"].close()
    out.close()


if __name__ == "__main__":
    _main()
