"""seed: fill every engine with the same rows, fast, every constraint held, then verify."""

from __future__ import annotations

import click

from arena import console
from arena.cli.options import engine_list, json_option
from arena.errors import ArenaError


class ProgressReporter:
    """Bridges arena.seed.Reporter to one rich progress bar per engine."""

    def __init__(self, progress) -> None:
        self.progress = progress
        self.tasks: dict[str, int] = {}

    def start(self, engine: str, total: int) -> None:
        self.tasks[engine] = self.progress.add_task(engine, total=total)

    def advance(self, engine: str, rows: int) -> None:
        if engine in self.tasks:
            self.progress.advance(self.tasks[engine], rows)

    def done(self, engine: str, ok: bool) -> None:
        if engine in self.tasks:
            task = self.tasks[engine]
            self.progress.update(task, description=f"{engine} {'ok' if ok else 'FAILED'}")


def _apply_schema(name: str, targets) -> list[str]:
    """Create domain `name` where it is missing; return its table names."""
    from arena import domains as schemas

    domain = schemas.definition(name)
    wanted = domain.schema.table_names
    for target in targets:
        if not set(wanted) <= set(target.schema().table_names):
            schemas.apply(name, target.engine, target.endpoint, drop_existing=False)
            target.refresh_schema()
    return wanted


@click.command()
@click.option(
    "--rows", "rows_text", metavar="N",
    help="Total rows across the tables: 1000, 10k, 1m, 2.5m (default: the config's, else 10k).",
)  # fmt: skip
@click.option(
    "--engines", "engine_names", multiple=True, metavar="ENGINE[,ENGINE...]",
    help="Engines to seed (default: every engine that is up).",
)  # fmt: skip
@click.option("--schema", "schema_name", metavar="NAME", help="Create this domain schema first.")
@click.option("--seed", "seed_value", type=int, help="Random seed: same seed, same rows (42).")
@click.option("--config", "config_path", metavar="FILE", help="A seeds YAML (seeds/*.yaml).")
@click.option("--truncate", is_flag=True, help="Empty the target tables first.")
@click.option("--tables", "tables_text", metavar="A,B", help="Only these tables.")
@json_option
def seed(
    rows_text, engine_names, schema_name, seed_value, config_path, truncate, tables_text, as_json
) -> None:
    """Seed engines side by side with identical, constraint-abiding rows (FK order, cycles
    and self-references with real parents, unique keys, CHECKs), then count rows and check
    every foreign key."""
    from arena.seed import DEFAULT_SEED, SeedOptions
    from arena.seed import seed as run_seed
    from arena.seed.config import SeedConfig, load_config
    from arena.seed.runner import SeedInterrupted
    from arena.targets import resolve
    from arena.units import parse_count

    rows = parse_count(rows_text) if rows_text is not None else None
    config = load_config(config_path) if config_path else SeedConfig()
    if schema_name:
        from arena import domains as schemas

        schemas.check_name(schema_name)
    targets = resolve(engine_list(engine_names))
    tables = [t.strip() for t in tables_text.split(",") if t.strip()] if tables_text else None
    if schema_name:
        domain_tables = _apply_schema(schema_name, targets)
        tables = tables or domain_tables
    options = SeedOptions(
        rows=rows or config.rows or 10_000,
        seed=seed_value if seed_value is not None else (config.seed or DEFAULT_SEED),
        config=config,
        tables=tables,
        truncate=truncate,
    )
    import sys

    from arena.history.recorder import recording

    described = {"rows": options.rows, "seed": options.seed, "schema": schema_name,
                 "tables": tables, "truncate": truncate}  # fmt: skip
    workload = f"seed {schema_name or ','.join(tables or []) or 'tables'} {options.rows} rows"
    with recording("seed", sys.argv, targets, workload=workload, config=described) as rec:
        try:
            with console.progress_bars(enabled=not as_json) as progress:
                pairs = [(t.engine, t.endpoint) for t in targets]
                results = run_seed(pairs, options, ProgressReporter(progress))
        except SeedInterrupted as exc:  # show what was kept, then exit 130 with its message
            _record(rec, exc.results)
            _show(exc.results, as_json)
            raise
        _record(rec, results)
        _show(results, as_json)
        _raise_for(results)


def _record(rec, results) -> None:
    for r in results:
        if r.error:  # refused before loading a row: nothing measured (nothing recorded)
            continue
        rec.result(r.engine, status="ok" if r.ok else "interrupted" if r.interrupted else
                   "failed", rows=r.rows)  # fmt: skip
        rec.metric(r.engine, "rows_per_s", r.rows_per_second)
        rec.metric(r.engine, "seconds", r.seconds, better="lower")


def _raise_for(results) -> None:
    failed = [r for r in results if not r.ok]
    if failed:
        first = failed[0]
        if first.error:  # failed before loading anything; the message carries its hint
            raise ArenaError(f"Seeding {first.engine} failed: {first.error}")
        why = next(
            (f"{t.table}: {t.error}" for t in first.tables if t.status == "failed"),
            "foreign key verification found orphans",
        )
        raise ArenaError(
            f"Seeding {first.engine} did not complete: {why}",
            "Tables loaded before the failure were kept; the failed table was rolled back.",
        )


def _show(results, as_json: bool) -> None:
    if as_json:
        console.as_json([r.to_dict() for r in results])
    else:
        _render(results)


def _render(results) -> None:
    console.table(
        (
            (
                r.engine,
                f"{r.rows:,}",
                f"{r.seconds:.2f}",
                f"{r.rows_per_second:,.0f}",
                "interrupted" if r.interrupted else "ok" if r.ok else "FAILED",
            )
            for r in results
        ),
        ("engine", "rows", "seconds", "rows/s", "status"),
    )
    for r in results:
        if r.error:
            console.info(f"{r.engine}: {r.error}")
            continue
        for t in r.tables:
            if r.interrupted and t.status == "loaded":
                console.info(f"{r.engine}: {t.table} kept: {t.loaded:,} rows")
            elif t.status != "loaded":
                console.info(f"{r.engine}: {t.table} {t.status}: {t.error}")
        for note in r.notes:
            console.info(f"{r.engine}: note: {note}")
        v = r.verification
        if v is not None:
            orphans = sum(f.orphans for f in v.fks)
            self_refs = [f for f in v.fks if f.table == f.ref_table]
            line = (
                f"{r.engine}: verified {len(v.counts)} tables ({sum(v.counts.values()):,} rows), "
                f"{len(v.fks)} foreign keys, {orphans} orphans"
            )
            if self_refs:
                linked = ", ".join(f"{f.table}.{f.fk} {f.linked:,}" for f in self_refs)
                line += f"; self-references with a parent: {linked}"
            console.info(line)
