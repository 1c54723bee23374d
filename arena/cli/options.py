"""Reusable click options and value parsers, so every command spells them the same way."""

from __future__ import annotations

import click

from arena.errors import ArenaError

json_option = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


def engine_list(values: tuple[str, ...] | list[str] | str | None) -> list[str]:
    """Accept `postgres mysql`, `postgres,mysql` or a mix."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    return [v.strip().lower() for item in values for v in item.split(",") if v.strip()]


def per_engine(values: tuple[str, ...], what: str, engines: list[str]) -> dict[str, str]:
    """Parse repeated INSTANCE=VALUE options (postgres=5433, postgres@tuned=5434); a bare
    VALUE applies when one instance is named."""
    result: dict[str, str] = {}
    for item in values:
        if "=" in item:
            name, value = item.split("=", 1)
            from arena.instances import canonical

            result[canonical(name)] = value.strip()
        elif len(engines) == 1:
            result[engines[0]] = item.strip()
        else:
            raise ArenaError(
                f"--{what} '{item}' does not say which engine it is for.",
                f"Write --{what} ENGINE={item}.",
            )
    return result


def parse_port(text: str, engine: str) -> int:
    """--port ENGINE=PORT's value: a number from 1 to 65535."""
    try:
        port = int(text)
    except ValueError:
        port = None
    if port is None or not 1 <= port <= 65535:
        raise ArenaError(
            f"Invalid port '{text}' for {engine}: a port is a number from 1 to 65535.",
            f"Use e.g. --port {engine}=5433, or leave --port out for a free one.",
        )
    return port
