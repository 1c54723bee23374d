"""Joins along FK paths found in the schema: 2, 3 and 5 tables, a self-join along a
self-reference, N:M through a junction table, and a LEFT join; result-set size reported."""

from __future__ import annotations

from arena.bench.core import Case, Context
from arena.bench.shape import Edge

SCALED = False


def path_join(ctx: Context, edges: list[Edge], left: bool = False) -> str:
    """SELECT the key of every table along `edges`, joined in path order."""
    first = edges[0]
    # The table the path starts from is the one of the first edge not shared with the next.
    start = (
        first.child
        if len(edges) == 1 or first.child.name not in _names(edges[1])
        else (first.parent)
    )
    aliases = {start.name: "t0"}
    sql_from = f"{ctx.t(start)} t0"
    keys = [f"t0.{ctx.c(_key(start))}"]
    verb = "LEFT JOIN" if left else "JOIN"
    for i, edge in enumerate(edges, 1):
        new = edge.parent if edge.child.name in aliases else edge.child
        alias = f"t{i}"
        aliases[new.name] = alias
        child_alias, parent_alias = aliases[edge.child.name], aliases[edge.parent.name]
        sql_from += (
            f" {verb} {ctx.t(new)} {alias} ON {child_alias}.{ctx.c(edge.child_col)} = "
            f"{parent_alias}.{ctx.c(edge.parent_col)}"
        )
        keys.append(f"{alias}.{ctx.c(_key(new))}")
    return f"SELECT {', '.join(keys)} FROM {sql_from}"


def _names(edge: Edge) -> set[str]:
    return {edge.child.name, edge.parent.name}


def _key(table) -> str:
    return table.primary_key[0] if table.primary_key else table.columns[0].name


def query_case(ctx: Context, name: str, sql: str) -> Case:
    return Case(name, op=lambda: len(ctx.q(sql)), iterations=1)


def cases(ctx: Context, scale: int | None) -> list[Case]:
    shape = ctx.shape
    out = []
    for tables in (2, 3, 5):
        edges = shape.path(tables)
        if edges is None:
            out.append(Case(f"join_{tables}", na=f"n/a: no FK path through {tables} tables"))
        else:
            out.append(query_case(ctx, f"join_{tables}", path_join(ctx, edges)))
    ref = shape.self_reference()
    if ref is None:
        out.append(Case("self_join", na="n/a: no table references itself"))
    else:
        t, key = ctx.t(ref.child), ctx.c(ref.parent_col)
        sql = f"SELECT c.{key}, p.{key} FROM {t} c JOIN {t} p ON c.{ctx.c(ref.child_col)} = p.{key}"
        out.append(query_case(ctx, "self_join", sql))
    junction = shape.junction()
    if junction is None:
        out.append(Case("n_to_m", na="n/a: no junction table (two FKs to two tables)"))
    else:
        a, b = junction
        sql = (
            f"SELECT x.{ctx.c(a.parent_col)}, y.{ctx.c(b.parent_col)} FROM {ctx.t(a.parent)} x "
            f"JOIN {ctx.t(a.child)} j ON j.{ctx.c(a.child_col)} = x.{ctx.c(a.parent_col)} "
            f"JOIN {ctx.t(b.parent)} y ON y.{ctx.c(b.parent_col)} = j.{ctx.c(b.child_col)}"
        )
        out.append(query_case(ctx, "n_to_m", sql))
    edges = shape.path(2)
    if edges is None:
        out.append(Case("left_join", na="n/a: no foreign key"))
    else:
        e = edges[0]
        sql = (
            f"SELECT p.{ctx.c(e.parent_col)}, c.{ctx.c(_key(e.child))} FROM {ctx.t(e.parent)} p "
            f"LEFT JOIN {ctx.t(e.child)} c ON c.{ctx.c(e.child_col)} = p.{ctx.c(e.parent_col)}"
        )
        out.append(query_case(ctx, "left_join", sql))
    return out
