"""engines, up, ps, down, logs, sql."""

from __future__ import annotations

import click

from arena import console, lifecycle
from arena.cli.options import engine_list, json_option, parse_port, per_engine
from arena.engines import all_engines
from arena.errors import ArenaError
from arena.models import StartOptions
from arena.runtime import RUNTIME_CHOICES, get_runtime, runtimes_usable, versions_usable
from arena.state import ProjectState


@click.command()
@json_option
def engines(as_json: bool) -> None:
    """List the engines and which runtimes can run each on this machine."""
    state = ProjectState()
    rows = []
    for engine in all_engines():
        usable = runtimes_usable(engine, state)
        rows.append(
            {
                "engine": engine.name,
                "name": engine.display_name,
                "runtimes": usable,
                # runtime -> version -> where from: `arena up postgres@16` starts that one
                "versions": versions_usable(engine, state),
                "image": engine.default_image,
                "driver": engine.driver,
            }
        )
    if as_json:
        console.as_json(rows)
        return
    console.table(
        (
            (
                r["engine"],
                r["name"],
                ", ".join(k for k, v in r["runtimes"].items() if v == "yes") or "none here",
                "; ".join(f"{k}: {', '.join(sorted(v))}" for k, v in r["versions"].items()) or "-",
                "; ".join(f"{k} {v}" for k, v in r["runtimes"].items() if v != "yes"),
            )
            for r in rows
        ),
        ("engine", "name", "runs here with", "versions here", "not available"),
    )


def _endpoint_rows(healths_or_results):
    """One row per endpoint. An engine that exposes several (Supabase in docker: the database
    and PostgREST) gets a row for each, named as in extra["endpoints"]."""
    for ep, status in healths_or_results:
        named = ep.extra.get("endpoints") or {}
        if not named:
            yield (
                ep.instance, ep.runtime, ep.version, ep.address, ep.database, ep.user or "-",
                _settings_cell(ep), status,
            )  # fmt: skip
            continue
        for name, address in named.items():
            is_db = address == ep.address
            yield (
                name, ep.runtime, ep.version if is_db else "PostgREST", address,
                ep.database if is_db else "-", ep.user if is_db else "-",
                _settings_cell(ep) if is_db else "-", status,
            )  # fmt: skip


def _settings_cell(ep) -> str:
    """The asked settings as the server reports them (the full read-back is in --json)."""
    if not ep.requested_settings:
        return "-"
    return " ".join(
        f"{k}={ep.settings.get(k.lower().replace('-', '_'), '?')}" for k in ep.requested_settings
    )


ENDPOINT_HEADERS = (
    "instance", "runtime", "version", "address", "database", "user", "settings", "status",
)  # fmt: skip


@click.command()
@click.argument("engine_names", nargs=-1, metavar="INSTANCE...")
@click.option(
    "--runtime", default="auto", show_default=True, metavar="|".join(RUNTIME_CHOICES),
    help="auto: docker when a daemon answers, else native binaries; SQLite is always embedded.",
)  # fmt: skip
@click.option(
    "--port",
    "ports",
    multiple=True,
    metavar="INSTANCE=PORT",
    help="Fixed port (default: a free one).",
)
@click.option(
    "--image", "images", multiple=True, metavar="INSTANCE=IMAGE", help="Override a docker image."
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="INSTANCE:KEY=VALUE",
    help="A server setting (postgresql.conf / mysqld option / SQLite PRAGMA), repeatable.",
)
@click.option(
    "-f",
    "--file",
    "files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A YAML file of named variants (engine, version, settings, limits).",
)
@click.option(
    "--cpus", type=float, help="CPU limit per instance (docker; native: cgroup/affinity)."
)
@click.option("--memory", help="Memory limit per instance, e.g. 2g (docker; native: cgroup).")
@click.option("--network", type=click.Choice(["host", "bridge"]), help="Docker network mode.")
@json_option
def up(engine_names, runtime, ports, images, sets, files, cpus, memory, network, as_json) -> None:
    """Start instances (`arena up postgres mysql sqlite`, `arena up postgres postgres@tuned
    --set postgres@tuned:synchronous_commit=off`, `arena up postgres@15 postgres@16`) and wait
    until they accept connections."""
    from arena import instances

    if not engine_names and not files:
        raise ArenaError("Missing argument 'INSTANCE...'.", "e.g. `arena up postgres sqlite`.")
    if cpus is not None and cpus <= 0:
        raise ArenaError(f"Invalid --cpus {cpus}.", "Use a positive number, e.g. 2.")
    if memory:
        from arena.units import parse_size

        parse_size(memory)
    specs = instances.merge(engine_list(engine_names), files, sets)
    names = [spec.name for spec in specs]
    port_map = per_engine(ports, "port", names)
    image_map = per_engine(images, "image", names)
    for what, given in (("port", port_map), ("image", image_map)):
        stray = sorted(set(given) - set(names))
        if stray:
            raise ArenaError(
                f"--{what} {stray[0]}=... is for an instance this command does not start.",
                f"Start it too, or drop the --{what}.",
            )
    options = {}
    for spec in specs:
        port = parse_port(port_map[spec.name], spec.name) if spec.name in port_map else None
        options[spec.name] = StartOptions(
            port=port, image=image_map.get(spec.name), cpus=spec.cpus or cpus,
            memory=spec.memory or memory, network=network, name=spec.name,
            version=spec.version, settings=spec.settings,
        )  # fmt: skip
    results = lifecycle.up(names, runtime, options)
    if as_json:
        console.as_json(
            [
                {"instance": r.engine, "engine": instances.engine_of(r.engine).name,
                 "outcome": r.outcome, **(_public(r.endpoint) if r.endpoint else {}),
                 **({"error": r.error.one_line()} if r.error else {}),
                 **({"note": r.note} if r.note else {})}
                for r in results
            ]
        )  # fmt: skip
    else:
        ok = [(r.endpoint, r.outcome) for r in results if r.endpoint]
        if ok:
            console.table(_endpoint_rows(ok), ENDPOINT_HEADERS)
    for r in results:
        if r.note:
            console.warn(r.note)
        for warning in (r.endpoint.limits.get("warnings") if r.endpoint else None) or []:
            console.warn(f"{r.engine}: {warning}")
    failed = [r for r in results if r.error]
    for r in failed[1:]:
        console.error(f"{r.engine}: {r.error.one_line()}", r.error.details)
    if failed:
        first = failed[0].error
        message = (
            first.message
            if first.message.startswith(failed[0].engine)
            else (f"{failed[0].engine}: {first.message}")
        )
        raise ArenaError(message, first.hint, first.details)


def _public(endpoint) -> dict:
    data = endpoint.to_dict()
    data.pop("password", None)
    return data


@click.command()
@json_option
def ps(as_json: bool) -> None:
    """Show the engines this project has up, with live health."""
    healths = lifecycle.ps()
    if as_json:
        console.as_json(
            [{**_public(h.endpoint), "status": h.status, "detail": h.detail} for h in healths]
        )
        return
    if not healths:
        console.info("Nothing is up. Start engines with `arena up postgres mysql sqlite`.")
        return
    console.table(
        _endpoint_rows(
            (h.endpoint, h.status + (f" ({h.detail})" if h.detail else "")) for h in healths
        ),
        ENDPOINT_HEADERS,
    )


@click.command()
@click.argument("engine_names", nargs=-1, metavar="[INSTANCE...]")
@click.option("--purge", is_flag=True, help="Also delete data directories / volumes.")
def down(engine_names, purge: bool) -> None:
    """Stop and remove instances (all of them when none are named)."""
    outcomes = lifecycle.down(engine_list(engine_names) or None, purge=purge)
    if not outcomes:
        console.info("Nothing is up.")
        return
    for name, outcome in outcomes:
        console.info(f"{name}: {outcome}")
    refused = [(name, outcome) for name, outcome in outcomes if outcome.startswith("refused:")]
    if refused:
        raise ArenaError(
            f"{len(refused)} engine(s) not purged: {', '.join(n for n, _ in refused)}.",
            "See the lines above; nothing was deleted for them.",
        )


@click.command()
@click.argument("engine_name", metavar="INSTANCE")
@click.option("--tail", default=50, show_default=True, help="How many lines (0: none).")
def logs(engine_name: str, tail: int) -> None:
    """Show an engine's server log (container log for docker)."""
    if tail < 0:
        raise ArenaError(f"Invalid --tail {tail}.", "Give a number of lines, 0 or more.")
    state = ProjectState()
    _, endpoint = lifecycle.require_endpoint(engine_name, state)
    if tail == 0:
        return
    console.info(get_runtime(endpoint.runtime, state).logs(endpoint, tail))


@click.command()
@click.argument("engine_name", metavar="INSTANCE")
@click.argument("statement")
@json_option
def sql(engine_name: str, statement: str, as_json: bool) -> None:
    """Run one SQL statement on an engine that is up and print the result."""
    from arena import targets
    from arena.instances import canonical

    (target,) = targets.resolve([canonical(engine_name)])
    columns, rows = target.engine.execute(target.endpoint, statement)
    if as_json:
        console.as_json([dict(zip(columns, row, strict=True)) for row in rows])
    elif columns:
        console.table(rows, columns)
        console.info(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    else:
        console.info("OK")
