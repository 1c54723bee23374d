"""What the benchmark queries are made of, read from the introspected schemas of every engine
being compared: a subject table with an indexed and a non-indexed column, the FK graph (paths
for joins, chains for N+1, a self-reference, a junction table).

Choices are made from ALL engines' schemas at once (a column counts as indexed only if it is
indexed everywhere, as non-indexed only if it is indexed nowhere), so every engine runs the
same query even where one engine adds indexes of its own (MySQL indexes FK columns).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from arena.schema import Column, ForeignKey, Schema, Table

INT_TYPES = ("smallint", "int", "bigint")
TEXT_TYPES = ("varchar", "char", "text")
PLAIN_TYPES = ("smallint", "int", "bigint", "decimal", "float", "varchar", "char", "date")


@dataclass(frozen=True, slots=True)
class Edge:
    """child.fk.columns -> parent.fk.ref_columns (single-column keys only)."""

    child: Table
    fk: ForeignKey
    parent: Table

    @property
    def child_col(self) -> str:
        return self.fk.columns[0]

    @property
    def parent_col(self) -> str:
        return self.fk.ref_columns[0]


@dataclass
class Shape:
    schema: Schema
    counts: dict[str, int]
    subject: Table | None = None
    pk: str = ""
    indexed: Column | None = None
    plain: Column | None = None
    text: Column | None = None
    numeric: Column | None = None
    edges: list[Edge] = field(default_factory=list)

    # -- FK graph ------------------------------------------------------------------------
    def path(self, tables: int) -> list[Edge] | None:
        """A chain of `tables` distinct tables joined along FKs (either direction), the
        longest-populated first; None when the schema has no such path."""
        adjacent: dict[str, list[Edge]] = {}
        for edge in self.edges:
            if edge.child.name != edge.parent.name:
                adjacent.setdefault(edge.child.name, []).append(edge)
                adjacent.setdefault(edge.parent.name, []).append(edge)

        def walk(at: str, seen: list[str], used: list[Edge]) -> list[Edge] | None:
            if len(seen) == tables:
                return used
            for edge in adjacent.get(at, []):
                other = edge.parent.name if edge.child.name == at else edge.child.name
                if other not in seen:
                    found = walk(other, [*seen, other], [*used, edge])
                    if found:
                        return found
            return None

        for start in sorted(adjacent, key=lambda n: -self.counts.get(n, 0)):
            found = walk(start, [start], [])
            if found:
                return found
        return None

    def chain(self, depth: int) -> list[Edge] | None:
        """parent <- child <- grandchild ... `depth` FK hops downwards (each next table has
        an FK to the previous one): the shape of an ORM's nested lazy loading."""

        def down(table: str, left: int, seen: set[str]) -> list[Edge] | None:
            if left == 0:
                return []
            for edge in self.edges:
                if edge.parent.name == table and edge.child.name not in seen:
                    rest = down(edge.child.name, left - 1, seen | {edge.child.name})
                    if rest is not None:
                        return [edge, *rest]
            return None

        for table in sorted(self.schema.tables, key=lambda t: self.counts.get(t.name, 0)):
            found = down(table.name, depth, {table.name})
            if found:
                return found
        return None

    def self_reference(self) -> Edge | None:
        return next((e for e in self.edges if e.child.name == e.parent.name), None)

    def junction(self) -> tuple[Edge, Edge] | None:
        """A table with FKs to two other tables (N:M)."""
        for table in self.schema.tables:
            out = [e for e in self.edges if e.child.name == table.name and e.parent is not table]
            parents = {e.parent.name for e in out}
            if len(parents) >= 2 and table.name not in parents:
                first = out[0]
                second = next(e for e in out if e.parent.name != first.parent.name)
                return first, second
        return None


def leading_index_columns(table: Table) -> set[str]:
    cols = {i.columns[0] for i in table.indexes if i.columns}
    cols |= {u.columns[0] for u in table.uniques if u.columns}
    if table.primary_key:
        cols.add(table.primary_key[0])
    return cols


def build(schemas: list[Schema], counts: dict[str, int]) -> Shape:
    """The shape of the first schema, with index facts agreed across all of them."""
    schema = schemas[0]
    shape = Shape(schema, counts)
    by_name = {t.name: t for t in schema.tables}
    for table in schema.tables:
        for fk in table.foreign_keys:
            if len(fk.columns) == 1 and fk.ref_table in by_name:
                shape.edges.append(Edge(table, fk, by_name[fk.ref_table]))
    fk_cols = {(e.child.name, e.child_col) for e in shape.edges}

    def everywhere(table: str) -> tuple[set[str], set[str]]:
        sets = []
        for other in schemas:
            try:
                sets.append(leading_index_columns(other.table(table)))
            except KeyError:
                sets.append(set())
        return set.intersection(*sets), set.union(*sets)

    best: tuple | None = None
    for table in schema.tables:
        if len(table.primary_key) != 1 or table.column(table.primary_key[0]).logical not in (
            INT_TYPES
        ):
            continue
        indexed_all, indexed_any = everywhere(table.name)
        pk = table.primary_key[0]
        indexed = [
            c for c in table.columns
            if c.name in indexed_all and c.name != pk and c.logical in PLAIN_TYPES
        ]  # fmt: skip
        plain = [
            c for c in table.columns
            if c.name not in indexed_any and (table.name, c.name) not in fk_cols
            and c.logical in PLAIN_TYPES and not c.generated
        ]  # fmt: skip
        numeric = any(
            c.logical in ("int", "decimal", "float", "smallint") and c.name != pk
            and (table.name, c.name) not in fk_cols for c in table.columns
        )  # fmt: skip
        score = (bool(indexed), bool(plain), numeric, counts.get(table.name, 0), table.name)
        if best is None or score > best[0]:
            best = (score, table, indexed, plain)
    if best is None:
        return shape
    _, table, indexed, plain = best
    shape.subject, shape.pk = table, table.primary_key[0]
    # Prefer a non-FK indexed column (a real search key), then an FK one.
    indexed.sort(key=lambda c: (table.name, c.name) in fk_cols)
    shape.indexed = indexed[0] if indexed else None
    plain.sort(key=lambda c: c.logical not in ("int", "bigint", "decimal"))
    shape.plain = plain[0] if plain else None
    shape.numeric = next(
        (c for c in table.columns if c.logical in ("int", "decimal", "float", "smallint")
         and c.name != shape.pk and (table.name, c.name) not in fk_cols),
        None,
    )  # fmt: skip
    shape.text = next((c for c in table.columns if c.logical in TEXT_TYPES), None)
    return shape
