"""inspect, schema list / show / apply."""

from __future__ import annotations

import click

from arena import console
from arena.cli.options import engine_list, json_option
from arena.errors import ArenaError
from arena.instances import engine_of
from arena.schema import Schema, Table
from arena.seed.typed import has_generator


@click.command()
@click.argument("engine_names", nargs=-1, metavar="[ENGINE...]")
@click.option(
    "--table", "tables", multiple=True, metavar="TABLE", help="Only these tables (repeatable)."
)
@json_option
def inspect(engine_names, tables, as_json: bool) -> None:
    """Read each engine's catalog: tables, columns, keys, foreign keys, uniques, CHECKs,
    enums, identity and partitioning (default: every engine that is up)."""
    from arena import targets
    from arena.introspect import introspect, no_tables_error

    results: dict[str, Schema] = {}
    for target in targets.resolve(engine_list(engine_names)):  # every one answers, or one line
        name = target.name
        results[name] = introspect(target.engine, target.endpoint, list(tables) or None)
        if not results[name].tables and not as_json:
            console.warn(no_tables_error(target.engine, target.endpoint).one_line())
    if as_json:
        console.as_json({name: schema.to_dict() for name, schema in results.items()})
        return
    for name, schema in results.items():
        if not schema.tables:
            continue
        console.info(f"{name}: {len(schema.tables)} tables")
        console.table((_table_row(t) for t in schema.tables), INSPECT_HEADERS)
        for enum, labels in schema.enums.items():
            console.info(f"  enum {enum}: {', '.join(labels)}")
        for domain, base in schema.domains.items():
            console.info(f"  domain {domain}: {base}")
        console.info("")


INSPECT_HEADERS = ("table", "columns", "primary key", "foreign keys", "unique", "checks", "notes")


def _table_row(table: Table) -> tuple[str, ...]:
    fks = "; ".join(
        f"{','.join(fk.columns)} -> {fk.ref_table}"
        + (" (self)" if fk.ref_table == table.name else "")
        for fk in table.foreign_keys
    )
    uniques = "; ".join(
        ",".join(u.columns) + (" (partial)" if u.where else "") for u in table.uniques
    )
    notes = []
    if table.partitioned:
        notes.append("partitioned")
    identity = [c.name for c in table.columns if c.identity]
    if identity:
        notes.append(f"identity {','.join(identity)}")
    generated = [c.name for c in table.columns if c.generated]
    if generated:
        notes.append(f"generated {','.join(generated)}")
    enums = [c.name for c in table.columns if c.logical == "enum"]
    if enums:
        notes.append(f"enum {','.join(enums)}")
    unknown = [c.name for c in table.columns if c.logical == "unknown" and not has_generator(c)]
    if unknown:
        notes.append(f"no generator for {','.join(unknown)}")
    return (
        table.name,
        str(len(table.columns)),
        ",".join(table.primary_key) or "-",
        fks or "-",
        uniques or "-",
        str(len(table.checks)) if table.checks else "-",
        "; ".join(notes) or "-",
    )


@click.group()
def schema() -> None:
    """The scenario domains' schemas: list them, show the DDL, apply them to engines."""


@schema.command("list")
@json_option
def list_(as_json: bool) -> None:
    """The domain schemas arena ships (schemas/*.yaml)."""
    from arena import domains

    rows = []
    for name in domains.SCHEMA_NAMES:
        domain = domains.definition(name)
        rows.append(
            {
                "name": name,
                "tables": domain.schema.table_names,
                "description": domain.description,
            }
        )
    if as_json:
        console.as_json(rows)
        return
    console.table(
        ((r["name"], str(len(r["tables"])), r["description"]) for r in rows),
        ("schema", "tables", "description"),
    )


@schema.command()
@click.argument("name")
@click.option("--engine", "engine_name", required=True, help="The dialect to render for.")
def show(name: str, engine_name: str) -> None:
    """Print the DDL of schema NAME for one engine (nothing needs to be up)."""
    from arena import domains

    statements = domains.render(name, engine_of(engine_name))
    console.info(";\n\n".join(statements) + ";")


@schema.command()
@click.argument("name")
@click.option(
    "--engines",
    "engine_names",
    multiple=True,
    metavar="ENGINE[,ENGINE...]",
    help="Where to apply it (default: every engine that is up).",
)
@click.option("--drop", is_flag=True, help="Drop the schema's tables first if they exist.")
@json_option
def apply(name: str, engine_names, drop: bool, as_json: bool) -> None:
    """Create schema NAME's tables on each engine, in foreign-key order."""
    from arena import domains, targets

    domains.check_name(name)
    results, failures = [], []
    # Each engine's outcome is its own: one that does not answer is reported with the rest.
    for target in targets.resolve(engine_list(engine_names), reachable=False):
        try:
            target.check_reachable()
            results.append(domains.apply(name, target.engine, target.endpoint, drop_existing=drop))
        except ArenaError as exc:
            failures.append((target.name, exc))
    if as_json:
        console.as_json(
            [
                {
                    "engine": r.engine,
                    "schema": r.schema,
                    "tables": list(r.tables),
                    "statements": r.statements,
                    "dropped": r.dropped,
                    "seconds": round(r.seconds, 3),
                }
                for r in results
            ]
            + [{"engine": n, "schema": name, "error": e.one_line()} for n, e in failures]
        )
    elif results:
        console.table(
            (
                (r.engine, r.schema, str(len(r.tables)), str(r.statements), f"{r.seconds:.2f}s")
                for r in results
            ),
            ("engine", "schema", "tables", "statements", "time"),
        )
    for engine_name, exc in failures[1:]:
        console.error(f"{engine_name}: {exc.one_line()}")
    if failures:
        engine_name, first = failures[0]
        raise ArenaError(f"{engine_name}: {first.message}", first.hint)
