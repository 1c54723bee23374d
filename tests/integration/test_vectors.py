"""`arena run vectors` and vector(n) seeding on PostgreSQL 16 with pgvector (the pgserver wheel),
started by arena's native runtime."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator

import pytest

from arena import lifecycle
from arena.instances import engine_of
from arena.state import ProjectState
from tests.conftest import make_project_dir, run_arena

pytestmark = pytest.mark.integration

# The instance with pgvector: PostgreSQL 16 from the pgserver wheel, started natively by arena.
VECTOR_INSTANCE = "postgres@16"


@pytest.fixture(scope="module")
def pg16() -> Iterator[ProjectState]:
    """A project with VECTOR_INSTANCE (PostgreSQL 16 + pgvector) up."""
    state = ProjectState(make_project_dir("arena-vectors-"))
    try:
        [result] = lifecycle.up([VECTOR_INSTANCE], "native", state=state)
        assert result.error is None, result.error and result.error.one_line()
        assert result.endpoint.version.startswith("PostgreSQL 16."), result.endpoint.version
        yield state
    finally:
        lifecycle.down(purge=True, state=state)
        shutil.rmtree(state.root, ignore_errors=True)


def test_vectors_exact_recall_is_one_and_indexes_report_theirs(pg16):
    done = run_arena(
        pg16.root, "run", "vectors", "--engines", VECTOR_INSTANCE, "--sizes", "500,2k",
        "--dim", "24", "--queries", "25", "--k", "10", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["dim"], report["k"], report["queries"]) == (24, 10, 25)
    [engine] = report["engines"]
    assert [s["rows"] for s in engine["sizes"]] == [500, 2000]
    for size in engine["sizes"]:
        assert size["insert_rows_per_s"] > 0 and size["table_bytes"] > 0
        exact = size["exact"]
        # A sequential scan is exact: recall@10 against the client's own answer is 1.0.
        assert exact["plan"] == "scan"
        assert exact["recall_at_10"] == 1.0
        assert 0 < exact["p50_ms"] <= exact["p95_ms"] <= exact["p99_ms"]
        for kind in ("hnsw", "ivfflat"):
            measured = size[kind]
            assert measured["plan"] == "index", (kind, measured)  # the index was searched
            assert measured["build_seconds"] > 0 and measured["index_bytes"] > 0
            assert 0 < measured["recall_at_10"] <= 1.0
            assert 0 < measured["p50_ms"] <= measured["p99_ms"]
    # The suite leaves nothing behind.
    _, rows = lifecycle.sql(VECTOR_INSTANCE, "SELECT to_regclass('arena_vectors')", pg16)
    assert rows == [(None,)]


def test_recall_check_sees_a_wrong_answer(pg16):
    """Negative control for the recall above: the same exact query ordered farthest-first,
    run on the server, scores 0; a neighbour list missing its best row scores 0.9."""
    from arena.vectors import data

    engine, endpoint = engine_of(VECTOR_INSTANCE), pg16.endpoint(VECTOR_INSTANCE)
    rows, [query] = data.embeddings(300, 8, 1), data.queries(1, 8, 1)
    conn = engine.connect(endpoint)
    try:
        cur = conn.cursor()
        cur.execute("CREATE EXTENSION IF NOT EXISTS vector")
        cur.execute("CREATE TEMP TABLE v (id int PRIMARY KEY, embedding vector(8))")
        engine.bulk_insert(conn, "v", ["id", "embedding"],
                           [(i + 1, engine.vector_literal(r)) for i, r in enumerate(rows)])  # fmt: skip
        distances = data.squared_l2(rows, query)
        answers = {}
        for order in ("", " DESC"):
            cur.execute(f"SELECT id FROM v ORDER BY embedding <-> %s::vector{order} LIMIT 10",
                        (engine.vector_literal(query),))  # fmt: skip
            answers[order] = [r[0] for r in cur.fetchall()]
    finally:
        conn.close()
    assert data.recall(distances, answers[""], 10) == 1.0
    assert data.recall(distances, answers[" DESC"], 10) == 0.0
    assert data.recall(distances, answers[""][1:] + answers[" DESC"][:1], 10) == 0.9


def test_vector_columns_seed_without_configuration(pg16):
    engine, endpoint = engine_of(VECTOR_INSTANCE), pg16.endpoint(VECTOR_INSTANCE)
    engine.execute(endpoint, "CREATE EXTENSION IF NOT EXISTS vector")
    engine.execute(
        endpoint,
        "CREATE TABLE seeded_items (id bigint PRIMARY KEY, title text NOT NULL, "
        "embedding vector(48) NOT NULL, sketch vector)",
    )
    try:
        done = run_arena(pg16.root, "seed", "--engines", VECTOR_INSTANCE, "--tables",
                         "seeded_items", "--rows", "3000")  # fmt: skip
        assert done.returncode == 0, done.stderr
        # The server's own reading of what was stored, not arena's verifier.
        _, rows = engine.execute(
            endpoint,
            "SELECT count(*), min(vector_dims(embedding)), max(vector_dims(embedding)), "
            "count(DISTINCT embedding), count(sketch), min(vector_dims(sketch)) FROM seeded_items",
        )
        assert rows == [(3000, 48, 48, 3000, rows[0][4], 3)]
        # Clustered, not constant: the spread of distances from one row is wide.
        _, [(near, far)] = engine.execute(
            endpoint,
            "SELECT min(d), max(d) FROM (SELECT embedding <-> (SELECT embedding FROM "
            "seeded_items WHERE id = (SELECT min(id) FROM seeded_items)) AS d "
            "FROM seeded_items) s WHERE d > 0",
        )
        assert far > 2 * near > 0
    finally:
        engine.execute(endpoint, "DROP TABLE seeded_items")
