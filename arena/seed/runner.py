"""`seed()`: plan, generate and load every engine side by side, then verify.

Each engine is seeded in its own thread with its own generators: generation is deterministic
(arena/seed/counter_random.py), so every engine receives the same rows without sharing state.

Ctrl-C cancels the run's CancelToken: every loader stops at its next chunk (and asks its
server to abort the statement in flight), the table in flight rolls back, tables already
committed stay, and `seed()` raises SeedInterrupted carrying what each engine loaded.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from arena.engines.base import Engine
from arena.errors import ArenaError, did_you_mean
from arena.models import Endpoint
from arena.schema import Schema, Table
from arena.seed.capacity import check_fits
from arena.seed.config import SeedConfig
from arena.seed.keys import ExternalKeys, KeySource
from arena.seed.loaders import Cancelled, CancelToken, Loader, LoadError, loader_for
from arena.seed.loaders.filtered import load_filtered
from arena.seed.plan import SeedPlan, build_plan
from arena.seed.table import DEFAULT_NULL_FRACTION, DEFAULT_SKEW, TableGen
from arena.seed.verify import Verification, verify

DEFAULT_SEED = 42


@dataclass(frozen=True, slots=True)
class TableResult:
    table: str
    planned: int
    loaded: int
    seconds: float
    status: str  # loaded | failed | skipped | cancelled (rolled back or never started)
    error: str | None = None


@dataclass(frozen=True, slots=True)
class EngineResult:
    engine: str
    rows: int
    seconds: float
    tables: tuple[TableResult, ...] = ()
    verification: Verification | None = None
    error: str | None = None
    notes: tuple[str, ...] = ()
    interrupted: bool = False  # Ctrl-C: committed tables kept, the one in flight rolled back

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    @property
    def ok(self) -> bool:
        return (
            self.error is None
            and not self.interrupted
            and all(t.status == "loaded" for t in self.tables)
            and (self.verification is None or self.verification.ok)
        )

    def to_dict(self) -> dict:
        v = self.verification
        return {
            "engine": self.engine,
            "ok": self.ok,
            "interrupted": self.interrupted,
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second),
            "error": self.error,
            "notes": list(self.notes),
            "tables": [
                {"table": t.table, "planned": t.planned, "loaded": t.loaded, "status": t.status,
                 "seconds": round(t.seconds, 3), "error": t.error}
                for t in self.tables
            ],
            "verification": None if v is None else {
                "ok": v.ok,
                "counts": v.counts,
                "foreign_keys": [
                    {"table": f.table, "fk": f.fk, "ref_table": f.ref_table, "linked": f.linked,
                     "orphans": f.orphans}
                    for f in v.fks
                ],
            },
        }  # fmt: skip


class SeedInterrupted(ArenaError):
    """Ctrl-C during a seed: `results` says what every engine kept."""

    exit_code = 130

    def __init__(self, results: list[EngineResult]) -> None:
        kept = sum(r.rows for r in results)
        super().__init__(
            f"Interrupted: {kept:,} rows in committed tables were kept; the tables in flight "
            "were rolled back.",
            "Seed again with --truncate to start over, or without it to add rows.",
        )
        self.results = results


class Reporter:
    """Progress callbacks; the CLI passes one that draws a bar per engine."""

    def start(self, engine: str, total: int) -> None: ...

    def advance(self, engine: str, rows: int) -> None: ...

    def done(self, engine: str, ok: bool) -> None: ...


@dataclass
class SeedOptions:
    rows: int
    seed: int = DEFAULT_SEED
    config: SeedConfig = field(default_factory=SeedConfig)
    tables: list[str] | None = None
    truncate: bool = False


def make_plan(schema: Schema, options: SeedOptions) -> SeedPlan:
    config = options.config
    check_config_tables(schema, config)
    fixed = {n: t.rows for n, t in config.tables.items() if t.rows is not None}
    ratios = {n: t.ratio for n, t in config.tables.items() if t.ratio is not None}
    return build_plan(schema, options.rows, options.tables, fixed, ratios)


def check_config_tables(schema: Schema, config: SeedConfig) -> None:
    """A seeds YAML naming a table the schema does not have is a typo, not a no-op."""
    for name in config.tables:
        if name not in schema.table_names:
            close = did_you_mean(name, schema.table_names)
            where = f" ({config.path})" if config.path else ""
            raise ArenaError(
                f"The seeds config{where} names table '{name}', which {schema.engine} does "
                "not have." + (f" Did you mean {close}?" if close else ""),
                f"Tables: {', '.join(sorted(schema.table_names)) or 'none'}.",
            )


def make_generators(
    plan: SeedPlan, options: SeedOptions, loader: Loader | None, schema: Schema, dialect: str
) -> list[TableGen]:
    """One TableGen per table, parents first. Fails before anything is loaded when a column
    cannot be generated or a CHECK cannot be satisfied. `dialect`: the sqlglot dialect the
    schema's CHECK texts are written in (the engine's)."""
    config = options.config
    sources: dict[str, KeySource] = {}
    gens: list[TableGen] = []
    in_run = {p.name for p in plan.tables}
    for tp in plan.tables:
        for fk in tp.external:
            if fk.ref_table not in sources and fk.ref_table not in in_run:
                parent = schema.table(fk.ref_table)
                keys = loader.read_keys(parent, fk.ref_columns) if loader else []
                sources[fk.ref_table] = ExternalKeys(fk.ref_table, fk.ref_columns, keys)
        offset = loader.offset(tp.table) if loader and not options.truncate else 0
        tg = TableGen(
            tp, options.seed, sources, config.table(tp.name), offset,
            skew=DEFAULT_SKEW if config.skew is None else config.skew,
            null_fraction=DEFAULT_NULL_FRACTION if config.null_fraction is None else config.null_fraction,
            dialect=dialect,
        )  # fmt: skip
        sources[tp.name] = tg
        gens.append(tg)
    for tg in gens:
        tg.bind_deferred(sources)
    return gens


def check_truncate(schema: Schema, targets: list[Table], loader: Loader) -> None:
    """--truncate must not orphan rows of tables the user did not name."""
    names = {t.name for t in targets}
    for table in schema.tables:
        if table.name in names:
            continue
        for fk in table.foreign_keys:
            if fk.ref_table in names:
                count = loader.query(f"SELECT COUNT(*) FROM {loader.name(table)}")[0][0]
                if count:
                    raise ArenaError(
                        f"Cannot truncate {fk.ref_table}: {table.name} ({count} rows, not "
                        f"named) references it through {fk.name}.",
                        f"Add {table.name} to --tables, or seed without --truncate.",
                    )


def seed_engine(
    engine: Engine,
    endpoint: Endpoint,
    options: SeedOptions,
    reporter: Reporter | None = None,
    schema: Schema | None = None,
    introspect: Callable[[Engine, Endpoint], Schema] | None = None,
    token: CancelToken | None = None,
) -> EngineResult:
    reporter = reporter or Reporter()
    token = token or CancelToken()
    if schema is None:
        if introspect is None:
            from arena.introspect import introspect as introspect_fn

            introspect = introspect_fn
        schema = introspect(engine, endpoint)
    plan = make_plan(schema, options)
    check_fits(plan, engine, endpoint)
    loader = loader_for(engine, endpoint, token)
    try:
        targets = [tp.table for tp in plan.tables]
        if options.truncate:
            check_truncate(schema, targets, loader)
        gens = make_generators(plan, options, loader, schema, engine.sqlglot_dialect)
        forward = [f"{tp.name}.{fk.name}" for tp in plan.tables for fk in tp.forward]
        if forward:
            refusal = loader.allow_forward_references()
            if refusal is not None:
                raise ArenaError(
                    f"{', '.join(forward)} close a cycle of NOT NULL foreign keys, which arena "
                    f"seeds with the FK checks off for the load, but {refusal}.",
                    "Make one of these foreign keys nullable or DEFERRABLE, or seed as a "
                    "user who may turn FK checks off.",
                )
        if options.truncate:
            loader.truncate(targets)
        return _load_all(engine, loader, gens, schema, reporter)
    finally:
        loader.close()


def unsolved_note(tg: TableGen, loaded: int, discarded: int) -> str:
    names = ", ".join(u.check.name for u in tg.unsolved)
    return (
        f"{tg.name}: CHECK {names} is beyond arena's generators; the engine filtered the "
        f"rows: {loaded} kept, {discarded} discarded"
    )


def fk_levels(gens: list[TableGen]) -> list[list[TableGen]]:
    """Group tables so every table's in-run parents sit in an earlier group (second-pass
    and self-referencing FKs do not count: they are filled from rows already loaded)."""
    level: dict[str, int] = {}
    for tg in gens:  # gens are in FK order already
        parents = [
            level[fk.ref_table]
            for fk in tg.table.foreign_keys
            if fk.ref_table in level
            and fk.ref_table != tg.name
            and fk not in tg.plan.deferred
            and fk not in tg.plan.forward
        ]
        level[tg.name] = 1 + max(parents, default=-1)
    groups: list[list[TableGen]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for tg in gens:
        groups[level[tg.name]].append(tg)
    # Biggest first, so the long loads start early and small ones fill the gaps.
    return [sorted(g, key=lambda t: -t.n) for g in groups]


def _load_all(
    engine: Engine, loader: Loader, gens: list[TableGen], schema: Schema, reporter: Reporter
) -> EngineResult:
    name = engine.name
    reporter.start(name, sum(tg.n for tg in gens))
    results: dict[str, TableResult] = {}
    started = time.perf_counter()
    spare = queue.Queue()
    spare.put(loader)
    extra: list[Loader] = []
    token = loader.token
    for _ in range(loader.parallel_tables - 1):
        extra.append(loader_for(engine, loader.endpoint, token))
        spare.put(extra[-1])

    def load_one(tg: TableGen) -> TableResult:
        broken = sorted(
            {
                fk.ref_table
                for fk in tg.table.foreign_keys
                if fk.ref_table in results and results[fk.ref_table].status != "loaded"
            }
        )
        if token.cancelled:
            return TableResult(tg.name, tg.n, 0, 0.0, "cancelled", "interrupted before it began")
        if broken:
            reporter.advance(name, tg.n)
            return TableResult(
                tg.name, tg.n, 0, 0.0, "skipped", f"parent {', '.join(broken)} not loaded"
            )
        mine = spare.get()
        t0 = time.perf_counter()
        try:
            if tg.unsolved:
                loaded, discarded = load_filtered(mine, tg, lambda n: reporter.advance(name, n))
                tg.notes.append(unsolved_note(tg, loaded, discarded))
            else:
                loaded = mine.load(tg, lambda n: reporter.advance(name, n))
            mine.reset_identity(tg.table)
            return TableResult(tg.name, tg.n, loaded, time.perf_counter() - t0, "loaded")
        except (LoadError, Cancelled) as exc:
            seconds = time.perf_counter() - t0
            if token.cancelled:  # the server's "canceled" error is the interrupt, too
                return TableResult(tg.name, tg.n, 0, seconds, "cancelled", "rolled back")
            return TableResult(tg.name, tg.n, 0, seconds, "failed", exc.detail)
        except Exception:
            if token.cancelled:  # a bookkeeping query the interrupt aborted
                return TableResult(tg.name, tg.n, 0, 0.0, "cancelled", "interrupted")
            raise
        finally:
            spare.put(mine)

    # Tables of one FK level (all parents already loaded) load concurrently on their own
    # connections where the engine gains from it: the server works on two tables while
    # this process generates the next chunks.
    try:
        if loader.parallel_tables == 1:  # sqlite3 connections stay in their own thread
            for tg in gens:
                results[tg.name] = load_one(tg)
        else:
            with ThreadPoolExecutor(max_workers=loader.parallel_tables) as pool:
                for level in fk_levels(gens):
                    for result in pool.map(load_one, level):
                        results[result.table] = result
    finally:
        for other in extra:
            other.close()
    if token.cancelled:
        return _interrupted(name, gens, results, started, reporter)
    for tg in gens:
        for fk in tg.plan.deferred:
            if (
                results[tg.name].status == "loaded"
                and results.get(fk.ref_table, results[tg.name]).status == "loaded"
            ):
                try:
                    loader.fill_deferred(tg, fk, lambda n: None)
                except LoadError as exc:
                    r = results[tg.name]
                    results[tg.name] = TableResult(
                        r.table, r.planned, r.loaded, r.seconds, "failed", exc.detail
                    )
    seconds = time.perf_counter() - started
    loaded_rows = sum(r.loaded for r in results.values() if r.status == "loaded")
    tables = [tg.table for tg in gens]
    derived_notes = _apply_derived(engine, loader.endpoint, schema, {tg.name for tg in gens})
    verification = verify(loader.conn, engine, tables, {t.name: t.schema for t in schema.tables})
    ordered = tuple(results[tg.name] for tg in gens)
    notes = tuple(n for tg in gens for n in tg.notes) + tuple(derived_notes)
    result = EngineResult(name, loaded_rows, seconds, ordered, verification, None, notes)
    reporter.done(name, result.ok)
    return result


def _apply_derived(
    engine: Engine, endpoint: Endpoint, schema: Schema, seeded: set[str]
) -> list[str]:
    """Derived values of a domain whose tables these are (arena/domains/derived.py), on a
    connection of their own (the loader's may hold a transaction of its own)."""
    from arena.domains.derived import apply_for_schema

    conn = engine.connect(endpoint)
    try:
        return apply_for_schema(engine, conn, schema, seeded)
    finally:
        conn.close()


def _interrupted(
    name: str,
    gens: list[TableGen],
    results: dict[str, TableResult],
    started: float,
    reporter: Reporter,
) -> EngineResult:
    """What an interrupted engine kept: its committed tables (no second pass, no verify)."""
    tables = tuple(
        results.get(tg.name) or TableResult(tg.name, tg.n, 0, 0.0, "cancelled", "never started")
        for tg in gens
    )
    rows = sum(t.loaded for t in tables if t.status == "loaded")
    result = EngineResult(
        name, rows, time.perf_counter() - started, tables, None, None, (), interrupted=True
    )
    reporter.done(name, False)
    return result


def seed(
    targets: list[tuple[Engine, Endpoint]],
    options: SeedOptions,
    reporter: Reporter | None = None,
    introspect: Callable[[Engine, Endpoint], Schema] | None = None,
) -> list[EngineResult]:
    """Seed every engine side by side; an engine that fails does not stop the others.
    Ctrl-C (KeyboardInterrupt in this, the main thread) stops every engine within a second
    and raises SeedInterrupted with what each kept."""
    token = CancelToken()

    def one(target: tuple[Engine, Endpoint]) -> EngineResult:
        engine, endpoint = target
        try:
            return seed_engine(
                engine, endpoint, options, reporter, introspect=introspect, token=token
            )
        except Exception as exc:
            if reporter:
                reporter.done(engine.name, False)
            if token.cancelled:  # interrupted before loading (introspection, planning)
                return EngineResult(engine.name, 0, 0.0, interrupted=True)
            if not isinstance(exc, ArenaError):
                raise
            return EngineResult(engine.name, 0, 0.0, error=exc.one_line())

    pool = ThreadPoolExecutor(max_workers=max(1, len(targets)))
    futures = [pool.submit(one, target) for target in targets]
    try:
        return [f.result() for f in futures]
    except KeyboardInterrupt:
        token.cancel()
        results = [f.result() for f in futures]  # each rolls back its table in flight
        raise SeedInterrupted(results) from None
    finally:
        pool.shutdown(wait=True)
