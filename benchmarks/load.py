"""arena load vs pgbench and sysbench, in one run, on the same servers (not a timed test).

    python benchmarks/load.py                 # 10 s per measurement (quick)
    python benchmarks/load.py --duration 20   # the issue's comparison: pgbench -S -T 20

Starts native PostgreSQL and MariaDB through arena's runtime in a temporary project, loads
pgbench's and sysbench's own data, then measures back to back:

  PostgreSQL  closed: pgbench -S -c 2 -j 2 -T D   vs  arena load, PK lookups, 2 users
              open:   pgbench -S -R RATE (Poisson) vs  arena load --tps RATE --arrival poisson
  MariaDB     closed: sysbench oltp_point_select --threads 2, a bare loop (2 processes, no
                      arena; and 2 threads of one process, the yardstick of arena's users
                      sharing a process) and arena load with 2 users, all running sysbench's
                      point select (arena: as a custom operation), for each
                      MySQL-family load driver installed (mariadb = Connector/Python, C;
                      pymysql), chosen with ARENA_MYSQL_DRIVER
              open:   sysbench --rate RATE --percentile 50    vs  arena load --tps RATE

Both tools measure latency under a rate from the scheduled start, like arena. pgbench's p50
comes from its per-transaction log (-l), sysbench's from --percentile=50. Targets: arena's
peak >= 0.8 x pgbench -S (issue 5); on MariaDB arena within 15 % of the bare loop with the same
driver and >= 0.5 x sysbench (issue 15); achieved rate within 1 % of --tps; p50 within 10 % of
the reference tool's at the same rate. The client and the server share this machine's cores,
so every measurement is repeated `--rounds` times, alternating tool and arena; ratios are
taken within each round (the same sitting) and their median is kept.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import multiprocessing
import os
import queue
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from arena import lifecycle
from arena.state import ProjectState

PGBENCH_DIRS = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)


def pg_tool(name: str) -> str:
    found = shutil.which(name) or next(
        (f"{d}/{name}" for d in PGBENCH_DIRS if os.access(f"{d}/{name}", os.X_OK)), None
    )
    if not found:
        sys.exit(f"{name} not found (apt-get install postgresql)")
    return found


def sh(cmd: list[str], env: dict | None = None, cwd: str | None = None) -> str:
    out = subprocess.run(
        cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}, cwd=cwd
    )
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    return out.stdout + out.stderr


def arena_load(
    root: Path, engine: str, mix: str, duration: int, *extra: str, env: dict | None = None
) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "arena", "load", "--engines", engine, "--mix", mix,
         "--duration", f"{duration}s", "--json", *extra],
        capture_output=True, text=True, cwd=root,
        env={**os.environ, "ARENA_PROJECT_DIR": str(root), **(env or {})},
    )  # fmt: skip
    if out.returncode != 0:
        sys.exit(f"arena load failed: {out.stderr[-2000:]}")
    result = json.loads(out.stdout)["engines"][engine]
    if result["status"] != "ok" or result["error_count"]:
        sys.exit(f"arena load on {engine}: {result['status']} {result.get('errors')}")
    return result


# -- PostgreSQL ---------------------------------------------------------------------------


def pgbench(ep, *args: str, cwd: str | None = None) -> str:
    return sh(
        [pg_tool("pgbench"), "-h", ep.host, "-p", str(ep.port), "-U", ep.user, *args, ep.database],
        env={"PGPASSWORD": ep.password},
        cwd=cwd,
    )


def pgbench_tps(text: str) -> float:
    line = next(ln for ln in text.splitlines() if ln.startswith("tps ="))
    return float(line.split()[2])


def pgbench_p50_us(ep, rate: int, duration: int) -> tuple[float, float]:
    """(achieved tps, p50 µs) of pgbench -S -R, from its per-transaction log, where the
    latency column counts from the scheduled start under -R."""
    with tempfile.TemporaryDirectory() as tmp:
        text = pgbench(ep, "-S", "-c", "2", "-j", "2", "-T", str(duration), "-R", str(rate),
                       "-l", "--log-prefix", f"{tmp}/pgb", cwd=tmp)  # fmt: skip
        latencies = np.concatenate(
            [np.loadtxt(f, usecols=2, ndmin=1) for f in glob.glob(f"{tmp}/pgb*")]
        )
    return pgbench_tps(text), float(np.percentile(latencies, 50))


# -- MariaDB ------------------------------------------------------------------------------


def sysbench(ep, *args: str) -> str:
    return sh(
        ["sysbench", "oltp_point_select", "--db-driver=mysql", f"--mysql-host={ep.host}",
         f"--mysql-port={ep.port}", f"--mysql-user={ep.user}", f"--mysql-password={ep.password}",
         f"--mysql-db={ep.database}", "--tables=1", "--table-size=100000", *args]
    )  # fmt: skip


def sysbench_numbers(text: str) -> tuple[float, float]:
    """(transactions per second, the reported percentile in µs)."""
    tps = pct = 0.0
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("transactions:"):
            tps = float(s.split("(")[1].split()[0])
        if "th percentile:" in s:
            pct = float(s.split(":")[1]) * 1000
    return tps, pct


SYSBENCH_ROWS = 100_000
# sysbench oltp_point_select's own statement, for arena (a custom operation) and the bare
# loop alike: arena's generated pk_lookup reads every column (c and pad: 2.5x the bytes).
BARE_SQL = "SELECT c FROM sbtest1 WHERE id = %s"
MY_POINT_SELECT_MIX = f"""name: point-select
custom:
  - name: point_select
    weight: 100
    sql: SELECT c FROM sbtest1 WHERE id = :id
    params:
      id: {{int: [1, {SYSBENCH_ROWS}]}}
"""


def mysql_drivers() -> list[str]:
    """The MySQL-family load drivers installed here, as arena would pick them."""
    from arena.engines import get_engine

    engine = get_engine("mariadb")
    return [d for d in engine.load_drivers if _imports(d)]


def _imports(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _bare_threads(ep: dict, driver: str, seconds: float, clients: int, out: object) -> None:
    """`clients` clients as OS threads of one process (arena's users sharing a process)."""
    rates = queue.Queue()
    start = threading.Barrier(clients)
    threads = [
        threading.Thread(target=_bare_user, args=(ep, driver, seconds, start, rates))
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put(sum(rates.get() for _ in threads))


def _bare_user(ep: dict, driver: str, seconds: float, start: object, out: object) -> None:
    """One client: the driver's own cursor in a plain loop, the way arena's session uses it
    (mariadb: a binary-protocol prepared statement; pymysql: its text protocol)."""
    rng = random.Random()
    module = __import__(driver)
    conn = module.connect(host=ep["host"], port=ep["port"], user=ep["user"],
                          password=ep["password"], database=ep["database"], autocommit=True)  # fmt: skip
    if driver == "mariadb":
        cur, sql = conn.cursor(prepared=True, binary=True), BARE_SQL.replace("%s", "?")
        cur.execute(sql, (1,))
        cur.fetchall()
        # Prepared once, as arena's session does (see drivers/mysql_mariadb.py: without this
        # Connector/Python 1.1 prepares the statement again on every execute).
        cur._reprepare = False
    else:
        cur, sql = conn.cursor(), BARE_SQL
    start.wait()
    done, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        for _ in range(50):
            cur.execute(sql, (rng.randint(1, SYSBENCH_ROWS),))
            cur.fetchall()
        done += 50
    conn.close()
    out.put(done / seconds)


def _cpu_s(pid: int) -> tuple[int, float]:
    """(parent pid, CPU seconds used so far) of a process; (-1, 0) when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return -1, 0.0
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _descendants_cpu(root: int, skip: frozenset[int]) -> tuple[frozenset[int], float]:
    """(pids, CPU seconds) of every process below `root` (not `root` itself), leaving out
    the processes in `skip` and all below them (the native servers are this script's
    children too, and PostgreSQL forks a backend per connection)."""
    parents: dict[int, list[tuple[int, float]]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            ppid, cpu = _cpu_s(int(entry))
            parents.setdefault(ppid, []).append((int(entry), cpu))
    pids, total, todo = set(), 0.0, [root]
    while todo:
        for pid, cpu in parents.get(todo.pop(), []):
            if pid in skip:
                continue
            pids.add(pid)
            total += cpu
            todo.append(pid)
    return frozenset(pids), total


@contextlib.contextmanager
def cpu_per_op(numbers: dict[str, float], key: str, server_pid: int | None):
    """CPU µs per operation of the client (every process this script started for the
    measurement: the tool, the bare loop's processes, arena and its workers) and of the
    server, while the load ran, for the measurement `numbers[key]` (ops/s) made inside the
    block. The load's stretch is where the server is busy (start-up, introspection and the
    final report are left out), sampled every 0.2 s. On a machine whose cores are shared,
    these say what bounds the rate better than the rate itself: with the cores busy, ops/s
    is about cores / (client + server µs per op)."""
    samples: list[tuple[float, frozenset[int], float, float]] = []
    done = threading.Event()
    servers, _ = _descendants_cpu(os.getpid(), frozenset())  # what ran before: not the client

    def sample() -> None:
        while not done.wait(0.2):
            pids, client = _descendants_cpu(os.getpid(), servers)
            samples.append((time.monotonic(), pids, client, _cpu_s(server_pid or 0)[1]))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield
    finally:
        done.set()
        sampler.join()
    steps = [
        (b[0] - a[0], b[2] - a[2], b[3] - a[3])
        for a, b in zip(samples, samples[1:], strict=False)
        if a[1] == b[1] and b[0] > a[0]
    ]
    busiest = max((server / dt for dt, _, server in steps), default=0.0)
    load = [step for step in steps if busiest and step[2] / step[0] >= 0.5 * busiest][1:-1]
    rate = numbers.get(key, 0.0)
    if load and rate:
        seconds = sum(dt for dt, _, _ in load)
        numbers[f"{key}_client_us"] = sum(c for _, c, _ in load) / seconds / rate * 1e6
        numbers[f"{key}_server_us"] = sum(sv for _, _, sv in load) / seconds / rate * 1e6


def connect_args(ep) -> dict:
    """The bare loop's connect() arguments, as plain data for its processes."""
    return {"host": ep.host, "port": ep.port, "user": ep.user, "password": ep.password,
            "database": ep.database}  # fmt: skip


def bare_loop(ep, driver: str, seconds: int, clients: int = 2) -> float:
    """Queries per second of `clients` processes running the PK lookup with no arena."""
    endpoint = connect_args(ep)
    start, out = multiprocessing.Barrier(clients), multiprocessing.Queue()
    procs = [
        multiprocessing.Process(target=_bare_user, args=(endpoint, driver, seconds, start, out))
        for _ in range(clients)
    ]
    for proc in procs:
        proc.start()
    rates = [out.get(timeout=seconds + 60) for _ in procs]
    for proc in procs:
        proc.join()
    return sum(rates)


def bare_threads(ep, driver: str, seconds: int, clients: int = 2) -> float:
    """Queries per second of `clients` threads of one process running the PK lookup."""
    endpoint = connect_args(ep)
    out = multiprocessing.Queue()
    proc = multiprocessing.Process(
        target=_bare_threads, args=(endpoint, driver, seconds, clients, out)
    )
    proc.start()
    rate = out.get(timeout=seconds + 60)
    proc.join()
    return rate


# -- the run ------------------------------------------------------------------------------


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "n/a"


def median_of(rounds: int, measure, runs: list | None = None) -> dict[str, float]:
    """Run `measure()` (a dict of numbers) `rounds` times; the median of each number (the
    rounds themselves are appended to `runs` when given)."""
    done = [measure() for _ in range(rounds)]
    if runs is not None:
        runs.extend(done)
    keys = dict.fromkeys(k for r in done for k in r)  # CPU figures may miss in a round
    return {k: statistics.median(r[k] for r in done if k in r) for k in keys}


def cpu_text(numbers: dict[str, float], key: str) -> str:
    client, server = numbers.get(f"{key}_client_us"), numbers.get(f"{key}_server_us")
    if client is None or server is None:
        return "n/a"
    return f"client {client:.0f} + server {server:.0f}"


def median_ratio(runs: list[dict[str, float]], a: str, b: str) -> float:
    """The median over rounds of a / b, each taken within one round (the same sitting)."""
    return statistics.median(r[a] / r[b] for r in runs if r[b])


def closed_arena(
    root: Path, engine: str, mix: Path, d: int, workers: int, env: dict | None = None
) -> dict[str, float]:
    many = arena_load(root, engine, str(mix), d, "--users", "2", "--workers", str(workers), env=env)
    one = arena_load(root, engine, str(mix), d, "--users", "2", env=env)
    return {"arena_workers": many["throughput_per_s"], "arena_1proc": one["throughput_per_s"]}


def open_arena(root: Path, engine: str, mix: Path, d: int, rate: int) -> dict[str, float]:
    res = arena_load(root, engine, str(mix), d, "--users", "2", "--tps", str(rate))
    return {"arena_tps": res["throughput_per_s"], "arena_p50": res["overall"]["p50_us"]}


def postgres_part(root: Path, state: ProjectState, args, report: dict) -> None:
    d, pg = args.duration, state.endpoint("postgres")
    pgbench(pg, "-i", "-q", "-s", "1")
    mix = root / "pg_point_select.yaml"
    mix.write_text("name: point-select\noperations: {pk_lookup pgbench_accounts: 100}\n")
    closed_args = ["-S", "-c", "2", "-j", "2", "-T", str(d)]

    def closed() -> dict[str, float]:
        return {
            "pgbench": pgbench_tps(pgbench(pg, *closed_args)),
            "pgbench_prepared": pgbench_tps(pgbench(pg, *closed_args, "-M", "prepared")),
            **closed_arena(root, "postgres", mix, d, args.workers),
        }

    runs: list[dict[str, float]] = []
    med = median_of(args.rounds, closed, runs)
    best = max(med["arena_workers"], med["arena_1proc"])
    report["postgres_closed"] = {
        **med, "arena_peak": best, "ratio": best / med["pgbench"], "rounds": runs,
        "arena_workers/pgbench": median_ratio(runs, "arena_workers", "pgbench"),
    }  # fmt: skip
    print(
        f"PostgreSQL closed, 2 clients: pgbench -S {med['pgbench']:,.0f} tps "
        f"(-M prepared {med['pgbench_prepared']:,.0f}) | arena {args.workers} workers "
        f"{med['arena_workers']:,.0f} | arena 1 process {med['arena_1proc']:,.0f} | peak ratio "
        f"{ratio(best, med['pgbench'])} vs -S (target >= 0.80), "
        f"{ratio(best, med['pgbench_prepared'])} vs -S -M prepared"
    )

    if args.closed_only:
        return

    def opened() -> dict[str, float]:
        tps, p50 = pgbench_p50_us(pg, args.pg_rate, d)
        return {"pgbench_tps": tps, "pgbench_p50": p50,
                **open_arena(root, "postgres", mix, d, args.pg_rate)}  # fmt: skip

    med = median_of(args.rounds, opened)
    report["postgres_open"] = {**med, "rate": args.pg_rate}
    print(
        f"PostgreSQL open at {args.pg_rate}/s (Poisson): pgbench -R {med['pgbench_tps']:,.1f} "
        f"tps p50 {med['pgbench_p50']:.0f} µs | arena {med['arena_tps']:,.1f} tps "
        f"({(med['arena_tps'] / args.pg_rate - 1) * 100:+.2f} % of target; target within 1 %) "
        f"p50 {med['arena_p50']:.0f} µs | p50 ratio "
        f"{ratio(med['arena_p50'], med['pgbench_p50'])} (target 0.90-1.10)"
    )


def mariadb_part(root: Path, state: ProjectState, args, report: dict) -> None:
    d, my = args.duration, state.endpoint("mariadb")
    sysbench(my, "prepare")
    mix = root / "my_point_select.yaml"
    mix.write_text(MY_POINT_SELECT_MIX)
    drivers = mysql_drivers()

    def closed() -> dict[str, float]:
        numbers: dict[str, float] = {}
        with cpu_per_op(numbers, "sysbench", my.pid):
            text = sysbench(my, "--threads=2", f"--time={d}", "run")
            numbers["sysbench"] = sysbench_numbers(text)[0]
        for driver in drivers:
            with cpu_per_op(numbers, f"bare_{driver}", my.pid):
                numbers[f"bare_{driver}"] = bare_loop(my, driver, d)
            with cpu_per_op(numbers, f"bare_threads_{driver}", my.pid):
                numbers[f"bare_threads_{driver}"] = bare_threads(my, driver, d)
            env = {"ARENA_MYSQL_DRIVER": driver}
            with cpu_per_op(numbers, f"arena_workers_{driver}", my.pid):
                numbers[f"arena_workers_{driver}"] = arena_load(
                    root,
                    "mariadb",
                    str(mix),
                    d,
                    "--users",
                    "2",
                    "--workers",
                    str(args.workers),
                    env=env,
                )["throughput_per_s"]
            with cpu_per_op(numbers, f"arena_1proc_{driver}", my.pid):
                numbers[f"arena_1proc_{driver}"] = arena_load(
                    root, "mariadb", str(mix), d, "--users", "2", env=env
                )["throughput_per_s"]
        return numbers

    runs: list[dict[str, float]] = []
    med = median_of(args.rounds, closed, runs)
    report["mariadb_closed"] = {**med, "rounds": runs}
    print(
        f"MariaDB closed, 2 clients: sysbench oltp_point_select {med['sysbench']:,.0f} tps "
        f"(CPU µs per op: {cpu_text(med, 'sysbench')})"
    )
    for driver in drivers:
        workers, bare = f"arena_workers_{driver}", f"bare_{driver}"
        ratios = {
            "arena/bare": median_ratio(runs, workers, bare),
            "arena/sysbench": median_ratio(runs, workers, "sysbench"),
            "bare/sysbench": median_ratio(runs, bare, "sysbench"),
            "arena 1 process/bare": median_ratio(runs, f"arena_1proc_{driver}", bare),
            "arena 1 process/bare threads": median_ratio(
                runs, f"arena_1proc_{driver}", f"bare_threads_{driver}"
            ),
        }
        report["mariadb_closed"][f"ratios_{driver}"] = ratios
        print(
            f"  {driver}: bare loop (2 processes) {med[bare]:,.0f} | arena {args.workers} "
            f"workers {med[workers]:,.0f} | arena 1 process {med[f'arena_1proc_{driver}']:,.0f}"
            f" | arena/bare {ratios['arena/bare']:.2f} (target >= 0.85), arena/sysbench "
            f"{ratios['arena/sysbench']:.2f} (target >= 0.50), bare/sysbench "
            f"{ratios['bare/sysbench']:.2f}, 1 process/bare {ratios['arena 1 process/bare']:.2f}"
        )
        print(
            f"    bare loop, 2 threads of 1 process: {med[f'bare_threads_{driver}']:,.0f} | arena "
            f"1 process / it {ratios['arena 1 process/bare threads']:.2f}"
        )
        print(
            f"    CPU µs per op: bare {cpu_text(med, bare)} | arena {args.workers} workers "
            f"{cpu_text(med, workers)} | arena 1 process {cpu_text(med, f'arena_1proc_{driver}')}"
        )
    if args.closed_only:
        return

    def opened() -> dict[str, float]:
        text = sysbench(my, "--threads=2", f"--time={d}", f"--rate={args.my_rate}",
                        "--percentile=50", "run")  # fmt: skip
        tps, p50 = sysbench_numbers(text)
        return {"sysbench_tps": tps, "sysbench_p50": p50,
                **open_arena(root, "mariadb", mix, d, args.my_rate)}  # fmt: skip

    med = median_of(args.rounds, opened)
    report["mariadb_open"] = {**med, "rate": args.my_rate}
    print(
        f"MariaDB open at {args.my_rate}/s: sysbench --rate {med['sysbench_tps']:,.1f} tps "
        f"p50 {med['sysbench_p50']:.0f} µs | arena {med['arena_tps']:,.1f} tps "
        f"({(med['arena_tps'] / args.my_rate - 1) * 100:+.2f} % of target) p50 "
        f"{med['arena_p50']:.0f} µs | p50 ratio {ratio(med['arena_p50'], med['sysbench_p50'])}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    ap.add_argument("--rounds", type=int, default=1, help="alternating repeats (median kept)")
    ap.add_argument("--pg-rate", type=int, default=5000, help="open-loop rate for PostgreSQL")
    ap.add_argument("--my-rate", type=int, default=2000, help="open-loop rate for MariaDB")
    ap.add_argument("--workers", type=int, default=2, help="arena worker processes for the peak")
    ap.add_argument("--skip-mariadb", action="store_true")
    ap.add_argument("--closed-only", action="store_true", help="skip the open-loop rates")
    args = ap.parse_args()

    root = Path(tempfile.mkdtemp(prefix="arena-bench-"))
    os.chmod(root, 0o755)
    state = ProjectState(root)
    engines = ["postgres"] + ([] if args.skip_mariadb else ["mariadb"])
    report: dict = {"duration_s": args.duration, "rounds": args.rounds}
    try:
        for r in lifecycle.up(engines, "native", state=state):
            if r.error:
                sys.exit(f"{r.engine}: {r.error.one_line()}")
        postgres_part(root, state, args, report)
        if not args.skip_mariadb:
            mariadb_part(root, state, args, report)
        print(json.dumps(report, indent=2))
    finally:
        lifecycle.down(purge=True, state=state)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
