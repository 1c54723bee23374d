"""`arena bench` orchestration: check the input, read every engine's schema into one shape,
verify the same data is on every engine, run each category (per scale, per engine, per case)
with warmup and repeats, compare engines, write the run folder, drop the scratch tables."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from arena.bench import shape as shape_mod
from arena.bench.categories import CATEGORIES
from arena.bench.core import SCRATCH_PREFIX, Case, CaseResult, Context, Options, measure
from arena.bench.plan import capture
from arena.bench.results import BenchFolder
from arena.bench.stats import compare, summarize
from arena.engines.base import error_text
from arena.errors import ArenaError, UnknownNameError
from arena.schema import Schema

if TYPE_CHECKING:
    from arena.state import ProjectState
    from arena.targets import Target

DEFAULT_SCALES = (1_000, 10_000)
# Scratch copies alive at once per engine at one scale (bulk keeps ~4 tables of `scale`
# rows, results one more), and a safety margin for WAL/redo and temporary files.
SCRATCH_COPIES = 5
DISK_MARGIN = 2.0


def parse_categories(names: list[str]) -> list[str]:
    """Categories in canonical order; an unknown name gets a did-you-mean (exit 2)."""
    wanted = [n.strip().lower() for item in names for n in item.split(",") if n.strip()]
    for name in wanted:
        if name not in CATEGORIES:
            raise UnknownNameError("bench category", name, CATEGORIES)
    return [c for c in CATEGORIES if c in wanted] if wanted else list(CATEGORIES)


def check_disk(targets: list[Target], categories: list[str], scales: list[int], free: int) -> None:
    """Refuse a scale whose scratch copies could not fit on the free disk, before writing."""
    if not any(_module(c).SCALED for c in categories):
        return
    top = max(scales)
    need = sum(
        int(top * t.engine.bytes_per_row_estimate * SCRATCH_COPIES * DISK_MARGIN) for t in targets
    )
    if need > free:
        raise ArenaError(
            f"Scale {top:,} needs about {need / 1e9:.1f} GB of scratch space on "
            f"{len(targets)} engine(s); {free / 1e9:.1f} GB is free.",
            "Use a smaller --scales value, fewer --engines, or free some disk.",
        )


def _module(category: str):
    return importlib.import_module(f"arena.bench.categories.{category}")


@dataclass
class BenchReport:
    run_id: str
    path: str
    categories: list[str]
    scales: list[int]
    engines: dict[str, str]  # name -> version
    counts: dict[str, dict[str, int]]
    results: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def user_schema(target: Target) -> Schema:
    schema = target.schema()
    tables = tuple(t for t in schema.tables if not t.name.startswith(SCRATCH_PREFIX))
    return dataclasses.replace(schema, tables=tables)


def row_counts(ctx: Context, schema: Schema) -> dict[str, int]:
    return {t.name: int(ctx.q(f"SELECT COUNT(*) FROM {ctx.t(t)}")[0][0]) for t in schema.tables}


def run_bench(
    targets: list[Target],
    categories: list[str],
    scales: list[int],
    options: Options,
    state: ProjectState,
    on_category: Callable[[str, list[dict[str, Any]], list[str]], None] | None = None,
    run_id: str | None = None,
) -> BenchReport:
    check_disk(targets, categories, scales, shutil.disk_usage(state.root).free)
    schemas = [user_schema(t) for t in targets]
    folder = BenchFolder(state, run_id)  # run_id: the recorder's (arena/history/recorder.py)
    contexts: list[Context] = []
    try:
        first = targets[0]
        probe = Context(first.engine, first.endpoint, shape_mod.build(schemas, {}), options)
        probe.own_tables = {t.name: t for t in schemas[0].tables}
        contexts.append(probe)
        counts0 = row_counts(probe, schemas[0])
        shape = shape_mod.build(schemas, counts0)
        probe.shape = shape
        for target in targets[1:]:
            contexts.append(Context(target.engine, target.endpoint, shape, options))
        for ctx, schema in zip(contexts, schemas, strict=True):
            ctx.own_tables = {t.name: t for t in schema.tables}
        report = BenchReport(
            folder.run_id, str(folder.path), categories, scales,
            {t.name: t.version for t in targets}, {},
        )  # fmt: skip
        folder.write_run(
            status="running", categories=categories, scales=scales, engines=report.engines,
            options=dataclasses.asdict(options),
            subject=shape.subject.name if shape.subject else None,
        )  # fmt: skip
        for category in categories:
            warnings = verify_counts(contexts, schemas[0], report)
            module = _module(category)
            rows: list[dict[str, Any]] = []
            for scale in scales if module.SCALED else [None]:
                per_engine = [run_category(ctx, category, module, scale) for ctx in contexts]
                rows += compare_engines(per_engine)
            report.results += rows
            report.warnings += warnings
            folder.write_results(report.results)
            if on_category:
                on_category(category, rows, warnings)
        folder.write_run(status="done", counts=report.counts, warnings=report.warnings)
        return report
    except BaseException:
        folder.write_run(status="interrupted")
        raise
    finally:
        for ctx in contexts:
            with contextlib.suppress(Exception):  # a dead server must not hide the error
                ctx.close()


def verify_counts(contexts: list[Context], schema: Schema, report: BenchReport) -> list[str]:
    """Row counts of the user's tables on every engine, compared with the first engine's:
    comparing engines on different data would compare nothing."""
    counts = {ctx.name: row_counts(ctx, schema) for ctx in contexts}
    report.counts = counts
    reference = contexts[0].name
    warnings = []
    for name, table_counts in counts.items():
        differ = [
            f"{t} {n} vs {counts[reference].get(t)}"
            for t, n in table_counts.items()
            if counts[reference].get(t) != n
        ]
        if differ:
            warnings.append(
                f"{name} holds different data than {reference}: {', '.join(differ[:5])} "
                "(seed every engine with the same `arena seed` to compare them)"
            )
    return warnings


def run_category(ctx: Context, category: str, module: Any, scale: int | None) -> list[CaseResult]:
    try:
        cases: list[Case] = module.cases(ctx, scale)
    except ctx.engine.driver_errors() as exc:
        return [CaseResult(category, "(setup)", scale, ctx.name, error=error_text(exc))]
    except Exception as exc:  # keep the other categories' numbers
        return [
            CaseResult(category, "(setup)", scale, ctx.name, error=f"{type(exc).__name__}: {exc}")
        ]
    results = []
    for case in cases:
        result = CaseResult(category, case.name, scale, ctx.name, na=case.na)
        if case.na is None:
            try:
                if case.explain:
                    plan = capture(ctx.engine, ctx.conn, case.explain)
                    result.counters["plan"] = plan.verdict
                    result.counters["plan_text"] = plan.text
                samples, counters = measure(case, ctx.options)
                result.samples = samples
                result.summary = summarize(samples)
                result.counters.update(counters)
            except ctx.engine.driver_errors() as exc:
                result.error = f"{ctx.engine.classify_error(exc)}: {error_text(exc)}"
                _recover(ctx)
            except Exception as exc:  # one broken case must not lose the others' numbers
                result.error = f"{type(exc).__name__}: {exc}"
                _recover(ctx)
        results.append(result)
    return results


def _recover(ctx: Context) -> None:
    """After a failed statement: leave any open transaction so the next case starts clean."""
    try:
        ctx.ex("ROLLBACK")
    except ctx.engine.driver_errors():
        pass


def compare_engines(per_engine: list[list[CaseResult]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    by_case: dict[str, list[CaseResult]] = {}
    for results in per_engine:
        for r in results:
            by_case.setdefault(r.case, []).append(r)
    engines = [results[0].engine for results in per_engine if results]
    for results in by_case.values():  # e.g. an isolation level one engine does not have
        first, present = results[0], {r.engine for r in results}
        for engine in engines:
            if engine not in present:
                why = f"n/a: {engine} has no such case (capability missing)"
                results.append(CaseResult(first.category, first.case, first.scale, engine, na=why))
    for results in by_case.values():
        measured = {r.engine: r.summary for r in results if r.summary is not None}
        comparisons = compare(measured)
        for r in results:
            row = r.to_dict()
            c = comparisons.get(r.engine)
            row["comparison"] = dataclasses.asdict(c) if c else None
            rows.append(row)
    return rows
