"""Human-sized values: row counts (10k, 2.5m), durations (90s, 5m, 1h30m), memory (2g)."""

from __future__ import annotations

import re

from arena.errors import ArenaError

_COUNT_SUFFIX = {"": 1, "k": 1_000, "m": 1_000_000, "b": 1_000_000_000}
_COUNT_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmb]?)\s*$", re.IGNORECASE)


def parse_count(text: str | int, what: str = "row count") -> int:
    """'1000' -> 1000, '10k' -> 10_000, '2.5m' -> 2_500_000."""
    if isinstance(text, int):
        value = text
    else:
        match = _COUNT_RE.match(str(text))
        if not match:
            raise ArenaError(f"Invalid {what} '{text}'.", "Valid: 1000, 10k, 1m, 2.5m.")
        value = int(round(float(match.group(1)) * _COUNT_SUFFIX[match.group(2).lower()]))
    if value <= 0:
        raise ArenaError(
            f"Invalid {what} '{text}': must be positive.", "Valid: 1000, 10k, 1m, 2.5m."
        )
    return value


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)", re.IGNORECASE)
_DURATION_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str | float | int) -> float:
    """'60' -> 60.0, '90s' -> 90.0, '5m' -> 300.0, '1h30m' -> 5400.0, '250ms' -> 0.25."""
    if isinstance(text, int | float):
        seconds = float(text)
    else:
        raw = str(text).strip()  # _DURATION_PART ignores case; the unit is lowered below
        if re.fullmatch(r"\d+(?:\.\d+)?", raw):
            seconds = float(raw)
        elif raw and _DURATION_PART.sub("", raw) == "":
            seconds = sum(
                float(n) * _DURATION_SECONDS[u.lower()] for n, u in _DURATION_PART.findall(raw)
            )
        else:
            raise ArenaError(f"Invalid duration '{text}'.", "Valid: 30, 90s, 5m, 1h30m, 250ms.")
    if seconds <= 0:
        raise ArenaError(f"Invalid duration '{text}': must be positive.", "Valid: 30, 90s, 5m.")
    return seconds


_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)
_SIZE_FACTOR = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str) -> int:
    """'2g' -> 2147483648 bytes, '512m', '1.5GiB'."""
    match = _SIZE_RE.match(str(text))
    if not match:
        raise ArenaError(f"Invalid size '{text}'.", "Valid: 512m, 2g, 1.5GiB.")
    return int(float(match.group(1)) * _SIZE_FACTOR[match.group(2).lower()])


def format_count(n: float) -> str:
    """1500000 -> '1.5m'. Rounded to 3 digits first, so 999,999,999 reads '1b', not '1e+03m'."""
    rounded = float(f"{n:.3g}")
    for factor, suffix in ((1e9, "b"), (1e6, "m"), (1e3, "k")):
        if abs(rounded) >= factor:
            return f"{rounded / factor:.3g}{suffix}"
    return f"{n:.0f}"
