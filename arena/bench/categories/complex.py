"""Correlated vs uncorrelated subquery, simple and recursive CTE (over a self-reference),
window functions (ROW_NUMBER / RANK / running SUM), UNION vs UNION ALL, nested derived tables."""

from __future__ import annotations

from arena.bench.core import Case, Context

SCALED = False


def cases(ctx: Context, scale: int | None) -> list[Case]:
    shape, caps = ctx.shape, ctx.engine.capabilities
    if shape.subject is None or not any(e.child is shape.subject for e in shape.edges):
        return [Case("correlated_subquery", na="n/a: the subject table has no foreign key")]
    e = next(e for e in shape.edges if e.child is shape.subject)
    child, parent = ctx.t(e.child), ctx.t(e.parent)
    fk, ref, pk = ctx.c(e.child_col), ctx.c(e.parent_col), ctx.c(shape.pk)

    def q(name: str, sql: str, na: str | None = None) -> Case:
        return Case(name, op=lambda: len(ctx.q(sql)), na=na)

    out = [
        q("correlated_subquery",
          f"SELECT p.{ref}, (SELECT COUNT(*) FROM {child} c WHERE c.{fk} = p.{ref}) FROM {parent} p"),
        q("uncorrelated_subquery",
          f"SELECT COUNT(*) FROM {child} c WHERE c.{fk} IN (SELECT p.{ref} FROM {parent} p)"),
    ]  # fmt: skip
    no_cte = None if caps.cte else f"n/a: {ctx.engine.display_name} has no WITH"
    out.append(
        q("cte",
          f"WITH per_parent AS (SELECT {fk} AS k, COUNT(*) AS n FROM {child} GROUP BY {fk}) "
          "SELECT MAX(n), COUNT(*) FROM per_parent", no_cte)
    )  # fmt: skip
    ref_edge = shape.self_reference()
    if ref_edge is None:
        out.append(Case("recursive_cte", na="n/a: no table references itself"))
    elif not caps.recursive_cte:
        out.append(
            Case("recursive_cte", na=f"n/a: {ctx.engine.display_name} has no WITH RECURSIVE")
        )
    else:
        t = ctx.t(ref_edge.child)
        key, up = ctx.c(ref_edge.parent_col), ctx.c(ref_edge.child_col)
        # depth < 64 stops a cycle in the data from recursing forever.
        sql = (
            f"{ctx.engine.recursive_with} tree (node, depth) AS ("
            f"SELECT {key}, 0 FROM {t} WHERE {up} IS NULL UNION ALL "
            f"SELECT c.{key}, tree.depth + 1 FROM {t} c JOIN tree ON c.{up} = tree.node "
            "WHERE tree.depth < 64) SELECT COUNT(*), MAX(depth) FROM tree"
        )
        out.append(q("recursive_cte", sql))
    no_window = None if caps.window_functions else "n/a: no window functions"
    num = ctx.c(shape.numeric) if shape.numeric else pk
    out += [
        q("row_number", f"SELECT {pk}, ROW_NUMBER() OVER (PARTITION BY {fk} ORDER BY {pk}) "
          f"FROM {child}", no_window),
        q("rank", f"SELECT {pk}, RANK() OVER (ORDER BY {num}) FROM {child}", no_window),
        q("running_sum", f"SELECT {pk}, SUM({num}) OVER (ORDER BY {pk} ROWS UNBOUNDED PRECEDING) "
          f"FROM {child}", no_window),
        q("union", f"SELECT {fk} FROM {child} UNION SELECT {ref} FROM {parent}"),
        q("union_all", f"SELECT {fk} FROM {child} UNION ALL SELECT {ref} FROM {parent}"),
        q("nested",
          f"SELECT COUNT(*) FROM (SELECT k, COUNT(*) AS n FROM (SELECT {fk} AS k FROM {child} "
          f"WHERE {pk} > 0) a GROUP BY k) b WHERE n > 1"),
    ]  # fmt: skip
    return out
