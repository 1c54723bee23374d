"""The vectors suite's inputs and its recall arithmetic (the live suite: test_vectors.py)."""

from __future__ import annotations

import numpy as np
import pytest

from arena.errors import ArenaError
from arena.vectors import data
from arena.vectors.plan import make_plan


def test_embeddings_are_deterministic_per_seed_and_clustered():
    a, b = data.embeddings(500, 16, 7), data.embeddings(500, 16, 7)
    assert a.dtype == np.float32 and a.shape == (500, 16)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, data.embeddings(500, 16, 8))
    # Clustered: a row's nearest neighbours are much closer than its median neighbour.
    d = np.sort(data.squared_l2(a, a[0]))[1:]
    assert d[4] < 0.5 * np.median(d)
    # Queries come from the same centres but are never rows.
    q = data.queries(20, 16, 7)
    assert min(data.squared_l2(a, v).min() for v in q) > 0


def test_recall_counts_found_neighbours_and_ties():
    distances = np.array([5.0, 1.0, 3.0, 2.0, 9.0, 2.0])  # ids 1..6
    assert data.recall(distances, [2, 4, 6], 3) == 1.0  # 1.0, 2.0, 2.0
    assert data.recall(distances, [2, 4, 3], 2) == 1.0  # a tie at the 2nd distance counts
    assert data.recall(distances, [2, 3, 5], 3) == pytest.approx(1 / 3)
    assert data.recall(distances, [5, 1, 5], 3) == 0.0
    assert data.recall(distances, [2, 2, 2], 3) == pytest.approx(1 / 3)  # repeats count once


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"dim": "0"}, "Invalid --dim '0'"),
        ({"dim": "2001"}, "1 to 2000"),
        ({"dim": "x"}, "not a whole number"),
        ({"sizes": ("1x",)}, "Invalid size '1x'"),
        ({"sizes": ("5",)}, "at least --k (10)"),
        ({"k": "0"}, "Invalid --k"),
        ({"queries": "0"}, "Invalid --queries"),
    ],
)
def test_plan_refuses_bad_options(options, message):
    given = {"dim": None, "sizes": (), "k": None, "queries": None, "seed": None, **options}
    with pytest.raises(ArenaError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make_plan(**given)


def test_plan_defaults_and_ivfflat_lists():
    plan = make_plan(None, ("1k,10k", "10k"), None, None, None)
    assert (plan.dim, plan.sizes, plan.k, plan.queries, plan.seed) == (
        128,
        (1000, 10000),
        10,
        100,
        42,
    )
    assert plan.ivfflat_build(1000) == {"lists": 10} and plan.ivfflat_search(1000) == {"probes": 3}
    assert plan.ivfflat_build(100_000) == {"lists": 100}
    assert plan.ivfflat_build(12) == {"lists": 10}
