"""Workload mixes: the 10 dbarena patterns as operation weights, and custom mixes from YAML.

A mix is a list of weighted entries. An entry names an operation kind (every table that
supports it shares the weight), a kind on one table ("insert orders"), or custom
parameterised SQL. Weights are percentages and must sum to 100.

Custom mix YAML (see scenarios/custom_mix.yaml):

    name: checkout
    operations:
      pk_lookup: 40
      insert orders: 10
    custom:
      - name: recent_orders
        weight: 50
        sql: SELECT * FROM orders WHERE customer_id = :customer ORDER BY id DESC LIMIT 10
        # or per engine: sql: {postgres: ..., mysql: ..., sqlserver: ..., default: ...}
        params:
          customer: {key: customers}        # an existing key of a table
          # {int: [1, 100]} / {float: [0, 1]} / {choice: [a, b, c]}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from arena.errors import ArenaError, UnknownNameError
from arena.load.operations import KINDS, Operation, Param

if TYPE_CHECKING:
    from arena.engines.base import Engine

# Weights per kind, in percent. Read-heavy and write-heavy are 90/10 and 10/90 read/write;
# OLTP is short keyed reads and writes; OLAP and reporting are scans, aggregates and joins;
# time-series and IoT are append-mostly with recent-range reads.
PATTERNS: dict[str, dict[str, int]] = {
    "oltp": {"pk_lookup": 50, "update": 20, "insert": 15, "range_scan": 10, "delete": 5},
    "ecommerce": {
        "pk_lookup": 35, "join": 20, "pagination": 10, "insert": 15, "update": 15,
        "range_scan": 5,
    },
    "olap": {"aggregate": 60, "join": 25, "range_scan": 15},
    "reporting": {"aggregate": 40, "join": 30, "pagination": 20, "range_scan": 10},
    "timeseries": {"insert": 60, "range_scan": 25, "aggregate": 15},
    "social": {"pk_lookup": 30, "join": 25, "pagination": 20, "insert": 15, "update": 10},
    "iot": {"insert": 80, "range_scan": 10, "aggregate": 10},
    "read-heavy": {"pk_lookup": 60, "range_scan": 20, "join": 10, "update": 5, "insert": 5},
    "write-heavy": {"insert": 50, "update": 30, "delete": 10, "pk_lookup": 10},
    "balanced": {
        "pk_lookup": 30, "range_scan": 10, "join": 10, "insert": 20, "update": 20, "delete": 10,
    },
}  # fmt: skip

_PARAM_RE = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_PARAM_KINDS = ("key", "int", "float", "choice")


@dataclass(frozen=True, slots=True)
class MixEntry:
    kind: str  # one of KINDS, or "custom"
    weight: float
    table: str | None = None
    name: str = ""  # custom only
    sql: dict[str, str] | None = None  # custom only: engine/family/"default" -> SQL
    params: dict[str, dict[str, Any]] | None = None  # custom only

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


@dataclass(frozen=True, slots=True)
class MixSpec:
    name: str
    entries: tuple[MixEntry, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "entries": [e.to_dict() for e in self.entries]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MixSpec:
        return cls(data["name"], tuple(MixEntry(**e) for e in data["entries"]))


def pattern(name: str) -> MixSpec:
    if name not in PATTERNS:
        raise UnknownNameError("pattern", name, PATTERNS, f"Valid: {', '.join(PATTERNS)}.")
    return MixSpec(name, tuple(MixEntry(k, float(w)) for k, w in PATTERNS[name].items()))


def _parse_entry_key(key: str, where: str) -> tuple[str, str | None]:
    parts = str(key).split()
    kind = parts[0] if parts else ""
    if kind not in KINDS or len(parts) > 2:
        raise UnknownNameError(f"operation in {where}", kind, KINDS)
    return kind, parts[1] if len(parts) == 2 else None


def load_mix(path: str | Path) -> MixSpec:
    file = Path(path)
    try:
        data = yaml.safe_load(file.read_text())
    except FileNotFoundError:
        raise ArenaError(
            f"Mix file '{path}' not found.", "See scenarios/custom_mix.yaml."
        ) from None
    except UnicodeDecodeError:
        raise ArenaError(
            f"Mix file '{path}' is not text (UTF-8 YAML).", "See scenarios/custom_mix.yaml."
        ) from None
    except OSError as exc:
        raise ArenaError(f"Mix file '{path}' cannot be read: {exc.strerror}.") from None
    except yaml.YAMLError as exc:
        raise ArenaError(f"Mix file '{path}' is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ArenaError(f"Mix file '{path}' must be a mapping.", "See scenarios/custom_mix.yaml.")
    unknown = set(data) - {"name", "operations", "custom", "description"}
    if unknown:
        raise ArenaError(
            f"Mix file '{path}' has unknown keys: {', '.join(sorted(unknown))}.",
            "Valid: name, description, operations, custom.",
        )
    operations, custom = data.get("operations") or {}, data.get("custom") or []
    if not isinstance(operations, dict):
        raise ArenaError(
            f"'operations' in mix file '{path}' must map 'kind table' to a weight.",
            "Example: operations: {pk_lookup users: 60, insert orders: 40}.",
        )
    if not isinstance(custom, list):
        raise ArenaError(
            f"'custom' in mix file '{path}' must be a list of operations.",
            "Example: custom: [{name: top, weight: 10, sql: 'SELECT 1'}].",
        )
    entries: list[MixEntry] = []
    for key, weight in operations.items():
        kind, table = _parse_entry_key(key, str(path))
        entries.append(MixEntry(kind, _weight(weight, key, path), table))
    for i, item in enumerate(custom, 1):
        entries.append(_custom_entry(item, i, path))
    if not entries:
        raise ArenaError(f"Mix file '{path}' has no operations.", "See scenarios/custom_mix.yaml.")
    total = sum(e.weight for e in entries)
    if abs(total - 100) > 1e-6:
        raise ArenaError(
            f"Weights in mix file '{path}' sum to {total:g}, not 100.",
            "Weights are percentages: make them add up to 100.",
        )
    return MixSpec(str(data.get("name") or file.stem), tuple(entries))


def _weight(value: Any, what: str, path: str | Path) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ArenaError(
            f"Weight of '{what}' in '{path}' must be a positive number, not {value!r}."
        )
    return float(value)


def _custom_entry(item: Any, i: int, path: str | Path) -> MixEntry:
    if not isinstance(item, dict) or not item.get("name") or not item.get("sql"):
        raise ArenaError(f"Custom operation {i} in '{path}' needs name, weight and sql.")
    unknown = set(item) - {"name", "weight", "sql", "params"}
    if unknown:
        raise ArenaError(
            f"Custom operation '{item['name']}' in '{path}' has unknown keys: "
            f"{', '.join(sorted(unknown))}.",
            "Valid: name, weight, sql, params.",
        )
    sql = item["sql"] if isinstance(item["sql"], dict) else {"default": item["sql"]}
    params = item.get("params") or {}
    for text in sql.values():
        for pname in _PARAM_RE.findall(text):
            if pname not in params:
                raise ArenaError(
                    f"Custom operation '{item['name']}' in '{path}' uses :{pname} but has no "
                    f"params entry for it.",
                    f"Add params: {{{pname}: {{int: [1, 100]}}}}.",
                )
    for pname, spec in params.items():
        if not isinstance(spec, dict) or len(spec) != 1 or next(iter(spec)) not in _PARAM_KINDS:
            raise ArenaError(
                f"Parameter '{pname}' of '{item['name']}' in '{path}' must be one of "
                f"{', '.join(_PARAM_KINDS)}.",
                "Example: {int: [1, 100]} or {key: customers}.",
            )
    return MixEntry(
        "custom", _weight(item.get("weight"), item["name"], path), None, str(item["name"]),
        {str(k): str(v) for k, v in sql.items()}, params,
    )  # fmt: skip


def custom_operation(entry: MixEntry, engine: Engine) -> Operation:
    assert entry.sql is not None
    text = entry.sql.get(engine.name) or entry.sql.get(engine.family) or entry.sql.get("default")
    if text is None:
        raise ArenaError(
            f"Custom operation '{entry.name}' has no SQL for {engine.name}.",
            f"Add sql: {{{engine.name}: ...}} or a default.",
        )
    order = _PARAM_RE.findall(text)
    sql = _PARAM_RE.sub(lambda _m: engine.placeholder, text)
    if engine.paramstyle == "format":
        # DB-API "format" drivers read a literal % as a placeholder start.
        sql = sql.replace("%", "%%").replace("%%s", "%s")
    params = []
    for pname in order:
        source, value = next(iter((entry.params or {})[pname].items()))
        if source == "key":
            params.append(Param("key", str(value)))
        else:
            params.append(Param(source, args=tuple(value)))
    return Operation(f"custom {entry.name}", "custom", "", sql, tuple(params))


@dataclass(frozen=True, slots=True)
class CompiledMix:
    operations: tuple[Operation, ...]
    weights: tuple[float, ...]  # percent, summing to 100
    skipped: tuple[str, ...]  # kinds the schema offers no table for


def compile_mix(spec: MixSpec, engine: Engine, by_kind: dict[str, list[Operation]]) -> CompiledMix:
    """Expand kinds to their tables. A kind the schema cannot serve (no foreign keys for
    join...) is skipped and its weight spread over the rest; a named table must exist."""
    ops: list[Operation] = []
    weights: list[float] = []
    skipped: list[str] = []
    for entry in spec.entries:
        if entry.kind == "custom":
            ops.append(custom_operation(entry, engine))
            weights.append(entry.weight)
            continue
        candidates = by_kind.get(entry.kind, [])
        if entry.table is not None:
            candidates = [op for op in candidates if op.table == entry.table]
            if not candidates:
                raise ArenaError(
                    f"Mix '{spec.name}': '{entry.kind} {entry.table}' cannot run: no such table, "
                    f"or it lacks what {entry.kind} needs (a single-column primary key, an "
                    "index, a foreign key).",
                    "Check the table with `arena inspect`.",
                )
        if not candidates:
            skipped.append(entry.kind)
            continue
        for op in candidates:
            ops.append(op)
            weights.append(entry.weight / len(candidates))
    if not ops:
        raise ArenaError(
            f"Mix '{spec.name}' has nothing to run on {engine.name}: the schema offers no "
            f"table for {', '.join(skipped)}.",
            "Apply a schema with keys and foreign keys (`arena schema apply ecommerce`) "
            "or use --mix with custom SQL.",
        )
    scale = 100 / sum(weights)
    return CompiledMix(tuple(ops), tuple(w * scale for w in weights), tuple(skipped))
