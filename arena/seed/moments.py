"""Moments of a row's life in the order they happen, by column name.

Each *_at column is drawn after the latest earlier-ranked one the table has (an AfterGen on
it), so created_at <= paid_at <= shipped_at <= delivered_at <= updated_at <= last_login_at
hold in every row, whichever of them the table has.
"""

from __future__ import annotations

import re

from arena.schema import Column

TIME_RANKS: list[tuple[re.Pattern[str], int]] = [
    (re.compile(r"^(created|registered|joined|signed_up|ordered|placed|opened|submitted|"
                r"requested|inserted|added)(_at|_on|_date)?$|^created$"), 0),
    (re.compile(r"^(confirmed|approved|accepted|paid|published|processed|verified)(_at|_on)?$"), 1),
    (re.compile(r"^(shipped|dispatched|sent)(_at|_on)?$"), 2),
    (re.compile(r"^(delivered|completed|finished|closed|resolved|ended|cancell?ed|canceled|"
                r"refunded|returned)(_at|_on)?$"), 3),
    (re.compile(r"^(updated|modified|changed|edited)(_at|_on)?$"), 4),
    (re.compile(r"^(last_login|last_seen|last_active|last_activity|last_login_at|"
                r"last_seen_at)(_at|_on)?$"), 5),
]  # fmt: skip


def time_rank(name: str) -> int | None:
    lowered = name.lower()
    return next((rank for pattern, rank in TIME_RANKS if pattern.match(lowered)), None)


def earlier(col: Column, columns: list[Column], fixed: set[str]) -> Column | None:
    """The column `col` follows: the latest-ranked earlier moment of the same type among
    `columns`, leaving out `fixed` ones (filled elsewhere); None when `col` is no later
    moment or nothing precedes it."""
    rank = time_rank(col.name)
    if not rank:
        return None
    candidates = [
        (r, c)
        for c in columns
        if (r := time_rank(c.name)) is not None
        and r < rank
        and c.logical == col.logical
        and c.name not in fixed
    ]
    return max(candidates, key=lambda rc: rc[0])[1] if candidates else None
