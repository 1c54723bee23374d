"""Triggers read from each catalog, reduced to what seeding needs: which tables a row
trigger's body inserts into, and which columns of its own row it assigns.

Bodies are procedural SQL (PL/pgSQL, MySQL compound statements, SQLite trigger programs,
T-SQL) that sqlglot does not parse as a whole; the two facts are plain statement shapes,
found with patterns: `INSERT [OR x | IGNORE] INTO name`, and an assignment to the new row
(`NEW.col := ...` in PL/pgSQL, `SET NEW.col = ...` in MySQL). A name the pattern misreads
only costs a table left to a trigger that does not fill it, which the seed report names.
"""

from __future__ import annotations

import re

from arena.schema import Trigger

_NAME = r"(?:`[^`]+`|\"[^\"]+\"|\[[^\]]+\]|[\w$]+)"
_INSERT_INTO = re.compile(
    rf"\bINSERT\s+(?:OR\s+\w+\s+|IGNORE\s+)?INTO\s+((?:{_NAME}\s*\.\s*)*{_NAME})", re.I
)
# NEW.col := / NEW.col = at the start of a statement, or after SET (MySQL).
_ASSIGN = re.compile(
    rf"(?:\bSET\s+|(?:^|;|\bBEGIN\b|\bTHEN\b|\bELSE\b)\s*)NEW\s*\.\s*({_NAME})\s*:?=(?!=)",
    re.I | re.M,
)
_HEADER = re.compile(r"\b(BEFORE|AFTER|INSTEAD\s+OF|FOR)\s+((?:INSERT|UPDATE|DELETE)"
                     r"(?:\s*(?:,|\bOR\b)\s*(?:INSERT|UPDATE|DELETE))*)", re.I)  # fmt: skip


def _bare(name: str) -> str:
    last = re.findall(_NAME, name)[-1]
    return last[1:-1] if last[:1] in '`"[' else last


def filled_tables(body: str) -> tuple[str, ...]:
    """Tables the body inserts into (unqualified names, in order, once each)."""
    return tuple(dict.fromkeys(_bare(m.group(1)) for m in _INSERT_INTO.finditer(body or "")))


def assigned_columns(body: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_bare(m.group(1)) for m in _ASSIGN.finditer(body or "")))


def header(definition: str) -> tuple[str, tuple[str, ...]]:
    """(timing, events) from a CREATE TRIGGER text (SQLite, T-SQL); SQLite's default timing
    is BEFORE, T-SQL's FOR means AFTER."""
    match = _HEADER.search(definition or "")
    if match is None:
        events = tuple(e for e in ("INSERT", "UPDATE", "DELETE") if e in definition.upper())
        return "BEFORE", events
    timing = " ".join(match.group(1).upper().split())
    events = tuple(dict.fromkeys(re.findall(r"INSERT|UPDATE|DELETE", match.group(2).upper())))
    return ("AFTER" if timing == "FOR" else timing), events


def trigger(name: str, timing: str, events: tuple[str, ...], body: str) -> Trigger:
    return Trigger(
        name=name,
        timing=" ".join(timing.upper().split()),
        events=tuple(e.upper() for e in events),
        fills=filled_tables(body),
        sets=assigned_columns(body),
    )
