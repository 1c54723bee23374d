"""The seed plan: which tables, in which order, how many rows each.

Order follows the foreign-key graph, parents first. Two kinds of edges cannot be ordered:

- a self-reference (category.parent_id -> category.id) needs no break: a row's parent is
  drawn among the rows before it, which both orders the insert (every engine checks the FK
  when the row arrives, and the parent is already there) and yields a real tree with real
  parents instead of NULLs;
- a cycle across tables (users.team_id -> teams, teams.owner_id -> users) is broken at a
  nullable FK: that FK is inserted empty and filled in a second pass with real parents, once
  both tables are loaded. A cycle of NOT NULL FKs is broken at a "forward" FK instead: its
  values point at rows of a table loaded later (keys are computed, not read back), and the
  load runs with the engine's FK enforcement off (Loader.allow_forward_references).

`--rows N` is the total across tables. Without a seeds YAML it is split by a schema's natural
shape: a table twice as deep in the FK graph as another gets more rows (children outnumber
parents: orders > customers, order_items > orders), lookup-like tables (categories, tags,
roles...) get few.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from arena.errors import ArenaError, UnknownNameError
from arena.schema import ForeignKey, Schema, Table

FANOUT = 3.0  # rows per parent row, per level of the FK graph, without configuration
LOOKUP_WEIGHT = 0.02
LOOKUP_NAMES = re.compile(
    r"^(categor(y|ies)|tags?|roles?|status(es)?|countr(y|ies)|currenc(y|ies)|types?|kinds?|"
    r"settings?|departments?|warehouses?|brands?|regions?|languages?|permissions?|labels?|"
    r"plans?|tiers?|channels?|sources?|priorities|priority|groups?|teams?|boards?|forums?)$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class TablePlan:
    table: Table
    rows: int
    self_refs: tuple[ForeignKey, ...] = ()  # parents among this table's earlier rows
    deferred: tuple[ForeignKey, ...] = ()  # inserted NULL, filled in a second pass
    external: tuple[ForeignKey, ...] = ()  # parent not seeded now: keys read from the server
    forward: tuple[ForeignKey, ...] = ()  # NOT NULL cycle edge: parent loads later
    # (table, trigger): an insert trigger on that seeded table fills this one; arena loads
    # no rows of its own here (they would collide with the trigger's on the key).
    filled_by: tuple[str, str] | None = None

    @property
    def name(self) -> str:
        return self.table.name


@dataclass(frozen=True, slots=True)
class SeedPlan:
    tables: tuple[TablePlan, ...]  # in load order

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def get(self, name: str) -> TablePlan:
        for plan in self.tables:
            if plan.name == name:
                return plan
        raise KeyError(name)


def build_plan(
    schema: Schema,
    total_rows: int,
    tables: list[str] | None = None,
    fixed_rows: dict[str, int] | None = None,
    ratios: dict[str, float] | None = None,
) -> SeedPlan:
    """Order the tables and split `total_rows` among them.

    fixed_rows: exact counts per table (they count toward the total); ratios: relative
    weights for the rest (a seeds YAML's `rows:` and `ratio:`).
    """
    if not schema.tables:
        raise ArenaError(
            f"{schema.engine} has no tables to seed.",
            "Create some first, e.g. `arena seed --schema ecommerce` or `arena schema apply "
            "ecommerce`.",
        )
    names = _select(schema, tables)
    by_name = {t.name: t for t in schema.tables}
    targets = [by_name[n] for n in names]
    forward: set[tuple[str, str]] = set()
    order, deferred = order_tables(targets, forward)
    depth = _depths(targets, deferred | forward)
    counts = split_rows(
        [by_name[n] for n in order], total_rows, depth, fixed_rows or {}, ratios or {}
    )
    filled = trigger_filled(targets)
    for child, (parent, _) in filled.items():
        counts[child] = counts[parent]  # one row per parent row, as the trigger inserts
    order = _after_fillers(order, filled)
    plans = []
    for name in order:
        table = by_name[name]
        self_refs = tuple(fk for fk in table.foreign_keys if fk.ref_table == name)
        external = tuple(
            fk for fk in table.foreign_keys if fk.ref_table != name and fk.ref_table not in names
        )
        plans.append(
            TablePlan(
                table, counts[name], self_refs,
                tuple(fk for fk in table.foreign_keys if (name, fk.name) in deferred), external,
                tuple(fk for fk in table.foreign_keys if (name, fk.name) in forward),
                filled.get(name),
            )
        )  # fmt: skip
    return SeedPlan(tuple(plans))


def trigger_filled(tables: list[Table]) -> dict[str, tuple[str, str]]:
    """table -> (seeded table, trigger) for every table an insert trigger of another table
    in the run inserts into (a profile row per new user, an audit row per order)."""
    names = {t.name for t in tables}
    filled: dict[str, tuple[str, str]] = {}
    for table in tables:
        for trigger in table.triggers:
            if not trigger.on_insert:
                continue
            for target in trigger.fills:
                if target in names and target != table.name and target not in filled:
                    filled[target] = (table.name, trigger.name)

    # A chain (C fills A, A fills B) stands: A's trigger fires on the rows C's inserts. A
    # loop (A fills B, B fills A) would leave both to each other: arena seeds the loop.
    def loops(name: str) -> bool:
        seen = {name}
        while name in filled:
            name = filled[name][0]
            if name in seen:
                return True
            seen.add(name)
        return False

    return {t: src for t, src in filled.items() if not loops(t)}


def _after_fillers(order: list[str], filled: dict[str, tuple[str, str]]) -> list[str]:
    """A filled table (and so its children) comes after the table whose trigger fills it."""
    out = list(order)
    for child, (parent, _) in filled.items():
        if out.index(child) < out.index(parent):
            out.remove(child)
            out.insert(out.index(parent) + 1, child)
    return out


def _select(schema: Schema, tables: list[str] | None) -> list[str]:
    known = schema.table_names
    if not tables:
        return known
    lowered = {n.lower(): n for n in known}
    picked = []
    for name in tables:
        real = name if name in known else lowered.get(name.lower())
        if real is None:
            raise UnknownNameError(
                "table", name, known, f"Tables on {schema.engine}: {', '.join(known)}."
            )
        if real not in picked:
            picked.append(real)
    return picked


def order_tables(
    tables: list[Table], forward: set[tuple[str, str]] | None = None
) -> tuple[list[str], set[tuple[str, str]]]:
    """Parents first. Returns (order, deferred FKs as (table, fk name)) after breaking every
    cross-table cycle at a nullable FK. A cycle of NOT NULL FKs is broken at one of them,
    added to `forward`; without that set it is refused."""
    names = {t.name for t in tables}
    by_name = {t.name: t for t in tables}
    deferred: set[tuple[str, str]] = set()

    def edges() -> dict[str, set[str]]:
        parents: dict[str, set[str]] = {t.name: set() for t in tables}
        for t in tables:
            for fk in t.foreign_keys:
                if (
                    fk.ref_table in names
                    and fk.ref_table != t.name
                    and (t.name, fk.name) not in deferred
                    and (t.name, fk.name) not in (forward or ())
                ):
                    parents[t.name].add(fk.ref_table)
        return parents

    while True:
        parents = edges()
        order = _kahn(parents)
        if len(order) == len(tables):
            return order, deferred
        remaining = {n: p for n, p in parents.items() if n not in order}
        cycle = _find_cycle(remaining)
        breakable = [
            (child, fk)
            for child, parent in zip(cycle, cycle[1:] + cycle[:1], strict=True)
            for fk in by_name[child].foreign_keys
            if fk.ref_table == parent
            and (child, fk.name) not in deferred
            and _nullable(by_name[child], fk)
        ]
        if not breakable and forward is not None:
            # A DEFERRABLE edge first: PostgreSQL can then load the cycle without superuser.
            edges_ = [
                (child, fk)
                for child, parent in zip(cycle, cycle[1:] + cycle[:1], strict=True)
                for fk in by_name[child].foreign_keys
                if fk.ref_table == parent
            ]
            child, fk = next(((c, f) for c, f in edges_ if f.deferrable), edges_[0])
            forward.add((child, fk.name))
            continue
        if not breakable:
            path = " -> ".join([*cycle, cycle[0]])
            raise ArenaError(
                f"The tables {path} form a cycle of NOT NULL foreign keys: no insert order "
                "satisfies them.",
                "Make one of these foreign keys nullable, then seed again.",
            )
        child, fk = breakable[0]
        deferred.add((child, fk.name))


def _nullable(table: Table, fk: ForeignKey) -> bool:
    return all(table.column(c).nullable for c in fk.columns) and not set(fk.columns) & set(
        table.primary_key
    )


def _kahn(parents: dict[str, set[str]]) -> list[str]:
    pending = {n: set(p) for n, p in parents.items()}
    order: list[str] = []
    ready = sorted(n for n, p in pending.items() if not p)
    while ready:
        name = ready.pop(0)
        order.append(name)
        del pending[name]
        for other, deps in pending.items():
            if name in deps:
                deps.discard(name)
                if not deps and other not in ready:
                    ready.append(other)
        ready.sort()
    return order


def _find_cycle(parents: dict[str, set[str]]) -> list[str]:
    """One cycle among tables that Kahn's algorithm could not order (child -> parent ...)."""
    start = sorted(parents)[0]
    path, seen = [start], {start: 0}
    node = start
    while True:
        nxt = sorted(p for p in parents[node] if p in parents)[0]
        if nxt in seen:
            return path[seen[nxt] :]
        seen[nxt] = len(path)
        path.append(nxt)
        node = nxt


def _depths(tables: list[Table], deferred: set[tuple[str, str]]) -> dict[str, int]:
    names = {t.name for t in tables}
    by_name = {t.name: t for t in tables}
    memo: dict[str, int] = {}

    def depth(name: str) -> int:
        if name not in memo:
            memo[name] = 0
            parents = [
                fk.ref_table
                for fk in by_name[name].foreign_keys
                if fk.ref_table in names
                and fk.ref_table != name
                and (name, fk.name) not in deferred
            ]
            memo[name] = 1 + max((depth(p) for p in parents), default=-1)
        return memo[name]

    return {t.name: depth(t.name) for t in tables}


def natural_weight(table: Table, depth: int) -> float:
    weight = FANOUT**depth
    if LOOKUP_NAMES.match(table.name):
        weight *= LOOKUP_WEIGHT
    return weight


def split_rows(
    tables: list[Table],
    total: int,
    depth: dict[str, int],
    fixed_rows: dict[str, int],
    ratios: dict[str, float],
) -> dict[str, int]:
    counts = {t.name: int(fixed_rows[t.name]) for t in tables if t.name in fixed_rows}
    rest = [t for t in tables if t.name not in counts]
    remaining = max(0, total - sum(counts.values()))
    if rest:
        weights = {
            t.name: float(ratios[t.name]) if t.name in ratios else natural_weight(t, depth[t.name])
            for t in rest
        }
        scale = remaining / sum(weights.values()) if sum(weights.values()) else 0
        shares = {n: w * scale for n, w in weights.items()}
        floors = {n: int(s) for n, s in shares.items()}
        # Largest remainders get the rows rounding left over, so the sum is exactly `total`.
        leftover = remaining - sum(floors.values())
        for name in sorted(shares, key=lambda n: (floors[n] - shares[n], n))[:leftover]:
            floors[name] += 1
        counts.update(floors)
    # Every table gets at least one row: a parent with none would leave its children unseedable.
    return {t.name: max(1, counts[t.name]) for t in tables}
