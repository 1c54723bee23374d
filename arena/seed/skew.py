"""Plausible skew for categorical columns: real data is not uniform.

Most orders end delivered, most posts published, few are cancelled or refunded; ratings lean
to 4-5. Without configuration a status-like column (by name) gets weights from what its
values say (a finished state weighs most, a failed or removed one least), and a rating-like
column leans high. A seeds YAML `choice` generator with `weights` overrides both, and so
does `weights: {value: w}` on a column whose values arena found itself (`reweighted`).
"""

from __future__ import annotations

import re
from typing import Any

from arena.errors import ArenaError
from arena.seed.generators import ChoiceGen, Gen

STATUS_NAMES = re.compile(r"(status|state|stage|phase)$")
RATING_NAMES = re.compile(r"(rating|stars|score)$")

# Relative weights by what a value means (matched as a word prefix, case-insensitive).
_MEANINGS: list[tuple[re.Pattern[str], float]] = [
    (re.compile(r"^(delivered|completed?|done|paid|active|published|confirmed|closed|"
                r"resolved|approved|accepted|success|received|shipped|fulfilled)"), 10.0),
    (re.compile(r"^(in_?progress|processing|sent|open|in_transit|scheduled|enrolled)"), 3.0),
    (re.compile(r"^(pending|new|draft|created|queued|waiting|loaded|scanned)"), 2.0),
    (re.compile(r"^(cancel+ed|refunded|failed|rejected|deleted|archived|expired|"
                r"returned|exception|inactive|suspended|banned|lost)"), 0.7),
]  # fmt: skip

# Ratings on a 1..5 scale: J-shaped like review sites (many 5s, some 1s, few 2s).
FIVE_STAR = [0.07, 0.05, 0.11, 0.27, 0.50]


def status_weights(column: str, values: list[Any]) -> list[float] | None:
    """Weights for a status-like column's allowed values, or None (leave it uniform)."""
    if not STATUS_NAMES.search(column.lower()) or not all(isinstance(v, str) for v in values):
        return None
    weights = [
        next((w for pattern, w in _MEANINGS if pattern.match(v.lower())), 1.0) for v in values
    ]
    return weights if len(set(weights)) > 1 else None


def rating_weights(column: str, low: int, high: int) -> list[float] | None:
    """Weights for the integers low..high of a rating-like column, leaning high; None when
    the name says nothing or the scale is not a small one."""
    count = high - low + 1
    if not RATING_NAMES.search(column.lower()) or not 2 <= count <= 10:
        return None
    if count == 5:
        return list(FIVE_STAR)
    return [1.0 + 2.0 * (i / (count - 1)) ** 2 for i in range(count)]  # rising toward the top


def reweighted(gen: Gen | None, weights: dict[Any, float], where: str) -> ChoiceGen:
    """The same choice of values with the configured weights (values left out: weight 0).
    A value the column cannot hold, or a column with no fixed set of values, is an error."""
    if not isinstance(gen, ChoiceGen):
        raise ArenaError(
            f"The seeds config gives {where} weights, but arena draws it from no fixed set of "
            "values (an enum, a CHECK ... IN list, a 1..5 rating).",
            f"Use {{generator: choice, values: [...], weights: [...]}} for {where} instead.",
        )
    by_text = {str(v): w for v, w in weights.items()}
    unknown = sorted(set(by_text) - {str(v) for v in gen.values})
    if unknown:
        raise ArenaError(
            f"The seeds config weighs {where} values {', '.join(unknown)}, which it cannot hold.",
            f"Its values: {', '.join(str(v) for v in gen.values)}.",
        )
    return ChoiceGen(gen.key, gen.values, [by_text.get(str(v), 0.0) for v in gen.values])
