"""Counter-based randomness: every value is a pure function of (seed, table, column, row).

A sequential RNG stream would tie a row's values to the chunk size and to the order chunks
are generated in. Hashing the row number instead (SplitMix64's finaliser, a bijection on 64
bits: https://prng.di.unimi.it/splitmix64.c) makes generation random-access: any chunk can be
generated on its own, in any thread, and a child table can recompute a parent's key for any
parent row without storing it. Same seed, same rows, on every engine.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = (np.uint64(s) for s in (30, 27, 31, 11))
# Rows are < 2**40; a redraw (attempt k) hashes row + k * RETRY_STRIDE: never a real row.
RETRY_STRIDE = 1 << 40


def stream_key(seed: int, *names: object) -> np.uint64:
    """A 64-bit key for one named stream (table, column, purpose), stable across runs."""
    text = "\x1f".join(str(n) for n in (seed, *names)).encode()
    return np.uint64(int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little"))


def mix64(rows: np.ndarray, key: np.uint64) -> np.ndarray:
    z = rows.astype(np.uint64) * _GOLDEN + key
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    return z


def uniform(rows: np.ndarray, key: np.uint64) -> np.ndarray:
    """Floats in [0, 1), one per row."""
    return (mix64(rows, key) >> _S11).astype(np.float64) * (1.0 / (1 << 53))


def integers(rows: np.ndarray, key: np.uint64, n: int) -> np.ndarray:
    """Integers in [0, n), one per row."""
    return np.minimum((uniform(rows, key) * n).astype(np.int64), n - 1)


def normal(rows: np.ndarray, key: np.uint64) -> np.ndarray:
    """Standard normal deviates (Box-Muller over two independent uniforms)."""
    u1 = 1.0 - uniform(rows, key)  # (0, 1]: log is finite
    u2 = uniform(rows, key ^ np.uint64(0x5DEECE66D))
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * math.pi * u2)


def weighted(rows: np.ndarray, key: np.uint64, weights: np.ndarray) -> np.ndarray:
    """Indexes into `weights`, drawn with those relative weights."""
    cumulative = np.cumsum(np.asarray(weights, dtype=np.float64))
    picks = np.searchsorted(cumulative, uniform(rows, key) * cumulative[-1], side="right")
    return np.minimum(picks, len(cumulative) - 1)


def zipf_rank(u: np.ndarray, n: int, skew: float) -> np.ndarray:
    """Ranks in [0, n) from uniforms, P(rank k) ~ 1/(k+1)**skew (skew 0: uniform).

    Inverse CDF of the continuous power law on [1, n+1]: vectorised and random-access, and
    close enough to the discrete Zipf for workload skew.
    """
    if n <= 1:
        return np.zeros(len(u), dtype=np.int64)
    if skew <= 0:
        ranks = u * n
    elif abs(skew - 1.0) < 1e-9:
        ranks = np.exp(u * math.log(n + 1.0)) - 1.0
    else:
        e = 1.0 - skew
        ranks = ((math.pow(n + 1.0, e) - 1.0) * u + 1.0) ** (1.0 / e) - 1.0
    return np.clip(ranks.astype(np.int64), 0, n - 1)


class Permutation:
    """A bijection on [0, n): r -> (a*r + b) mod n with gcd(a, n) = 1.

    Scatters zipf's hot ranks (0, 1, 2...) across the key space, so the hottest keys are not
    the first rows inserted (which would share pages and make every engine look cache-friendly).
    """

    def __init__(self, n: int, key: np.uint64) -> None:
        self.n = max(int(n), 1)
        k = int(key)
        a = int(self.n * 0.6180339887) + (k % 997) + 1
        while math.gcd(a, self.n) != 1:
            a += 1
        self.a = a % self.n or 1
        self.b = (k >> 20) % self.n

    def __call__(self, ranks: np.ndarray) -> np.ndarray:
        if self.n * self.a < 2**63:
            return (ranks.astype(np.int64) * self.a + self.b) % self.n
        return np.array(
            [(int(r) * self.a + self.b) % self.n for r in ranks.tolist()], dtype=np.int64
        )
