"""Aggregates on the subject table: COUNT/SUM/AVG/MIN/MAX, GROUP BY at low, medium and high
cardinality (chosen by counting distinct values), HAVING, several at once, over a join."""

from __future__ import annotations

from arena.bench.core import Case, Context

SCALED = False
GROUPABLE = ("smallint", "int", "bigint", "varchar", "char", "date", "bool", "enum")


def cardinalities(ctx: Context) -> list[tuple[int, str]]:
    """(distinct values, column) for the subject's groupable columns, fewest first; ties
    broken by name so every engine picks the same columns."""
    shape = ctx.shape
    out = []
    for col in shape.subject.columns:
        if col.logical in GROUPABLE and col.name != shape.pk:
            n = ctx.q(f"SELECT COUNT(DISTINCT {ctx.c(col)}) FROM {ctx.t(shape.subject)}")[0][0]
            if n > 1:
                out.append((int(n), col.name))
    return sorted(out)


def cases(ctx: Context, scale: int | None) -> list[Case]:
    shape = ctx.shape
    if shape.subject is None:
        return [Case("count", na="n/a: no table with a single-column integer primary key")]
    t = ctx.t(shape.subject)

    def q(name: str, sql: str) -> Case:
        return Case(name, op=lambda: len(ctx.q(sql)), iterations=3)

    out = [q("count", f"SELECT COUNT(*) FROM {t}")]
    num = ctx.c(shape.numeric) if shape.numeric else None
    if num:
        for fn in ("SUM", "AVG", "MIN", "MAX"):
            out.append(q(fn.lower(), f"SELECT {fn}({num}) FROM {t}"))
        out.append(
            q(
                "several",
                f"SELECT COUNT(*), SUM({num}), AVG({num}), MIN({num}), MAX({num}) FROM {t}",
            )
        )
    else:
        out.append(Case("sum", na=f"n/a: {shape.subject.name} has no numeric column"))
    groups = cardinalities(ctx)
    if not groups:
        out.append(Case("group_low", na="n/a: no column with more than one distinct value"))
    else:
        picks = {"low": groups[0], "medium": groups[len(groups) // 2], "high": groups[-1]}
        for label, (distinct, col) in picks.items():
            g = ctx.c(col)
            case = q(f"group_{label}", f"SELECT {g}, COUNT(*) FROM {t} GROUP BY {g}")
            case.metrics = lambda d=distinct, c=col: {"groups": d, "column": c}
            out.append(case)
        g = ctx.c(groups[len(groups) // 2][1])
        out.append(q("having", f"SELECT {g}, COUNT(*) FROM {t} GROUP BY {g} HAVING COUNT(*) > 1"))
    edges = [e for e in shape.edges if e.child.name == shape.subject.name]
    if not edges:
        out.append(Case("join_aggregate", na=f"n/a: {shape.subject.name} has no foreign key"))
    else:
        e = edges[0]
        sql = (
            f"SELECT p.{ctx.c(e.parent_col)}, COUNT(*) FROM {t} c JOIN {ctx.t(e.parent)} p "
            f"ON c.{ctx.c(e.child_col)} = p.{ctx.c(e.parent_col)} GROUP BY p.{ctx.c(e.parent_col)}"
        )
        out.append(q("join_aggregate", sql))
    return out
