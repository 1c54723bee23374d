"""Column values in bulk, and their rendering for each loader.

Generators return one of these containers per column and chunk. The bulk paths (PostgreSQL
COPY text format, MySQL LOAD DATA) need tab-separated bytes; building them row by row in
Python costs ~0.5 s per million cells, so `encode_tsv` assembles the whole chunk with numpy
gathers instead: every value is a slice (start, length) of a byte buffer, and the output is
one scatter per column. The row-wise paths (SQLite executemany, SQL Server fast_executemany)
use `to_python()`.

Text format shared by COPY and LOAD DATA: fields separated by TAB, rows by LF, NULL as \\N,
backslash escapes (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2 ,
https://mariadb.com/kb/en/load-data-infile/). Values arena generates never contain TAB, LF
or backslash; user-supplied values are escaped once when their pool is built.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass
from typing import Any

import numpy as np

from arena.engines.base import Engine

# The spelling of values when no engine is named: the Engine defaults (plain Python types).
PLAIN = Engine()
NULL_TOKEN = b"\\N"
EPOCH = np.datetime64("1970-01-01T00:00:00", "s")


def escape_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def _digit_count(values: np.ndarray) -> np.ndarray:
    absval = np.abs(values.astype(np.int64))
    counts = np.ones(len(values), dtype=np.int64)
    top = int(absval.max()) if len(absval) else 0
    limit = 10
    while limit <= top:
        counts += absval >= limit
        limit *= 10
    return counts


def _left_digits(values: np.ndarray, counts: np.ndarray, width: int) -> np.ndarray:
    """Left-aligned ASCII digits of non-negative values, NUL-padded, shape (n, width).
    NUL padding matters: numpy's S dtype drops trailing NULs, so rows come out exact."""
    out = np.zeros((len(values), width), dtype=np.uint8)
    for j in range(width):
        live = counts > j
        power = np.int64(10) ** np.maximum(counts - 1 - j, 0)
        out[:, j] = np.where(live, (values // power) % 10 + 48, 0)
    return out


def _as_bytes(matrix: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(matrix).view(f"S{matrix.shape[1]}").ravel()


def int_text(values: np.ndarray) -> np.ndarray:
    """int64 -> numpy bytes array: 42 -> b"42", -7 -> b"-7"."""
    values = values.astype(np.int64)
    negative = values < 0
    magnitude = np.abs(values)
    counts = _digit_count(magnitude)
    if not negative.any():
        return _as_bytes(_left_digits(magnitude, counts, int(counts.max(initial=1))))
    width = int(counts.max(initial=1)) + 1
    matrix = np.zeros((len(values), width), dtype=np.uint8)
    matrix[:, 1:] = _left_digits(magnitude, counts, width - 1)
    matrix[:, 0] = ord("-")
    # Rows without a sign shift left by one: rebuild them without the leading byte.
    positive = ~negative
    shifted = np.zeros_like(matrix)
    shifted[:, :-1] = matrix[:, 1:]
    matrix[positive] = shifted[positive]
    return _as_bytes(matrix)


def decimal_text(scaled: np.ndarray, scale: int) -> np.ndarray:
    """Exact decimals from integers scaled by 10**scale: 1234, scale 2 -> b"12.34"."""
    if scale == 0:
        return int_text(scaled)
    scaled = scaled.astype(np.int64)
    unit = np.int64(10**scale)
    magnitude = np.abs(scaled)
    whole = int_text(np.where(scaled < 0, -(magnitude // unit), magnitude // unit))
    frac = (magnitude % unit) + unit  # 10**scale + frac: its digits after the first
    frac_digits = _as_bytes(_left_digits(frac, np.full(len(frac), scale + 1), scale + 1))
    # "-0.50": a negative value whose whole part is 0 loses its sign in int_text.
    lost_sign = (scaled < 0) & (magnitude < unit)
    whole = np.where(lost_sign, b"-0", whole)
    return _join_frac(np.char.add(whole, b"."), frac_digits)


def _join_frac(dot: np.ndarray, frac_digits: np.ndarray) -> np.ndarray:
    # frac_digits are "1" + scale digits; drop the leading "1" by viewing past it.
    width = frac_digits.dtype.itemsize
    matrix = frac_digits.view(np.uint8).reshape(-1, width)[:, 1:]
    return np.char.add(dot, _as_bytes(matrix))


def _civil(seconds: np.ndarray) -> tuple[np.ndarray, ...]:
    stamps = EPOCH + seconds.astype("timedelta64[s]")
    days = stamps.astype("datetime64[D]")
    years = days.astype("datetime64[Y]")
    months = days.astype("datetime64[M]")
    year = years.astype(np.int64) + 1970
    month = (months - years.astype("datetime64[M]")).astype(np.int64) + 1
    day = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    sod = (stamps - days.astype("datetime64[s]")).astype(np.int64)
    return year, month, day, sod // 3600, sod // 60 % 60, sod % 60


def timestamp_text(seconds: np.ndarray, suffix: bytes = b"", date_only: bool = False) -> np.ndarray:
    """b"YYYY-MM-DD HH:MM:SS" (+ suffix, e.g. b"+00" for timestamptz) from epoch seconds."""
    year, month, day, hour, minute, second = _civil(seconds)
    parts: list = [(year, 4), b"-", (month, 2), b"-", (day, 2)]
    if not date_only:
        parts += [b" ", (hour, 2), b":", (minute, 2), b":", (second, 2)]
    if suffix:
        parts.append(suffix)
    return _fixed(parts, len(seconds))


def time_text(seconds_of_day: np.ndarray) -> np.ndarray:
    s = seconds_of_day.astype(np.int64)
    return _fixed([(s // 3600, 2), b":", (s // 60 % 60, 2), b":", (s % 60, 2)], len(s))


def _fixed(parts: list, n: int) -> np.ndarray:
    width = sum(p[1] if isinstance(p, tuple) else len(p) for p in parts)
    matrix = np.empty((n, width), dtype=np.uint8)
    col = 0
    for part in parts:
        if isinstance(part, tuple):
            values, digits = part
            matrix[:, col : col + digits] = _left_digits(
                values.astype(np.int64), np.full(n, digits), digits
            )
            col += digits
        else:
            matrix[:, col : col + len(part)] = np.frombuffer(part, dtype=np.uint8)
            col += len(part)
    return _as_bytes(matrix)


def encode_tsv(columns: list[list[bytes]]) -> bytes:
    """Rows as col1 TAB col2 ... LF; the joins run in C over lists of bytes."""
    if not columns or not columns[0]:
        return b""
    return b"\n".join(map(b"\t".join, zip(*columns, strict=True))) + b"\n"


# -- the containers generators return ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pool:
    """Distinct strings a column draws from: escaped bytes for TSV, raw str for executemany."""

    text: np.ndarray  # object array of bytes, TSV-escaped
    objects: np.ndarray  # object array of str

    @classmethod
    def of(cls, strings: list[str]) -> Pool:
        return cls(
            np.array([escape_text(s).encode() for s in strings], dtype=object),
            np.array(strings, dtype=object),
        )

    def __len__(self) -> int:
        return len(self.objects)


@dataclass(slots=True)
class Values:
    """One column's values for one chunk. `nulls` marks NULL rows (None: no NULLs).

    kinds: int (int64), decimal (int64 scaled by 10**scale: exact), bool, timestamp (epoch
    seconds), date (epoch days), time (seconds of day), str ((Pool, idx) or a list of
    escape-free str built per row), bytes (list of bytes).
    """

    kind: str
    data: Any
    scale: int = 0
    nulls: np.ndarray | None = None

    def __len__(self) -> int:
        if self.kind == "str" and isinstance(self.data, tuple):
            return len(self.data[1])
        return len(self.data)

    # -- text (COPY / LOAD DATA) ---------------------------------------------------------
    def to_text(self, engine: Engine, logical: str) -> list[bytes]:
        """Bytes per row for COPY text / LOAD DATA, spelled as `engine` reads them (its
        copy_* flags)."""
        kind, data = self.kind, self.data
        if kind == "int":
            out = int_text(data)
        elif kind == "decimal":
            out = decimal_text(data, self.scale)
        elif kind == "bool":
            out = np.where(data, engine.copy_true, engine.copy_false)
        elif kind == "timestamp":
            suffix = engine.copy_timestamptz_suffix if logical == "timestamptz" else b""
            out = timestamp_text(data, suffix)
        elif kind == "date":
            out = timestamp_text(data * 86400, date_only=True)
        elif kind == "time":
            out = time_text(data)
        elif kind == "str":
            if isinstance(data, tuple):
                pool, idx = data
                out = pool.text[idx]
            else:
                out = np.array([v.encode() for v in data], dtype=object)
        elif kind == "bytes":
            prefix = engine.copy_bytes_prefix
            out = np.array([(prefix + b.hex()).encode() for b in data], dtype=object)
        else:  # pragma: no cover - generators only produce the kinds above
            raise ValueError(kind)
        if self.nulls is not None and self.nulls.any():
            out = out.astype(object)
            out[self.nulls] = NULL_TOKEN
        return out.tolist()

    # -- Python objects (executemany) ----------------------------------------------------
    def to_python(self, engine: Engine = PLAIN) -> list[Any]:
        """Python objects per row for executemany, as `engine`'s driver binds them (its
        python_* flags)."""
        kind, data = self.kind, self.data
        if kind == "int":
            out = data.tolist()
        elif kind == "decimal":
            if engine.python_exact_decimals:
                out = [decimal.Decimal(v).scaleb(-self.scale) for v in data.tolist()]
            else:
                out = (data / 10**self.scale).round(self.scale).tolist()
        elif kind == "bool":
            out = data.astype(np.int64).tolist() if engine.python_bool_as_int else data.tolist()
        elif kind in ("timestamp", "date"):
            if engine.python_temporal_as_text:
                seconds = data if kind == "timestamp" else data * 86400
                text = timestamp_text(seconds, date_only=kind == "date")
                out = [v.decode() for v in text.tolist()]
            elif kind == "timestamp":
                out = (EPOCH + data.astype("timedelta64[s]")).astype(dt.datetime).tolist()
            else:
                out = (data.astype("datetime64[D]")).astype(dt.date).tolist()
        elif kind == "time":
            out = [dt.time(s // 3600, s // 60 % 60, s % 60) for s in data.tolist()]
            if engine.python_temporal_as_text:
                out = [t.isoformat() for t in out]
        elif kind == "str":
            out = data[0].objects[data[1]].tolist() if isinstance(data, tuple) else list(data)
        elif kind == "bytes":
            out = list(data)
        else:  # pragma: no cover
            raise ValueError(kind)
        if self.nulls is not None and self.nulls.any():
            for i in np.nonzero(self.nulls)[0].tolist():
                out[i] = None
        return out
