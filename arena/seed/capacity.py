"""Refuse a seed that cannot fit before generating a row: `--rows 1000b` must be a one-line
error, not a MemoryError (or a full disk) an hour later.

The estimate is deliberately rough: bytes per row from the column types (what the engines
store, headers included), times the planned rows, against the free space of the disk the
engine writes to; and the generators' working memory (tables with a composite unique key
materialise a few int64 per row) against the memory available.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from arena.engines.base import Engine
from arena.errors import ArenaError
from arena.models import Endpoint
from arena.schema import Column
from arena.seed.plan import SeedPlan

ROW_OVERHEAD = 24  # a row header (PostgreSQL's HeapTupleHeader is 23 bytes; InnoDB ~20)
STORED_BYTES = {
    "smallint": 2, "int": 4, "bigint": 8, "decimal": 8, "float": 8, "bool": 1, "date": 4,
    "time": 8, "timestamp": 8, "timestamptz": 8, "uuid": 16, "json": 60, "text": 120,
}  # fmt: skip
TUPLE_WORK_BYTES = 64  # per row of a composite-unique table: row numbers, codes, keys


def column_bytes(column: Column) -> int:
    if column.logical in ("char", "varchar"):
        return min(column.length or 32, 64)
    if column.logical == "blob":
        return min(column.length or 16, 64)
    return STORED_BYTES.get(column.logical, 16)


def row_bytes(columns: tuple[Column, ...]) -> int:
    return ROW_OVERHEAD + sum(column_bytes(c) for c in columns)


def planned_bytes(plan: SeedPlan) -> int:
    return sum(tp.rows * row_bytes(tp.table.columns) for tp in plan.tables)


def data_dir(endpoint: Endpoint) -> Path:
    """Where the engine's data lands: SQLite's file, else the project (native servers keep
    their data under .arena/; docker volumes on this machine's disk)."""
    if endpoint.path:
        return Path(endpoint.path).parent
    return Path(os.environ.get("ARENA_PROJECT_DIR") or os.getcwd())


def available_memory() -> int | None:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def check_fits(plan: SeedPlan, engine: Engine, endpoint: Endpoint) -> None:
    needed = planned_bytes(plan)
    where = data_dir(endpoint)
    free = shutil.disk_usage(where).free if where.exists() else None
    if free is not None and needed > free:
        raise ArenaError(
            f"Seeding {plan.total_rows:,} rows needs about {size(needed)} on {engine.name}; "
            f"the disk holding {where} has {size(free)} free.",
            "Ask for fewer rows (--rows), e.g. --rows 10m.",
        )
    memory = available_memory()
    widest = max((tp.rows for tp in plan.tables if _materialised(tp)), default=0)
    if memory is not None and widest * TUPLE_WORK_BYTES > memory:
        raise ArenaError(
            f"Seeding {widest:,} rows into one table with a composite unique key needs about "
            f"{size(widest * TUPLE_WORK_BYTES)} of memory; {size(memory)} is available.",
            "Ask for fewer rows (--rows), or give that table fewer rows in a seeds YAML.",
        )


def _materialised(tp) -> bool:
    table = tp.table
    sets = [tuple(table.primary_key)] if table.primary_key else []
    sets += [u.columns for u in table.uniques] + [i.columns for i in table.indexes if i.unique]
    return any(len(s) > 1 for s in sets)


def size(n: float) -> str:
    units = ("bytes", "KiB", "MiB", "GiB", "TiB")
    step = 0
    while n >= 1024 and step < len(units) - 1:
        n /= 1024
        step += 1
    return f"{n:,.1f} {units[step]}"
