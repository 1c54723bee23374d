"""The Schema model: one shape for every engine's catalog (information_schema, pg_catalog,
sys.*, PRAGMA), so seeding and load generation never ask which engine they are on.

Produced by arena/introspect.py; consumed by arena/seed/ and arena/load/. `to_dict()` is the
JSON of `arena inspect --json`, identical in shape whatever the engine.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    data_type: str  # as the catalog spells it, lower-case: "integer", "varchar", "numeric"
    # Normalised kind for generators: smallint int bigint decimal float bool char varchar text
    # date time timestamp timestamptz json uuid blob enum (see arena.engines.base.LOGICAL_TYPES)
    logical: str
    nullable: bool = True
    length: int | None = None  # character maximum length
    precision: int | None = None  # numeric precision
    scale: int | None = None  # numeric scale
    default: str | None = None
    identity: bool = False  # identity / AUTO_INCREMENT / serial: the server assigns it
    generated: bool = False  # computed column: never written
    enum_values: tuple[str, ...] | None = None  # enum type or MySQL ENUM(...) values
    domain: str | None = None  # PostgreSQL domain name, when the column uses one


@dataclass(frozen=True, slots=True)
class ForeignKey:
    name: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str = "NO ACTION"
    deferrable: bool = False


@dataclass(frozen=True, slots=True)
class Unique:
    """A unique constraint or unique index (composite allowed; partial when `where` is set)."""

    name: str
    columns: tuple[str, ...]
    where: str | None = None


@dataclass(frozen=True, slots=True)
class Check:
    """A CHECK constraint. The structured fields are filled for the forms arena can satisfy
    (col IN (...), col BETWEEN a AND b, col > n / >= / < / <=); `expression` always."""

    name: str
    expression: str
    column: str | None = None
    allowed: tuple[Any, ...] | None = None  # IN list
    low: float | None = None
    high: float | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True


@dataclass(frozen=True, slots=True)
class Index:
    name: str
    columns: tuple[str, ...]
    unique: bool = False


@dataclass(frozen=True, slots=True)
class Trigger:
    """A row trigger, as far as seeding cares: when it fires, which tables its body inserts
    into (`fills`) and which columns of its own row it assigns (`sets`); read from the body
    text by arena/introspect/triggers.py."""

    name: str
    timing: str  # BEFORE, AFTER, INSTEAD OF
    events: tuple[str, ...]  # INSERT, UPDATE, DELETE
    fills: tuple[str, ...] = ()
    sets: tuple[str, ...] = ()

    @property
    def on_insert(self) -> bool:
        return "INSERT" in self.events and self.timing != "INSTEAD OF"


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    uniques: tuple[Unique, ...] = ()
    checks: tuple[Check, ...] = ()
    indexes: tuple[Index, ...] = ()
    schema: str | None = None  # namespace (PostgreSQL schema, SQL Server schema), if any
    partitioned: bool = False  # a partitioned parent: seed it, the server routes rows
    triggers: tuple[Trigger, ...] = ()

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name}.{name}")

    @property
    def insertable_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.identity and not c.generated)


@dataclass(frozen=True, slots=True)
class Schema:
    engine: str
    tables: tuple[Table, ...]
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    domains: dict[str, str] = field(default_factory=dict)  # name -> base type

    def table(self, name: str) -> Table:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)

    @property
    def table_names(self) -> list[str]:
        return [t.name for t in self.tables]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Schema:
        def tup(v):
            return tuple(v) if v is not None else None

        tables = []
        for t in data["tables"]:
            tables.append(
                Table(
                    name=t["name"],
                    schema=t.get("schema"),
                    partitioned=t.get("partitioned", False),
                    columns=tuple(
                        Column(**{**c, "enum_values": tup(c.get("enum_values"))})
                        for c in t["columns"]
                    ),
                    primary_key=tuple(t.get("primary_key", ())),
                    foreign_keys=tuple(
                        ForeignKey(
                            **{
                                **fk,
                                "columns": tuple(fk["columns"]),
                                "ref_columns": tuple(fk["ref_columns"]),
                            }
                        )
                        for fk in t.get("foreign_keys", ())
                    ),
                    uniques=tuple(
                        Unique(**{**u, "columns": tuple(u["columns"])})
                        for u in t.get("uniques", ())
                    ),
                    checks=tuple(
                        Check(**{**c, "allowed": tup(c.get("allowed"))})
                        for c in t.get("checks", ())
                    ),
                    indexes=tuple(
                        Index(**{**i, "columns": tuple(i["columns"])}) for i in t.get("indexes", ())
                    ),
                    triggers=tuple(
                        Trigger(**{**tr, **{k: tuple(tr[k]) for k in ("events", "fills", "sets")}})
                        for tr in t.get("triggers", ())
                    ),
                )
            )
        return cls(
            engine=data["engine"],
            tables=tuple(tables),
            enums={k: tuple(v) for k, v in data.get("enums", {}).items()},
            domains=dict(data.get("domains", {})),
        )
