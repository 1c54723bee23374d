"""What `arena run vectors` measures, from its options, checked before anything runs."""

from __future__ import annotations

import math
from dataclasses import dataclass

from arena.errors import ArenaError
from arena.units import parse_count

DEFAULT_DIM = 128
MAX_INDEX_DIM = 2000  # pgvector: HNSW and IVFFlat index at most 2000 dimensions
DEFAULT_SIZES = "1k,10k"
MAX_SIZE = 5_000_000  # the client holds every vector (exact answers): 5m x 128 x 4 B = 2.5 GB
# pgvector's defaults (https://github.com/pgvector/pgvector#index-options).
HNSW_BUILD = {"m": 16, "ef_construction": 64}
HNSW_SEARCH = {"ef_search": 40}


@dataclass(frozen=True, slots=True)
class VectorPlan:
    dim: int
    sizes: tuple[int, ...]
    k: int
    queries: int
    seed: int
    metric: str = "l2"

    def ivfflat_build(self, n: int) -> dict[str, int]:
        # pgvector's advice: lists = rows / 1000 up to 1M rows (at least 10 here, so a small
        # table still has lists to choose between, and never more lists than rows).
        return {"lists": max(1, min(n, max(10, n // 1000)))}

    def ivfflat_search(self, n: int) -> dict[str, int]:
        return {"probes": max(1, round(math.sqrt(self.ivfflat_build(n)["lists"])))}


def make_plan(dim, sizes, k, queries, seed, max_dim: int = MAX_INDEX_DIM) -> VectorPlan:
    """Options as given on the command line (None: the default) -> a checked plan."""
    dim_value = _int(dim, "--dim", DEFAULT_DIM, f"e.g. --dim 128 (1..{max_dim})")
    if not 1 <= dim_value <= max_dim:
        raise ArenaError(
            f"Invalid --dim '{dim}': HNSW and IVFFlat index vectors of 1 to {max_dim} dimensions.",
            "e.g. --dim 128, or --dim 1536 for OpenAI-sized embeddings.",
        )
    text = ",".join(sizes) if sizes else DEFAULT_SIZES
    parts = [p for p in text.split(",") if p.strip()]
    if not parts:
        raise ArenaError("--sizes is empty.", "e.g. --sizes 1k,10k")
    values = tuple(dict.fromkeys(parse_count(p.strip(), "size") for p in parts))
    k_value = _int(k, "--k", 10, "e.g. --k 10")
    if k_value < 1 or k_value > 1000:
        raise ArenaError(f"Invalid --k '{k}': must be 1 to 1000.", "e.g. --k 10")
    for n in values:
        if n < k_value or n > MAX_SIZE:
            raise ArenaError(
                f"Invalid size {n:,} in --sizes: each must hold at least --k ({k_value}) rows "
                f"and at most {MAX_SIZE:,}.",
                "e.g. --sizes 1k,10k,100k",
            )
    q_value = _int(queries, "--queries", 100, "e.g. --queries 100")
    if not 1 <= q_value <= 100_000:
        raise ArenaError(
            f"Invalid --queries '{queries}': must be 1 to 100000.", "e.g. --queries 100"
        )
    seed_value = _int(seed, "--seed", 42, "e.g. --seed 42")
    return VectorPlan(dim_value, values, k_value, q_value, seed_value)


def _int(value, option: str, default: int, hint: str) -> int:
    if value is None:
        return default
    try:
        return int(str(value).strip())
    except ValueError:
        raise ArenaError(f"Invalid {option} '{value}': not a whole number.", hint) from None
