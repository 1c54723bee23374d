"""The N+1 pattern at the SQL level, along FK chains of depth 1, 2 and 3: one query per parent
row (what a lazy ORM does), one IN-list query per level, or one join. Counts queries issued."""

from __future__ import annotations

from arena.bench.core import Case, Context
from arena.bench.shape import Edge

SCALED = False
PARENTS = 10


def cases(ctx: Context, scale: int | None) -> list[Case]:
    out = []
    for depth in (1, 2, 3):
        chain = ctx.shape.chain(depth)
        if chain is None:
            for variant in ("n_plus_1", "in_list", "join"):
                why = f"n/a: no chain of {depth} foreign keys (parent <- child <- ...)"
                out.append(Case(f"{variant}_depth{depth}", na=why))
            continue
        out += [
            Case(f"n_plus_1_depth{depth}", op=lambda c=chain: n_plus_1(ctx, c)),
            Case(f"in_list_depth{depth}", op=lambda c=chain: in_lists(ctx, c)),
            Case(f"join_depth{depth}", op=lambda c=chain: joined(ctx, c)),
        ]
    return out


def top_parents(ctx: Context, chain: list[Edge]) -> tuple[int, list]:
    root = chain[0]
    sql = ctx.engine.limit(
        f"SELECT {ctx.c(root.parent_col)} FROM {ctx.t(root.parent)} "
        f"ORDER BY {ctx.c(root.parent_col)}",
        PARENTS,
    )
    return 1, [r[0] for r in ctx.q(sql)]


def _children(ctx: Context, edge: Edge, where: str) -> list[tuple]:
    key = edge.child.primary_key[0] if edge.child.primary_key else edge.child_col
    return ctx.q(f"SELECT {ctx.c(key)} FROM {ctx.t(edge.child)} WHERE {where}")


def n_plus_1(ctx: Context, chain: list[Edge]) -> dict:
    queries, level = top_parents(ctx, chain)
    rows = len(level)
    for edge in chain:
        nxt = []
        for key in level:
            found = _children(ctx, edge, f"{ctx.c(edge.child_col)} = {ctx.engine.literal(key)}")
            queries += 1
            nxt += [r[0] for r in found]
        rows += len(nxt)
        level = nxt
    return {"queries": queries, "rows": rows, "parents": PARENTS}


def in_lists(ctx: Context, chain: list[Edge]) -> dict:
    queries, level = top_parents(ctx, chain)
    rows = len(level)
    for edge in chain:
        if not level:
            break
        keys = ", ".join(ctx.engine.literal(k) for k in level)
        level = [r[0] for r in _children(ctx, edge, f"{ctx.c(edge.child_col)} IN ({keys})")]
        queries += 1
        rows += len(level)
    return {"queries": queries, "rows": rows, "parents": PARENTS}


def joined(ctx: Context, chain: list[Edge]) -> dict:
    """One query: the parents (chosen in a derived table) joined down the chain."""
    root = chain[0]
    parents = ctx.engine.limit(
        f"SELECT {ctx.c(root.parent_col)} AS k FROM {ctx.t(root.parent)} "
        f"ORDER BY {ctx.c(root.parent_col)}",
        PARENTS,
    )
    sql = f"SELECT * FROM ({parents}) t0"
    prev_alias, prev_col = "t0", "k"
    for i, edge in enumerate(chain, 1):
        sql += (
            f" LEFT JOIN {ctx.t(edge.child)} t{i} "
            f"ON t{i}.{ctx.c(edge.child_col)} = {prev_alias}.{ctx.engine.quote(prev_col)}"
        )
        nxt = chain[i] if i < len(chain) else None
        prev_alias, prev_col = f"t{i}", nxt.parent_col if nxt else ""
    return {"queries": 1, "rows": len(ctx.q(sql)), "parents": PARENTS}
