"""One engine through the RLS suite: build the domain, the visibility matrix on the policed
tables, the same matrix on the broken ones (it must be flagged), the overhead; then drop it."""

from __future__ import annotations

from dataclasses import dataclass

from arena.errors import ArenaError
from arena.rls import matrix, overhead, schema
from arena.units import parse_count

ROUNDS = 4


@dataclass(frozen=True)
class RlsOptions:
    rows: int
    ops: int
    seed: int


def make_options(rows, ops, seed) -> RlsOptions:
    row_count = parse_count(rows if rows is not None else "10k", "--rows")
    if row_count < 4 or row_count > 1_000_000:
        raise ArenaError(f"Invalid --rows '{rows}': must be 4 to 1m.", "e.g. --rows 10k")
    op_count = parse_count(ops if ops is not None else "3000", "--ops")
    if op_count > 1_000_000:
        raise ArenaError(f"Invalid --ops '{ops}': at most 1m per round.", "e.g. --ops 2000")
    try:
        seed_value = int(seed) if seed is not None else 42
    except ValueError:
        raise ArenaError(
            f"Invalid --seed '{seed}': not a whole number.", "e.g. --seed 42"
        ) from None
    return RlsOptions(row_count, op_count, seed_value)


def run_engine(engine, endpoint, options: RlsOptions) -> dict:
    notes = schema.make_notes(options.rows, options.seed)
    conn = engine.connect(endpoint)
    try:
        schema.create(engine, conn, notes)
        try:
            cells = matrix.run_matrix(engine, endpoint, schema.POLICED, notes)
            broken = matrix.run_matrix(engine, endpoint, schema.BROKEN, notes)
            cost = overhead.measure(engine, endpoint, notes, options.ops, ROUNDS, options.seed)
        finally:
            schema.drop(engine, conn)
    finally:
        conn.close()
    wrong, flagged = matrix.mismatches(cells), matrix.mismatches(broken)
    return {
        "rows": options.rows,
        "seed": options.seed,
        "matrix": cells,
        "mismatches": len(wrong),
        "negative_control": {
            "broken": "owner_update written USING (true)",
            "mismatches": len(flagged),
            "flagged": bool(flagged),
            "cells": flagged,
        },
        "overhead": cost,
        # The suite passes when the policies do what they intend AND the check could see a
        # broken one.
        "ok": not wrong and bool(flagged),
    }
