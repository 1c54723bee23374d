"""Strings that match a pattern CHECK: regular expressions (`~`, `~*`, REGEXP/RLIKE),
SIMILAR TO, LIKE and GLOB, each first turned into a Python regular expression.

No regex-to-string package is installable here (rstr and exrex are not on this machine's
package index), so the regex is parsed with the standard library's own parser (`re._parser`,
the tree `re.compile` works from) and walked with a seeded numpy generator: every literal,
class, repeat and branch of the tree becomes a draw. Unbounded repeats (`+`, `*`) take a
few items. Each string is checked with `re.search` before it is used, so what the walk
cannot honour (lookarounds, backreferences) is dropped, not written.
"""

from __future__ import annotations

import re
import string
from typing import Any

import numpy as np

try:  # Python 3.11+
    from re import _constants as sre_constants  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

UNBOUNDED_EXTRA = 4  # items an open-ended repeat adds beyond its minimum
PRINTABLE = string.ascii_letters + string.digits
_CATEGORIES = {
    sre_constants.CATEGORY_DIGIT: string.digits,
    sre_constants.CATEGORY_WORD: string.ascii_letters + string.digits + "_",
    sre_constants.CATEGORY_SPACE: " ",
    sre_constants.CATEGORY_NOT_DIGIT: string.ascii_letters,
    sre_constants.CATEGORY_NOT_WORD: "-.",
    sre_constants.CATEGORY_NOT_SPACE: PRINTABLE,
}
# POSIX classes PostgreSQL and MySQL accept inside brackets; Python's re does not.
_POSIX = {
    "[:alpha:]": "a-zA-Z", "[:digit:]": "0-9", "[:alnum:]": "a-zA-Z0-9", "[:upper:]": "A-Z",
    "[:lower:]": "a-z", "[:space:]": " ", "[:xdigit:]": "0-9a-fA-F", "[:punct:]": ".,;:!?-",
    "[:word:]": "a-zA-Z0-9_",
}  # fmt: skip


def posix_regex(pattern: str) -> str:
    """A PostgreSQL/MySQL regex in Python's syntax (POSIX classes, word boundaries)."""
    for posix, plain in _POSIX.items():
        pattern = pattern.replace(posix, plain)
    return pattern.replace("[[:<:]]", r"\b").replace("[[:>:]]", r"\b")


def like_regex(pattern: str, escape: str = "\\") -> str:
    """LIKE: % any run, _ one character, the escape character quotes the next one."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == escape and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return "^" + "".join(out) + "$"


def glob_regex(pattern: str) -> str:
    """GLOB (SQLite): * any run, ? one character, [...] a class ([^...] negated)."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "[":
            end = pattern.find("]", i + 2)
            if end > 0:
                body = pattern[i + 1 : end]
                out.append("[" + ("^" + body[1:] if body.startswith("^") else body) + "]")
                i = end + 1
                continue
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return "^" + "".join(out) + "$"


def similar_regex(pattern: str) -> str:
    """SIMILAR TO: LIKE's % and _ plus regex alternation, repeats and classes."""
    out, in_class = [], False
    for ch in pattern:
        if in_class:  # inside [...] every character is itself
            in_class = ch != "]"
            out.append(ch)
        elif ch == "[":
            in_class = True
            out.append(ch)
        elif ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        elif ch in ".^$":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "^(?:" + "".join(out) + ")$"


def strings_matching(regex: str, n: int, seed: int, max_len: int | None = None) -> list[str]:
    """Up to `n` distinct strings that `regex` matches (re.search), at most `max_len` long.
    Raises ValueError when the pattern does not parse or nothing matching could be made."""
    try:
        compiled = re.compile(regex)
        tree = sre_parse.parse(regex)
    except re.error as exc:
        raise ValueError(f"the pattern {regex!r} is not a regular expression arena reads") from exc
    rng = np.random.default_rng(seed)
    found: dict[str, None] = {}
    for _ in range(n * 3):
        text = _walk(tree, rng)
        if (max_len is None or len(text) <= max_len) and compiled.search(text):
            found[text] = None
            if len(found) >= n:
                break
    if not found:
        raise ValueError(f"arena could not generate a string matching {regex!r}")
    return list(found)


def _walk(items: Any, rng: np.random.Generator) -> str:
    return "".join(_item(op, arg, rng) for op, arg in items)


def _item(op: Any, arg: Any, rng: np.random.Generator) -> str:
    c = sre_constants
    if op is c.LITERAL:
        return chr(arg)
    if op is c.NOT_LITERAL:
        return next(ch for ch in PRINTABLE if ord(ch) != arg)
    if op is c.ANY:
        return PRINTABLE[int(rng.integers(len(PRINTABLE)))]
    if op is c.IN:
        return _pick_class(arg, rng)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
        low, high, body = arg
        top = low + UNBOUNDED_EXTRA if high is c.MAXREPEAT else high
        count = int(rng.integers(low, max(low, top) + 1))
        return "".join(_walk(body, rng) for _ in range(count))
    if op is c.SUBPATTERN:
        return _walk(arg[-1], rng)
    if op is c.BRANCH:
        branches = arg[1]
        return _walk(branches[int(rng.integers(len(branches)))], rng)
    if op is c.CATEGORY:
        chars = _CATEGORIES.get(arg, PRINTABLE)
        return chars[int(rng.integers(len(chars)))]
    return ""  # AT (anchors), lookarounds: nothing to emit; re.search judges the result


def _pick_class(items: list, rng: np.random.Generator) -> str:
    c = sre_constants
    if items and items[0][0] is c.NEGATE:
        allowed = [ch for ch in PRINTABLE if not _in_class(ch, items[1:])]
        return allowed[int(rng.integers(len(allowed)))] if allowed else ""
    choices: list[str] = []
    for op, arg in items:
        if op is c.LITERAL:
            choices.append(chr(arg))
        elif op is c.RANGE:
            choices.extend(chr(x) for x in range(arg[0], min(arg[1], arg[0] + 200) + 1))
        elif op is c.CATEGORY:
            choices.extend(_CATEGORIES.get(arg, PRINTABLE))
    return choices[int(rng.integers(len(choices)))] if choices else ""


def _in_class(ch: str, items: list) -> bool:
    c = sre_constants
    for op, arg in items:
        if op is c.LITERAL and ord(ch) == arg:
            return True
        if op is c.RANGE and arg[0] <= ord(ch) <= arg[1]:
            return True
        if op is c.CATEGORY and ch in _CATEGORIES.get(arg, ""):
            return True
    return False
