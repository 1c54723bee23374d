"""seeds/*.yaml: per-table row counts or ratios, per-column generators, skew, NULL share.

    seed: 42                  # default --seed
    rows: 1m                  # default --rows (the total across tables)
    skew: 0.8                 # zipf exponent of FK picks (0: uniform)
    null_fraction: 0.1        # share of NULLs in nullable columns
    tables:
      customers:
        ratio: 10             # relative share of the total ... or
        rows: 100k            # an exact count (counts toward the total)
        skew: 1.1             # FK picks of this table
        columns:
          tier: {generator: choice, values: [bronze, silver, gold], weights: [70, 25, 5]}
          email: {generator: email}
          customer_id: {skew: 1.2}          # an FK column: its picks' skew
          note: {null_fraction: 0.8}
          status: {weights: {delivered: 80, shipped: 10, cancelled: 2}}   # skew of the values
                                    # arena found (enum, CHECK IN, a 1..5 rating); unlisted: 0

A malformed file fails with the file, the line and what was expected (PyYAML's node marks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from arena.errors import ArenaError
from arena.seed.inference import GENERATOR_NAMES
from arena.units import parse_count

COLUMN_KEYS = {"generator", "skew", "null_fraction", "weights"}
GENERATOR_PARAMS = {
    "sequence": {"start"},
    "int": {"min", "max", "skew"},
    "decimal": {"min", "max", "scale", "median", "sigma"},
    "bool": {"p_true"},
    "choice": {"values", "weights"},
    "constant": {"value"},
    "text": {"min_words", "max_words"},
    "words": {"min_words", "max_words"},
    "title": {"min_words", "max_words"},
    "token": {"length", "prefix"},
    "timestamp": {"start", "end"},
    "date": {"start", "end"},
    "time": {"start", "end"},
}


@dataclass(frozen=True, slots=True)
class ColumnConfig:
    generator: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    skew: float | None = None
    null_fraction: float | None = None
    weights: dict[Any, float] | None = None  # per value of an inferred fixed set of values


@dataclass(frozen=True, slots=True)
class TableConfig:
    rows: int | None = None
    ratio: float | None = None
    skew: float | None = None
    columns: dict[str, ColumnConfig] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SeedConfig:
    path: str | None = None
    seed: int | None = None
    rows: int | None = None
    skew: float | None = None
    null_fraction: float | None = None
    tables: dict[str, TableConfig] = field(default_factory=dict)

    def table(self, name: str) -> TableConfig | None:
        return self.tables.get(name)


class _Reader:
    """Walks PyYAML nodes so every complaint can point at a line."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, node: yaml.Node, expected: str) -> ArenaError:
        line = node.start_mark.line + 1
        return ArenaError(
            f"{self.path}, line {line}: expected {expected}.",
            "See seeds/ecommerce.yaml for a complete example.",
        )

    def mapping(self, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"a mapping for {what}")
        out = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                raise self.fail(key, f"a plain key in {what}")
            out[key.value] = (key, value)
        return out

    def scalar(self, node: yaml.Node, what: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, what)
        return yaml.safe_load(yaml.serialize(node))

    def number(
        self, node: yaml.Node, what: str, low: float = 0.0, high: float | None = None
    ) -> float:
        value = self.scalar(node, what)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(node, what)
        if value < low or (high is not None and value > high):
            raise self.fail(node, what)
        return float(value)

    def count(self, node: yaml.Node, what: str) -> int:
        value = self.scalar(node, what)
        try:
            return parse_count(value if isinstance(value, int) else str(value))
        except ArenaError:
            raise self.fail(node, f"{what} (1000, 10k, 1m, 2.5m)") from None

    def unknown(self, key: yaml.Node, known: set[str], where: str) -> ArenaError:
        return self.fail(key, f"one of {', '.join(sorted(known))} in {where}, not '{key.value}'")


TOP_KEYS = {"seed", "rows", "skew", "null_fraction", "tables"}
TABLE_KEYS = {"rows", "ratio", "skew", "columns"}


def load_config(path: str | Path) -> SeedConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ArenaError(
            f"Cannot read seeds file {path}: {exc.strerror}.", "Check the path."
        ) from None
    except UnicodeDecodeError as exc:
        raise ArenaError(
            f"Seeds file {path} is not UTF-8 text (byte {exc.start}).",
            "Pass a seeds YAML, e.g. seeds/ecommerce.yaml.",
        ) from None
    return parse_config(text, str(path))


def parse_config(text: str, path: str = "<seeds>") -> SeedConfig:
    reader = _Reader(path)
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ArenaError(
            f"{path}{line}: not valid YAML ({problem}).", "Fix the YAML syntax at that line."
        ) from None
    if root is None:
        return SeedConfig(path=path)
    top = reader.mapping(root, "the seeds file")
    values: dict[str, Any] = {"path": path}
    for name, (key, node) in top.items():
        if name not in TOP_KEYS:
            raise reader.unknown(key, TOP_KEYS, "the seeds file")
        if name == "seed":
            values["seed"] = int(reader.number(node, "an integer seed"))
        elif name == "rows":
            values["rows"] = reader.count(node, "a row count")
        elif name == "skew":
            values["skew"] = reader.number(node, "a skew >= 0", 0, 10)
        elif name == "null_fraction":
            values["null_fraction"] = reader.number(node, "a null_fraction in [0, 1]", 0, 1)
        else:
            values["tables"] = {
                t: _table(reader, t, tnode)
                for t, (_, tnode) in reader.mapping(node, "tables").items()
            }
    return SeedConfig(**values)


def _table(reader: _Reader, table: str, node: yaml.Node) -> TableConfig:
    if isinstance(node, yaml.ScalarNode):  # `orders: 200k` is shorthand for rows
        return TableConfig(rows=reader.count(node, f"a row count or a mapping for table {table}"))
    values: dict[str, Any] = {}
    for name, (key, value) in reader.mapping(node, f"table {table}").items():
        if name not in TABLE_KEYS:
            raise reader.unknown(key, TABLE_KEYS, f"table {table}")
        if name == "rows":
            values["rows"] = reader.count(value, f"a row count for {table}")
        elif name == "ratio":
            values["ratio"] = reader.number(value, f"a positive ratio for {table}")
        elif name == "skew":
            values["skew"] = reader.number(value, "a skew >= 0", 0, 10)
        else:
            values["columns"] = {
                c: _column(reader, table, c, cnode)
                for c, (_, cnode) in reader.mapping(value, f"columns of {table}").items()
            }
    return TableConfig(**values)


def _column(reader: _Reader, table: str, column: str, node: yaml.Node) -> ColumnConfig:
    where = f"{table}.{column}"
    if isinstance(node, yaml.ScalarNode):  # `status: email` is shorthand for the generator
        node = yaml.compose(f"generator: {reader.scalar(node, 'a generator name')}") or node
    items = reader.mapping(node, where)
    generator = None
    if "generator" in items:
        key, gnode = items["generator"]
        generator = str(reader.scalar(gnode, "a generator name"))
        if generator not in GENERATOR_NAMES:
            raise reader.fail(
                gnode, f"a generator for {where}: one of {', '.join(GENERATOR_NAMES)}"
            )
    allowed = COLUMN_KEYS | GENERATOR_PARAMS.get(generator or "", set())
    params: dict[str, Any] = {}
    skew = null = weights_by_value = None
    for name, (key, value) in items.items():
        if name not in allowed:
            raise reader.unknown(key, allowed, where)
        if name == "weights" and generator is None:
            weights_by_value = _value_weights(reader, value, where)
        elif name == "skew":
            skew = reader.number(value, "a skew >= 0", 0, 10)
        elif name == "null_fraction":
            null = reader.number(value, "a null_fraction in [0, 1]", 0, 1)
        elif name != "generator":
            params[name] = yaml.safe_load(yaml.serialize(value))
    if generator == "choice":
        values = params.get("values")
        if not isinstance(values, list) or not values:
            raise reader.fail(node, f"a non-empty list `values` for {where}")
        weights = params.get("weights")
        if weights is not None and (
            not isinstance(weights, list)
            or len(weights) != len(values)
            or not all(isinstance(w, int | float) and w >= 0 for w in weights)
        ):
            raise reader.fail(
                items["weights"][1], f"{len(values)} non-negative weights for {where}"
            )
    if generator == "constant" and "value" not in params:
        raise reader.fail(node, f"a `value` for {where}")
    for name in (
        "min",
        "max",
        "median",
        "sigma",
        "min_words",
        "max_words",
        "length",
        "scale",
        "p_true",
        "start",
    ):
        if (
            name in params
            and generator not in ("timestamp", "date", "time")
            and not isinstance(params[name], int | float)
        ):
            raise reader.fail(items[name][1], f"a number for {name} of {where}")
    if generator in ("int", "decimal") and params.get("min", 0) > params.get("max", float("inf")):
        raise reader.fail(items["max"][1], f"max >= min for {where}")
    return ColumnConfig(generator, params, skew, null, weights_by_value)


def _value_weights(reader: _Reader, node: yaml.Node, where: str) -> dict[Any, float]:
    """`weights: {delivered: 80, cancelled: 2}`: a weight per value, at least one positive."""
    what = f"a mapping of value: weight (numbers >= 0, one > 0) for {where}"
    if not isinstance(node, yaml.MappingNode) or not node.value:
        raise reader.fail(node, what)
    out: dict[Any, float] = {}
    for key, value in node.value:
        out[reader.scalar(key, what)] = reader.number(value, what)
    if not any(out.values()):
        raise reader.fail(node, what)
    return out
