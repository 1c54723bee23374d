"""bench: the built-in benchmark categories, generated from the schema that is in the
databases, run on every engine with warmup and repeats, compared with confidence intervals."""

from __future__ import annotations

from typing import Any

import click

from arena import console
from arena.cli.options import engine_list, json_option
from arena.errors import ArenaError
from arena.units import parse_count, parse_duration


@click.command()
@click.argument("categories", nargs=-1, metavar="[CATEGORY...]")
@click.option(
    "--engines",
    "engine_names",
    multiple=True,
    metavar="ENGINE[,ENGINE]",
    help="Engines to compare (default: every engine that is up).",
)
@click.option(
    "--scales",
    default="1k,10k",
    show_default=True,
    help="Rows for the categories that make their own (bulk, results).",
)
@click.option(
    "--repeats",
    default=5,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="Measured repeats per case (median and 95% CI over them).",
)
@click.option(
    "--warmup",
    default=1,
    show_default=True,
    type=click.IntRange(0, 100),
    help="Unmeasured runs before the repeats.",
)
@click.option(
    "--iterations",
    type=click.IntRange(1, 10**7),
    help="Operations per repeat (default: each case's own).",
)
@click.option("--duration", help="Time per case per engine instead of --iterations, e.g. 10s.")
@click.option(
    "--seed",
    default=42,
    show_default=True,
    type=int,
    help="Seed of the bench's own rows (the same on every engine).",
)
@json_option
def bench(categories, engine_names, scales, repeats, warmup, iterations, duration, seed,
          as_json) -> None:  # fmt: skip
    """Benchmark categories: bulk, query, joins, aggregates, complex, relations,
    transactions, results, connections (default: all).

    Queries are generated from the introspected schema (seed one first, e.g. `arena schema
    apply ecommerce` and `arena seed --rows 10k`). Bench tables are named arena_bench_* and
    dropped afterwards; your tables are only read. Results go to .arena/results/<run-id>/.
    """
    from arena.bench.core import Options
    from arena.bench.runner import parse_categories, run_bench
    from arena.state import ProjectState
    from arena.targets import resolve

    chosen = parse_categories(list(categories))
    scale_list = sorted({parse_count(s, "scale") for s in scales.split(",") if s.strip()})
    if not scale_list:
        raise ArenaError("--scales is empty.", "Valid: 1k,10k,100k,1m.")
    if iterations and duration:
        raise ArenaError("--iterations and --duration exclude each other.", "Give one of them.")
    options = Options(
        repeats=repeats, warmup=warmup, iterations=iterations,
        duration=parse_duration(duration) if duration else None, seed=seed,
    )  # fmt: skip
    state = ProjectState()
    targets = resolve(engine_list(engine_names), state)

    def show(category: str, rows: list[dict[str, Any]], warnings: list[str]) -> None:
        if as_json:
            return
        for warning in warnings:
            console.warn(warning)
        render(category, rows, [t.name for t in targets])

    import sys

    from arena.history.recorder import recording

    with recording("bench", sys.argv, targets, state=state) as rec, rec.sampling(targets):
        report = run_bench(targets, chosen, scale_list, options, state, on_category=show,
                           run_id=rec.run_id)  # fmt: skip
    if as_json:
        console.as_json(
            {"run_id": report.run_id, "path": report.path, "engines": report.engines,
             "counts": report.counts, "warnings": report.warnings, "results": [
                 {k: v for k, v in r.items() if k != "counters"}
                 | {"counters": {k: v for k, v in r["counters"].items() if k != "plan_text"}}
                 for r in report.results]}
        )  # fmt: skip
    else:
        console.info(f"\nResults: {report.path}")


def render(category: str, rows: list[dict[str, Any]], engines: list[str]) -> None:
    console.info(f"\n== {category} ==")
    table: dict[tuple, dict[str, str]] = {}
    for row in rows:
        table.setdefault((row["case"], row["scale"]), {})[row["engine"]] = cell(row)
    console.table(
        [[case, f"{scale:,}" if scale else "data", *(cells.get(e, "n/a: not offered") for e in engines)]
         for (case, scale), cells in table.items()],
        ["case", "scale", *engines],
    )  # fmt: skip


def cell(row: dict[str, Any]) -> str:
    if row.get("na"):
        return row["na"]
    if row.get("error"):
        return f"error: {row['error']}"[:70]
    s, cmp, counters = row["summary"], row.get("comparison") or {}, row["counters"]
    head = f"{seconds(s['median'])} [{seconds(s['ci_low'])}-{seconds(s['ci_high'])}]"
    if cmp.get("fastest"):
        head += " fastest"
    elif cmp.get("within_noise"):
        head += f" x{cmp['ratio']:.2f} (within noise)"
    elif cmp:
        head += f" x{cmp['ratio']:.2f}"
    detail = [f"min {seconds(s['min'])} max {seconds(s['max'])} sd {seconds(s['stddev'])}"]
    extra = []
    for key, label in (("plan", ""), ("rows_per_s", " rows/s"), ("queries", " queries"),
                       ("rows", " rows"), ("commits_per_s", " commits/s"), ("aborts", " aborts"),
                       ("lock_waits", " lock waits"), ("queries_per_s", " q/s"),
                       ("first_row_ms", " ms to 1st row"), ("client_peak_bytes", " B client"),
                       ("size_growth_bytes", " B growth"), ("space_reclaimed_bytes", " B freed"),
                       ("reader_max_ms", " ms max read")):  # fmt: skip
        if counters.get(key) is not None:
            value = counters[key]
            extra.append(f"{value:,}{label}" if isinstance(value, int) else f"{value}{label}")
    if extra:
        detail.append(", ".join(extra))
    return "\n".join([head, *detail])


def seconds(value: float) -> str:
    if value >= 1:
        return f"{value:.2f}s"
    if value >= 1e-3:
        return f"{value * 1e3:.2f}ms"
    return f"{value * 1e6:.0f}us"
