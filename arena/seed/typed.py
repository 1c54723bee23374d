"""Generators for the types outside arena's logical set: arrays, tsvector, network addresses,
ranges, intervals, bit strings, xml, MySQL SET and spatial types, SQL Server hierarchyid.

Each value is the type's text input form (what COPY, LOAD DATA or a bound string parameter
becomes through the server's own input function), built per row from counter-random draws,
so a value is a function of (seed, table, column, row) like every other generator. Which
generator a column gets is decided from its catalog type name (`Column.data_type`): each name
here exists on the engines that have the type, so no engine is named.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from arena.schema import Column
from arena.seed import counter_random as rnd
from arena.seed import words
from arena.seed.generators import DEFAULT_END, Gen
from arena.seed.values import Values

Build = Callable[[np.uint64, np.ndarray], list[str]]
DAY = 86400
WORDS = np.array(words.WORDS, dtype=object)


class TypedGen(Gen):
    """Text literals of one catalog type, per row. `unique`: the row number is folded in,
    so distinct rows give distinct values (capacity: `capacity`)."""

    kind = "str"

    def __init__(self, key, build: Build, label: str, capacity: int | None = None) -> None:
        super().__init__(key)
        self.build, self.label = build, label
        self.can_be_unique = capacity is not None
        self.capacity = capacity if capacity is not None else 1

    def generate(self, rows, unique=False):
        return Values("str", self.build(self.key, rows))

    def describe(self) -> str:
        return self.label


def _ints(key, rows, salt: int, n: int) -> list[int]:
    return rnd.integers(rows, key ^ np.uint64(salt), n).tolist()


def _words(key, rows, salt: int) -> list[str]:
    return WORDS[rnd.integers(rows, key ^ np.uint64(salt), len(WORDS))].tolist()


def _day_text(day: int) -> str:
    return str(np.datetime64(day, "D"))


# -- scalar literal types -----------------------------------------------------------------


def _inet(key, rows):
    # 10.0.0.0/8 host addresses: the row number spread over 2**24 (unique up to that).
    perm = rnd.Permutation(2**24, key)
    return [f"10.{n >> 16}.{(n >> 8) & 255}.{n & 255}" for n in perm(rows % 2**24).tolist()]


def _cidr(key, rows):
    perm = rnd.Permutation(2**16, key)
    return [f"10.{n >> 8}.{n & 255}.0/24" for n in perm(rows % 2**16).tolist()]


def _mac(octets: int) -> Build:
    def build(key, rows):
        perm = rnd.Permutation(2**32, key)
        out = []
        for n in perm(rows % 2**32).tolist():
            tail = [(n >> s) & 255 for s in range(24, -1, -8)]
            head = [0x02, 0x42, 0x00, 0x00][: octets - 4]
            out.append(":".join(f"{b:02x}" for b in head + tail))
        return out

    return build


def _interval(key, rows):
    days, hours, minutes = _ints(key, rows, 1, 40), _ints(key, rows, 2, 24), _ints(key, rows, 3, 60)
    return [f"{d} days {h:02d}:{m:02d}:00" for d, h, m in zip(days, hours, minutes, strict=True)]


def _tsvector(key, rows):
    counts = _ints(key, rows, 1, 6)
    picks = [_words(key, rows, 10 + i) for i in range(7)]
    return [" ".join(sorted({picks[i][r] for i in range(c + 2)})) for r, c in enumerate(counts)]


def _xml(key, rows):
    tag, text = _words(key, rows, 1), _words(key, rows, 2)
    return [
        f"<note><{t}>{x}</{t}><row>{r}</row></note>"
        for t, x, r in zip(tag, text, rows.tolist(), strict=True)
    ]


def _bits(width: int, varying: bool) -> Build:
    def build(key, rows):
        lengths = _ints(key, rows, 1, width) if varying else [width - 1] * len(rows)
        values = rnd.mix64(rows, key).tolist()
        return [format(v, "064b")[: n + 1] for v, n in zip(values, lengths, strict=True)]

    return build


def _hierarchy(key, rows):
    a, b = _ints(key, rows, 1, 9), _ints(key, rows, 2, 20)
    return [f"/{x + 1}/{y + 1}/{r}/" for x, y, r in zip(a, b, rows.tolist(), strict=True)]


def _point(key, rows):
    lon, lat = rnd.uniform(rows, key ^ np.uint64(1)), rnd.uniform(rows, key ^ np.uint64(2))
    return [
        f"POINT({x * 360 - 180:.5f} {y * 180 - 90:.5f})"
        for x, y in zip(lon.tolist(), lat.tolist(), strict=True)
    ]


def _set_of(labels: tuple[str, ...]) -> Build:
    """MySQL SET: a comma-separated subset, in declaration order (empty allowed)."""

    def build(key, rows):
        masks = rnd.integers(rows, key, 2 ** len(labels)).tolist()
        return [",".join(lab for i, lab in enumerate(labels) if m >> i & 1) for m in masks]

    return build


def _vector(dim: int) -> Build:
    """pgvector's vector(n) / halfvec(n): n floats around one of a few per-column centres
    (embeddings cluster), in the type's text form '[0.1,-2,...]'."""

    def build(key, rows):
        centres = np.random.default_rng(int(key)).normal(size=(8, dim))
        picks = rnd.integers(rows, key ^ np.uint64(1), 8)
        noise = np.column_stack([rnd.normal(rows, key ^ np.uint64(100 + d)) for d in range(dim)])
        values = centres[picks] + 0.5 * noise
        return ["[" + ",".join(f"{v:.4g}" for v in row) + "]" for row in values.tolist()]

    return build


# -- ranges -------------------------------------------------------------------------------


def _range(kind: str) -> Build:
    def build(key, rows):
        start, span = _ints(key, rows, 1, 10_000), _ints(key, rows, 2, 30)
        out = []
        for s, n in zip(start, span, strict=True):
            if kind == "int":
                out.append(f"[{s},{s + n + 1})")
            elif kind == "num":
                out.append(f"[{s / 100:.2f},{(s + n + 1) / 100:.2f})")
            elif kind == "date":
                first = DEFAULT_END // DAY - 730 + s % 700
                out.append(f"[{_day_text(first)},{_day_text(first + n + 1)})")
            else:
                first = DEFAULT_END - 730 * DAY + s * 3600
                a, b = np.datetime64(first, "s"), np.datetime64(first + (n + 1) * 3600, "s")
                zone = "+00" if kind == "tstz" else ""
                out.append(
                    f'["{str(a).replace("T", " ")}{zone}","{str(b).replace("T", " ")}{zone}")'
                )
        return out

    return build


RANGES = {
    "int4range": "int", "int8range": "int", "numrange": "num", "daterange": "date",
    "tsrange": "ts", "tstzrange": "tstz",
}  # fmt: skip


# -- arrays -------------------------------------------------------------------------------

# Element spellings of PostgreSQL array types (pg_type.typname without the leading "_").
_ELEMENTS: dict[str, Callable[[np.uint64, np.ndarray, int], list[str]]] = {
    "int": lambda key, rows, salt: [str(v) for v in _ints(key, rows, salt, 1000)],
    "float": lambda key, rows, salt: [
        f"{v:.3f}" for v in (rnd.uniform(rows, key ^ np.uint64(salt)) * 100).tolist()
    ],
    "bool": lambda key, rows, salt: ["t" if v else "f" for v in _ints(key, rows, salt, 2)],
    "text": lambda key, rows, salt: [f'"{w}"' for w in _words(key, rows, salt)],
    "date": lambda key, rows, salt: [
        _day_text(DEFAULT_END // DAY - 1 - d) for d in _ints(key, rows, salt, 730)
    ],
    "timestamp": lambda key, rows, salt: [
        f'"{_day_text(DEFAULT_END // DAY - 1 - d)} {h:02d}:00:00"'
        for d, h in zip(_ints(key, rows, salt, 730), _ints(key, rows, salt + 1, 24), strict=True)
    ],
    "uuid": lambda key, rows, salt: [
        f"{v:032x}"[:8]
        + "-"
        + f"{v:032x}"[8:12]
        + "-4"
        + f"{v:032x}"[13:16]
        + "-8"
        + f"{v:032x}"[17:20]
        + "-"
        + f"{v:032x}"[20:32]
        for v in (
            int(a) << 64 | int(b)
            for a, b in zip(
                rnd.mix64(rows, key ^ np.uint64(salt << 8)).tolist(),
                rnd.mix64(rows, key ^ np.uint64(salt << 8 | 1)).tolist(),
                strict=True,
            )
        )
    ],
}
_ELEMENT_KIND = {
    "int2": "int", "int4": "int", "int8": "int", "numeric": "float", "float4": "float",
    "float8": "float", "bool": "bool", "text": "text", "varchar": "text", "bpchar": "text",
    "citext": "text", "date": "date", "timestamp": "timestamp", "timestamptz": "timestamp",
    "uuid": "uuid",
}  # fmt: skip


def _array(element: str, dims: int, labels: tuple[str, ...] | None = None) -> Build | None:
    kind = _ELEMENT_KIND.get(element)
    if labels:  # an enum's labels
        choices = np.array([f'"{label}"' for label in labels], dtype=object)

        def make(key, rows, salt):
            return choices[rnd.integers(rows, key ^ np.uint64(salt), len(choices))].tolist()

    elif kind is None:
        return None
    else:
        make = _ELEMENTS[kind]

    def build(key, rows):
        # 1 dimension: 0..5 elements; more: a rectangular 2x2 per extra dimension.
        sizes = _ints(key, rows, 99, 6) if dims == 1 else [2**dims] * len(rows)
        cells = [make(key, rows, 100 + i) for i in range(max(sizes, default=0))]
        out = []
        for r, size in enumerate(sizes):
            items = [cells[i][r] for i in range(size)]
            for _ in range(dims - 1):
                items = [f"{{{','.join(items[i : i + 2])}}}" for i in range(0, len(items), 2)]
            out.append(f"{{{','.join(items)}}}")
        return out

    return build


# Composite fields by format_type() spelling (arena/introspect/postgres.py: "row(a, b)").
_FIELD_KIND = (
    (r"^(smallint|integer|bigint)$", "int"), (r"^(numeric|real|double precision)", "float"),
    (r"^boolean$", "bool"), (r"^(text|character varying|character|citext)", "text"),
    (r"^date$", "date"),
)  # fmt: skip


def _composite(fields: list[str]) -> Build | None:
    kinds = []
    for field in fields:
        kind = next((k for pattern, k in _FIELD_KIND if re.match(pattern, field)), None)
        if kind is None:
            return None
        kinds.append(kind)

    def build(key, rows):
        cells = [_ELEMENTS[k](key, rows, 200 + i) for i, k in enumerate(kinds)]
        return [f"({','.join(c[r] for c in cells)})" for r in range(len(rows))]

    return build


_ARRAY = re.compile(r"^_?([a-z0-9_ ]+?)((?:\[\])+)?$")


def typed_gen(key: np.uint64, column: Column) -> Gen | None:
    """The generator for a column of a non-logical catalog type, or None (not known)."""
    name = column.data_type.lower().strip()
    big = 2**24
    if name == "set" and column.enum_values:
        return TypedGen(key, _set_of(tuple(column.enum_values)), "set")
    simple: dict[str, tuple[Build, int | None]] = {
        "inet": (_inet, big), "cidr": (_cidr, 2**16), "macaddr": (_mac(6), 2**32),
        "macaddr8": (_mac(8), 2**32), "interval": (_interval, None), "tsvector": (_tsvector, None),
        "xml": (_xml, big), "hierarchyid": (_hierarchy, big), "point": (_point, None),
        "geometry": (_point, None),
    }  # fmt: skip
    if name in simple:
        build, capacity = simple[name]
        return TypedGen(key, build, name, capacity)
    if name in ("vector", "halfvec"):  # an undeclared dimension takes any: 3 is enough
        return TypedGen(key, _vector(min(column.length or 3, 16000)), f"{name}(n)", 2**32)
    if name in RANGES:
        return TypedGen(key, _range(RANGES[name]), name)
    if name in ("bit", "bit varying", "varbit"):
        width = max(1, min(column.length or 1, 64))
        return TypedGen(key, _bits(width, name != "bit"), name, 2**width if name == "bit" else None)
    if name.startswith("row(") and name.endswith(")"):
        build = _composite(name[4:-1].split(", "))  # format_type: "numeric(10,2)", no space
        return TypedGen(key, build, "composite") if build is not None else None
    match = _ARRAY.match(name)
    if match and (name.startswith("_") or match.group(2)):
        dims = max(1, (match.group(2) or "[]").count("[]"))
        build = _array(match.group(1), dims, column.enum_values)
        if build is not None:
            return TypedGen(key, build, f"{match.group(1)}{'[]' * dims}")
    return None


def has_generator(column: Column) -> bool:
    """Whether arena generates values for this column of a non-logical type."""
    return typed_gen(np.uint64(0), column) is not None
