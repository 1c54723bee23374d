"""`arena run vectors|rls`: pgvector similarity search, and Supabase's roles under row-level
security. Options are checked, and every chosen engine asked whether it can run the suite,
before anything runs: a bad option or an engine without pgvector is a one-line error."""

from __future__ import annotations

from typing import Any

import click

from arena import console
from arena.cli.options import engine_list, json_option
from arena.cli.run import SuiteCommand, engines_option
from arena.errors import ArenaError


@click.command(cls=SuiteCommand)
@engines_option
@click.option("--dim", metavar="N", help="Dimensions of each embedding (128).")
@click.option("--sizes", multiple=True, metavar="N[,N]",
              help="Table sizes to measure at, e.g. 1k,10k,100k (1k,10k).")  # fmt: skip
@click.option("--k", "k", metavar="K", help="Neighbours per query, and recall@K (10).")
@click.option("--queries", metavar="N", help="Queries per measurement (100).")
@click.option("--seed", metavar="N", help="Seed of the synthetic embeddings (42).")
@json_option
def vectors(engine_names, dim, sizes, k, queries, seed, as_json: bool) -> None:
    """pgvector: insert rate, exact and approximate k-NN, recall, index builds."""
    from arena.vectors.plan import make_plan
    from arena.vectors.suite import run_engine

    plan = make_plan(dim, sizes, k, queries, seed)
    targets = _capable(engine_names, "vectors", _has_pgvector, "pgvector")
    # and against the chosen engines' own index limit (pgvector's 2000 for every one today)
    make_plan(dim, sizes, k, queries, seed, min(t.engine.vector_index_max_dim for t in targets))
    results = []
    for target in targets:
        if not as_json:
            console.info(f"{target.name}: {plan.dim}-dimensional embeddings at "
                         f"{', '.join(f'{n:,}' for n in plan.sizes)} rows ...")  # fmt: skip
        sizes_done: list[dict] = []
        entry = {"engine": target.name, "version": target.version, "sizes": sizes_done}
        results.append(entry)

        def show(size: dict, name: str = target.name, done: list = sizes_done) -> None:
            done.append(size)
            if not as_json:
                console.table(_vector_rows(name, size, plan.k), VECTOR_HEADERS)

        try:
            run_engine(target.engine, target.endpoint, plan, on_size=show)
        except target.engine.driver_errors() as exc:
            raise _failed(target, "vectors", exc, results if as_json else None) from exc
    if as_json:
        console.as_json(
            {"suite": "vectors", "dim": plan.dim, "k": plan.k, "queries": plan.queries,
             "seed": plan.seed, "metric": plan.metric, "engines": results}
        )  # fmt: skip


VECTOR_HEADERS = ["engine", "rows", "search", "build s", "size", "p50 ms", "p95 ms", "p99 ms",
                  "recall"]  # fmt: skip


def _vector_rows(name: str, size: dict, k: int) -> list[list[str]]:
    n = f"{size['rows']:,}"
    head = [[name, n, f"insert ({size['insert_path']})", f"{size['insert_seconds']:.2f}",
             _bytes(size["table_bytes"]), f"{size['insert_rows_per_s']:,.0f} rows/s", "", "", ""]]  # fmt: skip
    rows = []
    for kind in ("exact", "hnsw", "ivfflat"):
        m = size[kind]
        label = kind if kind == "exact" else f"{kind} {_params(m['search_params'])}"
        build = "" if kind == "exact" else f"{m['build_seconds']:.2f}"
        size_text = "" if kind == "exact" else _bytes(m["index_bytes"])
        rows.append([name, n, f"{label} ({m['plan']})", build, size_text, f"{m['p50_ms']:.2f}",
                     f"{m['p95_ms']:.2f}", f"{m['p99_ms']:.2f}", f"{m['recall']:.3f}@{k}"])  # fmt: skip
    return head + rows


def _params(params: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in params.items())


def _bytes(n: int | None) -> str:
    if n is None:
        return "-"
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


@click.command(cls=SuiteCommand)
@engines_option
@click.option("--rows", metavar="N", help="Rows in the RLS tables (10k).")
@click.option("--ops", metavar="N", help="Operations per timed round of the read/write mix (3000).")
@click.option("--seed", metavar="N", help="Seed of the rows and the operation mix (42).")
@json_option
def rls(engine_names, rows, ops, seed, as_json: bool) -> None:
    """Supabase's roles and row-level security: who sees what, and its cost."""
    from arena.rls.suite import make_options, run_engine

    options = make_options(rows, ops, seed)
    targets = _capable(engine_names, "rls", _has_roles, "Supabase's roles")
    results = []
    for target in targets:
        if not as_json:
            console.info(f"{target.name}: visibility per role, then RLS on vs off ...")
        try:
            result = run_engine(target.engine, target.endpoint, options)
        except target.engine.driver_errors() as exc:
            raise _failed(target, "rls", exc, results if as_json else None) from exc
        result.update(engine=target.name, version=target.version)
        results.append(result)
        if not as_json:
            _show_rls(result)
    if as_json:
        console.as_json({"suite": "rls", "engines": results})
    failed = [r["engine"] for r in results if not r["ok"]]
    if failed:
        raise click.exceptions.Exit(1)


def _show_rls(result: dict) -> None:
    from arena.rls.matrix import HEADERS, table_rows

    console.table(table_rows(result["matrix"]), HEADERS)
    control = result["negative_control"]
    console.info(
        f"{result['engine']}: {result['mismatches']} cell(s) differ from the policies' intent; "
        f"negative control ({control['broken']}): {control['mismatches']} cell(s) flagged"
        + ("" if control["flagged"] else " - NOT FLAGGED, the check is blind")
    )
    o = result["overhead"]
    console.info(
        f"{result['engine']}: read/write mix as `authenticated`, {o['ops']} ops x {o['rounds']} "
        f"rounds: RLS off {o['plain_ops_per_s']:,.0f} ops/s, on {o['rls_ops_per_s']:,.0f} ops/s "
        f"-> RLS costs {o['overhead_pct']:.1f}% (p50 {o['plain_p50_ms']:.3f} -> "
        f"{o['rls_p50_ms']:.3f} ms)"
    )


def _failed(target: Any, suite: str, exc: BaseException, partial: list | None) -> ArenaError:
    """A server error part-way: what was measured so far is printed (JSON too) first."""
    from arena.engines.base import error_text

    if partial:
        console.as_json({"suite": suite, "engines": partial, "incomplete": True})
    return ArenaError(
        f"`arena run {suite}` failed on {target.name}: {error_text(exc)}",
        f"What was measured before is shown above; `arena logs {target.name}` shows the "
        "server's side.",
    )


# -- which engines can run a suite ------------------------------------------------------------
def _has_pgvector(target: Any) -> bool:
    if not target.engine.vector_operators:
        return False
    conn = target.engine.connect(target.endpoint)
    try:
        return target.engine.has_pgvector(conn)
    finally:
        conn.close()


def _has_roles(target: Any) -> bool:
    return target.engine.supabase_roles


def _capable(engine_names, suite: str, capable, what: str) -> list:
    """The chosen engines (default: every engine up that can run the suite), each checked;
    one that cannot is a one-line error naming the engines up that can."""
    from arena.targets import resolve

    chosen = engine_list(list(engine_names))
    if not chosen:
        everything = resolve([])
        able = [t for t in everything if capable(t)]
        if not able:
            raise ArenaError(
                f"`arena run {suite}` needs {what}; no engine that is up has it "
                f"(up: {', '.join(t.name for t in everything)}).",
                _start_hint(suite),
            )
        return able
    targets = resolve(chosen)
    lacking = [t.name for t in targets if not capable(t)]
    if lacking:
        names = ", ".join(_able_up(capable))
        raise ArenaError(
            f"`arena run {suite}` needs {what}; {', '.join(lacking)} "
            f"{'has' if len(lacking) == 1 else 'have'} none. "
            + (f"Up with it: {names}." if names else "No engine that is up has it."),
            f"Use --engines {names}." if names else _start_hint(suite),
        )
    return targets


def _able_up(capable) -> list[str]:
    """Engines up that can run the suite (one that does not answer is left out)."""
    from arena.targets import resolve

    able = []
    for target in resolve([], reachable=False):
        try:
            if capable(target):
                able.append(target.name)
        except Exception:  # a server that does not answer cannot run it either
            continue
    return able


def _start_hint(suite: str) -> str:
    if suite == "vectors":
        return (
            "Start one with pgvector: `arena up supabase` (PostgreSQL 16 + pgvector natively "
            "once `pip install pgserver` is done) or `arena up postgres@16`."
        )
    return "Start Supabase: `arena up supabase`."
