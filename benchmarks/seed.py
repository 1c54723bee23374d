"""Seeding speed: 1M rows of the ecommerce schema into PostgreSQL and MariaDB, against
`pgbench -i -s 10` (1M narrow rows) on the same PostgreSQL in the same run.

    python benchmarks/seed.py [--rows 1m] [--config seeds/ecommerce.yaml] [--keep]

Native servers are started through arena's own runtime in a temporary project and removed
afterwards. Each engine is seeded alone (no neighbour competing for the CPU), then both side
by side. Targets (2-core machine): PostgreSQL >= 0.4 x pgbench -i rows/s, MariaDB >= 150k
rows/s.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from arena import domains as schemas  # noqa: E402
from arena import lifecycle  # noqa: E402
from arena.engines import get_engine  # noqa: E402
from arena.seed import SeedOptions, seed, seed_engine  # noqa: E402
from arena.seed.config import load_config  # noqa: E402
from arena.state import ProjectState  # noqa: E402
from arena.units import parse_count  # noqa: E402

PG_TARGET_RATIO = 0.4
MARIADB_TARGET = 150_000


def pgbench_binary() -> str:
    found = shutil.which("pgbench") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"), reverse=True)), None
    )
    if not found:
        sys.exit("pgbench not found (apt-get install postgresql-client)")
    return found


def run_pgbench(endpoint) -> tuple[float, float]:
    """(wall seconds, pgbench's own 'done in' seconds) for pgbench -i -s 10."""
    env = dict(os.environ, PGPASSWORD=endpoint.password)
    cmd = [
        pgbench_binary(), "-i", "-s", "10", "-q", "-h", endpoint.host, "-p", str(endpoint.port),
        "-U", endpoint.user, endpoint.database,
    ]  # fmt: skip
    started = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - started
    if out.returncode != 0:
        sys.exit(f"pgbench -i failed: {out.stderr.strip()}")
    done = re.search(r"done in ([\d.]+) s", out.stderr)
    return wall, float(done.group(1)) if done else wall


def fresh_ecommerce(engine, endpoint) -> list[str]:
    schemas.apply("ecommerce", engine, endpoint, drop_existing=True)
    return schemas.definition("ecommerce").schema.table_names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1m")
    parser.add_argument("--config", default=str(ROOT / "seeds" / "ecommerce.yaml"))
    parser.add_argument("--keep", action="store_true", help="leave the servers up")
    args = parser.parse_args()
    rows = parse_count(args.rows)
    config = load_config(args.config) if args.config else None

    root = Path(tempfile.mkdtemp(prefix="arena-bench-seed-"))
    os.chmod(root, 0o755)  # native servers run as an unprivileged user
    state = ProjectState(root)
    try:
        results = lifecycle.up(["postgres", "mariadb"], "native", state=state)
        for r in results:
            if r.error:
                sys.exit(f"{r.engine} did not start: {r.error.one_line()}")
        targets = {n: (get_engine(n), state.endpoint(n)) for n in ("postgres", "mariadb")}
        for name, (_engine, endpoint) in targets.items():
            print(f"{name}: {endpoint.version}")

        _, pg_endpoint = targets["postgres"]
        bench_wall, bench_done = run_pgbench(pg_endpoint)
        bench_rate = 1_000_000 / bench_done
        print(f"\npgbench -i -s 10: 1,000,000 rows, done in {bench_done:.2f} s "
              f"({bench_rate:,.0f} rows/s; {bench_wall:.2f} s wall)")  # fmt: skip

        print(f"\nalone: {rows:,} rows of ecommerce per engine ({Path(args.config).name})")
        print(f"{'engine':<10}{'rows':>10}{'load s':>9}{'total s':>9}{'rows/s':>11}"
              f"{'total rows/s':>14}  check")  # fmt: skip
        alone = {}
        for name, (engine, endpoint) in targets.items():
            tables = fresh_ecommerce(engine, endpoint)
            options = SeedOptions(
                rows=rows, config=config or SeedOptions(rows).config, tables=tables
            )
            started = time.perf_counter()
            result = seed_engine(engine, endpoint, options)
            total = time.perf_counter() - started
            alone[name] = (result, total)
            if not result.ok:
                sys.exit(f"{name}: seeding failed: {result.to_dict()}")
            print(f"{name:<10}{result.rows:>10,}{result.seconds:>9.2f}{total:>9.2f}"
                  f"{result.rows_per_second:>11,.0f}{result.rows / total:>14,.0f}  "
                  f"verified {len(result.verification.fks)} FKs, 0 orphans")  # fmt: skip

        pg, pg_total = alone["postgres"]
        maria, maria_total = alone["mariadb"]
        ratio = pg.rows_per_second / bench_rate
        print(f"\nPostgreSQL / pgbench -i rows/s: {ratio:.2f} (target >= {PG_TARGET_RATIO}); "
              f"including setup (introspection, plan, generators): {pg.rows / pg_total / bench_rate:.2f}")  # fmt: skip
        print(
            f"PostgreSQL 1M rows: load {pg.seconds:.2f} s, total {pg_total:.2f} s (target <= 5 s)"
        )
        print(f"MariaDB rows/s: {maria.rows_per_second:,.0f} (target >= {MARIADB_TARGET:,}); "
              f"including setup: {maria.rows / maria_total:,.0f}")  # fmt: skip

        print("\nside by side (both engines at once, one progress each in the CLI):")
        pairs = []
        for _name, (engine, endpoint) in targets.items():
            fresh_ecommerce(engine, endpoint)
            pairs.append((engine, endpoint))
        tables = schemas.definition("ecommerce").schema.table_names
        options = SeedOptions(rows=rows, config=config or SeedOptions(rows).config, tables=tables)
        started = time.perf_counter()
        both = seed(pairs, options)
        wall = time.perf_counter() - started
        for r in both:
            print(
                f"  {r.engine:<10}{r.rows:>10,} rows {r.seconds:>7.2f} s {r.rows_per_second:>10,.0f} rows/s ok={r.ok}"
            )
        print(f"  wall {wall:.2f} s for {sum(r.rows for r in both):,} rows")
    finally:
        if not args.keep:
            lifecycle.down(purge=True, state=state)
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
