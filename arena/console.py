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


def info(message: str, err: bool = False) -> None:
    click.echo(message, err=err)


def warn(message: str) -> None:
    click.echo(f"Warning: {message}", err=True)


def error(message: str, details: str = "") -> None:
    click.echo(f"Error: {message}", err=True)
    if details:
        click.echo(details, err=True)


def is_tty() -> bool:
    return sys.stdout.isatty()


def progress_bars(enabled: bool = True):
    """A rich Progress with one bar per task (rows, rows/s, ETA), drawn on stderr so
    --json output stays machine-readable. Use as a context manager; add_task / advance are
    thread-safe. With enabled=False (or no terminal) nothing is drawn."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} rows/s" if speed else "- rows/s")

    stderr = Console(stderr=True)
    return Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        RateColumn(),
        TimeRemainingColumn(),
        console=stderr,
        disable=not enabled or not stderr.is_terminal,
        transient=False,
    )
