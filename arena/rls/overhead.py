"""What RLS costs: one read/write mix as a signed-in user (`authenticated`, alice's claims),
timed on the policed tables and on the same rows without RLS, rounds interleaved so drift on a
shared machine hits both sides alike. Every round is bounded by its operation count.

The role and claims are set once per session (PostgREST sets them per transaction; that cost
is the same with or without RLS and would only dilute the difference being measured).
"""

from __future__ import annotations

import time

import numpy as np

from arena.rls.matrix import ACTORS, claims
from arena.rls.schema import PLAIN, POLICED, Notes

# share of each operation in the mix
MIX = (("read", 0.7), ("list", 0.2), ("update", 0.1))
LIST_SPAN = 20
BLOCK = 100  # operations per timed block


def operations(ops: int, notes: Notes, seed: int) -> list[tuple[str, object]]:
    """The same (kind, parameter) sequence for both sides, touching only rows alice may see,
    so both return the same rows and the difference is the policies' own cost: reads of
    public or own notes, her notes listed by owner, updates of her own notes."""
    rng = np.random.default_rng([seed, ops, 7])
    kinds = rng.choice([k for k, _ in MIX], size=ops, p=[w for _, w in MIX])
    own = np.flatnonzero(notes.owners == 0) + 1
    visible = np.flatnonzero((notes.owners == 0) | notes.public) + 1
    params = {
        "read": visible[rng.integers(0, len(visible), ops)].tolist(),
        "update": own[rng.integers(0, len(own), ops)].tolist(),
        "list": [notes.users[0]] * ops,
    }
    return [(str(k), params[str(k)][i]) for i, k in enumerate(kinds)]


def measure(engine, endpoint, notes: Notes, ops: int, rounds: int, seed: int) -> dict:
    """The mix `rounds` times on each side, in blocks of BLOCK operations alternating between
    the sides (ABBA): the overhead is the median ratio of paired blocks' times, which a busy
    shared machine slows alike, rather than a ratio of two long runs that it does not."""
    sequence = operations(ops, notes, seed)
    blocks = [sequence[i : i + BLOCK] for i in range(0, len(sequence), BLOCK)]
    alice = ACTORS[1]
    samples: dict[str, list[float]] = {PLAIN: [], POLICED: []}
    totals = {PLAIN: 0.0, POLICED: 0.0}
    ratios = []
    conn = engine.connect(endpoint.replace(user="authenticator"))
    try:
        cur = conn.cursor()
        mark = engine.placeholder
        cur.execute(f"SET ROLE {engine.quote(alice.role)}")
        cur.execute(
            f"SELECT set_config('request.jwt.claims', {mark}, false)", (claims(alice, notes),)
        )
        statements = {schema: _statements(engine, schema) for schema in (PLAIN, POLICED)}
        flip = False
        for _ in range(rounds):
            for block in blocks:
                spent = {}
                for schema in (POLICED, PLAIN) if flip else (PLAIN, POLICED):
                    spent[schema] = _run_block(cur, statements[schema], block, samples[schema])
                    totals[schema] += spent[schema]
                ratios.append(spent[POLICED] / spent[PLAIN])
                flip = not flip
    finally:
        conn.close()
    done = ops * rounds
    return {
        "ops": ops,
        "rounds": rounds,
        "block": BLOCK,
        "mix": dict(MIX),
        "plain_ops_per_s": round(done / totals[PLAIN], 1),
        "rls_ops_per_s": round(done / totals[POLICED], 1),
        "overhead_pct": round((float(np.median(ratios)) - 1) * 100, 2),
        "plain_p50_ms": round(float(np.percentile(samples[PLAIN], 50)), 4),
        "rls_p50_ms": round(float(np.percentile(samples[POLICED], 50)), 4),
        "plain_p95_ms": round(float(np.percentile(samples[PLAIN], 95)), 4),
        "rls_p95_ms": round(float(np.percentile(samples[POLICED], 95)), 4),
    }


def _statements(engine, schema: str) -> dict[str, str]:
    table, mark = engine.qualified(schema, "notes"), engine.placeholder
    return {
        "read": f"SELECT id, title, body FROM {table} WHERE id = {mark}",
        "list": engine.limit(
            f"SELECT id, title FROM {table} WHERE owner_id = {mark} ORDER BY id", LIST_SPAN
        ),
        "update": f"UPDATE {table} SET title = title WHERE id = {mark}",
    }


def _run_block(cur, statements: dict[str, str], block, samples: list[float]) -> float:
    started = time.perf_counter()
    for kind, key in block:
        t0 = time.perf_counter()
        cur.execute(statements[kind], (key,))
        if cur.description is not None:
            cur.fetchall()
        samples.append((time.perf_counter() - t0) * 1000)
    return time.perf_counter() - started
