"""Point and range lookups on the subject table: PK, indexed and non-indexed search, LIKE
prefix and infix, IN lists of 1/10/100/1000 keys. Each query's plan is captured once and
read into an index-usage verdict."""

from __future__ import annotations

from arena.bench.core import Case, Context

SCALED = False
IN_SIZES = (1, 10, 100, 1000)


def sample(ctx: Context, column: str, n: int) -> list:
    """The first `n` non-null values of a subject column in PK order: the same on every
    engine holding the same data."""
    shape = ctx.shape
    sql = ctx.engine.limit(
        f"SELECT {ctx.c(column)} FROM {ctx.t(shape.subject)} WHERE {ctx.c(column)} IS NOT NULL "
        f"ORDER BY {ctx.c(shape.pk)}",
        n,
    )
    return [r[0] for r in ctx.q(sql)]


def lookup(ctx: Context, name: str, where: str, iterations: int = 20) -> Case:
    sql = f"SELECT * FROM {ctx.t(ctx.shape.subject)} WHERE {where}"
    return Case(name, op=lambda: len(ctx.q(sql)), iterations=iterations, explain=sql)


def cases(ctx: Context, scale: int | None) -> list[Case]:
    shape = ctx.shape
    if shape.subject is None:
        why = "n/a: no table with a single-column integer primary key"
        return [Case("pk_lookup", na=why)]
    lit = ctx.engine.literal
    keys = sample(ctx, shape.pk, max(IN_SIZES))
    out = [lookup(ctx, "pk_lookup", f"{ctx.c(shape.pk)} = {lit(keys[len(keys) // 2])}")]
    for label, column in (("indexed_search", shape.indexed), ("nonindexed_search", shape.plain)):
        if column is None:
            kind = "indexed" if label.startswith("indexed") else "non-indexed"
            out.append(Case(label, na=f"n/a: {shape.subject.name} has no {kind} plain column"))
            continue
        value = sample(ctx, column.name, 50)[-1]
        out.append(lookup(ctx, label, f"{ctx.c(column)} = {lit(value)}", iterations=10))
    if shape.text is None:
        out.append(Case("like_prefix", na=f"n/a: {shape.subject.name} has no text column"))
    else:
        word = str(sample(ctx, shape.text.name, 10)[-1])
        col = ctx.c(shape.text)
        out.append(lookup(ctx, "like_prefix", f"{col} LIKE {lit(word[:3] + '%')}", 10))
        middle = word[len(word) // 2 : len(word) // 2 + 3]
        out.append(lookup(ctx, "like_infix", f"{col} LIKE {lit('%' + middle + '%')}", 10))
    for size in IN_SIZES:
        if size > len(keys):
            out.append(Case(f"in_list_{size}", na=f"n/a: only {len(keys)} rows"))
            continue
        values = ", ".join(lit(k) for k in keys[:size])
        out.append(lookup(ctx, f"in_list_{size}", f"{ctx.c(shape.pk)} IN ({values})", 10))
    return out
