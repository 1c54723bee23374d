"""What the family modules share: assembling catalog rows into Table values."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from arena.schema import Check, Column, ForeignKey, Index, Table, Trigger, Unique


@dataclass
class TableParts:
    """Mutable while one catalog is read; frozen into a Table at the end."""

    name: str
    schema: str | None = None
    partitioned: bool = False
    columns: list[Column] = field(default_factory=list)
    primary_key: tuple[str, ...] = ()
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    uniques: list[Unique] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)

    def freeze(self) -> Table:
        return Table(
            name=self.name,
            schema=self.schema,
            partitioned=self.partitioned,
            columns=tuple(self.columns),
            primary_key=self.primary_key,
            foreign_keys=tuple(sorted(self.foreign_keys, key=lambda f: f.name)),
            uniques=tuple(sorted(self.uniques, key=lambda u: u.name)),
            checks=tuple(sorted(self.checks, key=lambda c: c.name)),
            indexes=tuple(sorted(self.indexes, key=lambda i: i.name)),
            triggers=tuple(sorted(self.triggers, key=lambda t: t.name)),
        )


def group_columns(rows, key_len: int = 2) -> dict[tuple, list[tuple[str, int]]]:
    """Index rows (key..., index_name, seq, column) -> {(key..., index_name): [columns]}."""
    grouped: dict[tuple, list[tuple[int, str]]] = defaultdict(list)
    for row in rows:
        grouped[tuple(row[: key_len + 1])].append((row[key_len + 1], row[key_len + 2]))
    return grouped


def delete_rule(text: str | None) -> str:
    """'SET_NULL', 'set null', 'CASCADE' -> 'SET NULL', 'CASCADE'; empty -> 'NO ACTION'."""
    if not text:
        return "NO ACTION"
    return text.replace("_", " ").upper().strip()


def attach_foreign_keys(
    parts: dict[str, TableParts],
    rows: Iterable[tuple],
    on_delete: Callable[[str | None], str] = delete_rule,
) -> None:
    """FK rows (table, constraint, column, ref_table, ref_column, delete_rule), one per key
    column in key order, become one ForeignKey each on its table."""
    grouped: dict[tuple[str, str], list[tuple]] = {}
    for row in rows:
        grouped.setdefault((row[0], row[1]), []).append(row)
    for (table, name), fk_rows in grouped.items():
        target = parts.get(table)
        if target is None:
            continue
        target.foreign_keys.append(
            ForeignKey(
                name=name,
                columns=tuple(r[2] for r in fk_rows),
                ref_table=fk_rows[0][3],
                ref_columns=tuple(r[4] for r in fk_rows),
                on_delete=on_delete(fk_rows[0][5]),
            )
        )
