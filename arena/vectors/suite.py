"""One engine through the vectors suite, at each size: load the embeddings (insert rate), exact
k-NN (a sequential scan: the reference latency, and recall against the client's exact answer),
then per index kind (HNSW, IVFFlat): build time and size, approximate k-NN latency and recall.

Everything runs on a scratch table (TABLE) in the engine's database, dropped at the end. Every
loop is bounded by the query count of the plan.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from arena.vectors import data
from arena.vectors.plan import HNSW_BUILD, HNSW_SEARCH, VectorPlan

TABLE = "arena_vectors"
BATCH = 1000


def run_engine(
    engine: Any, endpoint: Any, plan: VectorPlan, on_size: Callable[[dict], None] | None = None
) -> list[dict]:
    """The measurements at each size; `on_size` gets each as soon as it is measured."""
    results = []
    qs = data.queries(plan.queries, plan.dim, plan.seed)
    conn = engine.connect(endpoint)
    try:
        for statement in engine.vector_enable_sql:
            conn.cursor().execute(statement)
        try:
            for n in plan.sizes:
                result = _one_size(engine, endpoint, conn, plan, n, qs)
                results.append(result)
                if on_size is not None:
                    on_size(result)
        finally:
            conn.cursor().execute(f"DROP TABLE IF EXISTS {engine.quote(TABLE)}")
    finally:
        conn.close()
    return results


def _one_size(engine, endpoint, conn, plan: VectorPlan, n: int, qs: np.ndarray) -> dict:
    rows = data.embeddings(n, plan.dim, plan.seed)
    table = engine.quote(TABLE)
    cur = conn.cursor()
    cur.execute(f"DROP TABLE IF EXISTS {table}")
    cur.execute(f"CREATE TABLE {table} (id integer PRIMARY KEY, embedding vector({plan.dim}))")
    # Text forms made before the clock starts: the insert rate is the server's, not Python's.
    literals = [(i + 1, engine.vector_literal(v)) for i, v in enumerate(rows)]
    started = time.perf_counter()
    for lo in range(0, n, BATCH):
        engine.bulk_insert(conn, table, ["id", "embedding"], literals[lo : lo + BATCH])
    insert_seconds = time.perf_counter() - started
    cur.execute(f"ANALYZE {table}")
    distances = [data.squared_l2(rows, q) for q in qs]
    result: dict[str, Any] = {
        "rows": n,
        "insert_path": engine.bulk_path_name,
        "insert_seconds": round(insert_seconds, 4),
        "insert_rows_per_s": round(n / insert_seconds, 1),
        "table_bytes": engine.relation_size(conn, [TABLE]),
        "exact": _search(engine, endpoint, plan, qs, distances, None, {}),
    }
    for kind, build, search in (
        ("hnsw", HNSW_BUILD, HNSW_SEARCH),
        ("ivfflat", plan.ivfflat_build(n), plan.ivfflat_search(n)),
    ):
        index = f"{TABLE}_{kind}"
        sql = engine.vector_index_sql(kind, index, table, "embedding", plan.metric, build)
        started = time.perf_counter()
        cur.execute(sql)
        build_seconds = time.perf_counter() - started
        measured = _search(engine, endpoint, plan, qs, distances, kind, search)
        result[kind] = {
            "build_seconds": round(build_seconds, 4),
            "index_bytes": engine.relation_size(conn, [index]),
            "build_params": build,
            "search_params": search,
            **measured,
        }
        cur.execute(f"DROP INDEX {engine.quote(index)}")
    return result


def _search(engine, endpoint, plan: VectorPlan, qs, distances, kind, settings) -> dict:
    """k-NN for every query on its own connection (so settings never leak): latency
    percentiles, mean recall@k and whether the plan read the index."""
    operator = engine.vector_operators[plan.metric]
    select = (
        f"SELECT id FROM {engine.quote(TABLE)} "
        f"ORDER BY embedding {operator} {engine.placeholder}::vector"
    )
    select = engine.limit(select, plan.k)
    conn = engine.connect(endpoint)
    try:
        cur = conn.cursor()
        if kind is not None:
            for statement in engine.vector_search_sql(kind, settings):
                cur.execute(statement)
        literal = engine.vector_literal(qs[0])
        shown = select.replace(engine.placeholder, engine.literal(literal), 1)
        verdict = engine.plan_verdict(engine.explain(conn, shown))
        latencies, recalls = [], []
        for q, dist in zip(qs, distances, strict=True):
            param = engine.vector_literal(q)
            started = time.perf_counter()
            cur.execute(select, (param,))
            ids = [r[0] for r in cur.fetchall()]
            latencies.append((time.perf_counter() - started) * 1000)
            recalls.append(data.recall(dist, ids, plan.k))
    finally:
        conn.close()
    p50, p95, p99 = np.percentile(latencies, [50, 95, 99]).tolist()
    return {
        "p50_ms": round(p50, 3),
        "p95_ms": round(p95, 3),
        "p99_ms": round(p99, 3),
        "qps": round(len(latencies) / (sum(latencies) / 1000), 1),
        f"recall_at_{plan.k}": round(float(np.mean(recalls)), 4),
        "recall": round(float(np.mean(recalls)), 4),
        "plan": verdict,
    }
