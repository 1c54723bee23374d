"""All of arena's printing: tables, JSON, messages. Nothing else writes to the terminal."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import click
from tabulate import tabulate


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str]) -> None:
    click.echo(
        tabulate(list(rows), headers=list(headers), tablefmt="simple", disable_numparse=True)
    )


def as_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))


def info(message: str) -> None:
    click.echo(message)


def warn(message: str) -> None:
    click.echo(f"Warning: {message}", err=True)


def error(message: str, details: str = "") -> None:
    click.echo(f"Error: {message}", err=True)
    if details:
        click.echo(details, err=True)


def is_tty() -> bool:
    return sys.stdout.isatty()
