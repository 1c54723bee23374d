"""Deterministic, clustered synthetic embeddings, and the exact answer computed client-side.

Real embeddings cluster (documents about one topic sit together); uniform random vectors do
not, and on them approximate indexes behave unlike on real data. So each vector is one of
CLUSTERS centres plus Gaussian noise. The same (seed, dim) gives the same centres for every N,
and the same (seed, dim, n) the same rows, so engines side by side get identical inputs.
"""

from __future__ import annotations

import numpy as np

CLUSTERS = 32
NOISE = 0.7  # per-dimension noise sd against the centres' 1.0: clusters touch
# A returned row counts as a true neighbour when it is no farther than the k-th exact one,
# within float32 rounding: pgvector sums squares in float32, numpy in float64.
TIE_TOLERANCE = 1e-5


def _centres(seed: int, dim: int) -> np.ndarray:
    return np.random.default_rng([seed, dim, 0]).normal(size=(CLUSTERS, dim))


def _clustered(rng: np.random.Generator, centres: np.ndarray, n: int) -> np.ndarray:
    picks = rng.integers(0, len(centres), n)
    noise = rng.normal(scale=NOISE, size=(n, centres.shape[1]))
    return (centres[picks] + noise).astype(np.float32)


def embeddings(n: int, dim: int, seed: int) -> np.ndarray:
    """n vectors (float32, shape n x dim); row i is stored with id i + 1."""
    return _clustered(np.random.default_rng([seed, dim, n, 1]), _centres(seed, dim), n)


def queries(count: int, dim: int, seed: int) -> np.ndarray:
    """Query vectors from the same distribution as the rows, never equal to one of them."""
    return _clustered(np.random.default_rng([seed, dim, 2]), _centres(seed, dim), count)


def squared_l2(rows: np.ndarray, query: np.ndarray) -> np.ndarray:
    diff = rows.astype(np.float64) - query.astype(np.float64)
    return np.einsum("ij,ij->i", diff, diff)


def recall(distances: np.ndarray, returned_ids: list[int], k: int) -> float:
    """recall@k of one answer: the share of the k true neighbours it found, a tie at the k-th
    distance counting as found. `distances` are every row's distances to the query."""
    kth = np.partition(distances, k - 1)[k - 1]
    limit = kth * (1 + TIE_TOLERANCE) + 1e-9
    found = sum(1 for i in dict.fromkeys(returned_ids) if distances[i - 1] <= limit)
    return min(found, k) / k
