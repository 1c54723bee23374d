"""The `arena` command: parses, calls the library, renders. No SQL, no Docker calls here.

Commands live in small modules (arena/cli/<area>.py) and are imported only when invoked,
so `arena ps` does not pay for importing Locust. Any ArenaError becomes one line on stderr
with a hint and exit code 2; --debug (or ARENA_DEBUG=1) shows the traceback instead.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from arena import __version__, console
from arena.errors import ArenaError

# command name -> "module:function"; loaded lazily.
COMMANDS = {
    "engines": "arena.cli.lifecycle:engines",
    "up": "arena.cli.lifecycle:up",
    "ps": "arena.cli.lifecycle:ps",
    "down": "arena.cli.lifecycle:down",
    "logs": "arena.cli.lifecycle:logs",
    "sql": "arena.cli.lifecycle:sql",
    "inspect": "arena.cli.schema:inspect",
    "schema": "arena.cli.schema:schema",
    "seed": "arena.cli.seed:seed",
    "load": "arena.cli.load:load",
    "worker": "arena.cli.load:worker",
    "report": "arena.cli.report:report",
    "bench": "arena.cli.bench:bench",
    "run": "arena.cli.run:run",
    "baseline": "arena.cli.history:baseline",
    "compare": "arena.cli.history:compare",
    "history": "arena.cli.history:history",
    "html": "arena.cli.history:html",
}


def load_command(target: str | None) -> click.Command | None:
    """The command named by "module:attr", imported on first use; None for no target or an
    area not built yet."""
    if target is None:
        return None
    module_name, attr = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:  # an area not built yet
            return None
        raise
    return getattr(module, attr, None)


class LazyGroup(click.Group):
    """A group whose commands load lazily; an unknown name gets a did-you-mean (one line)."""

    noun = "command"  # what an unknown name is called in the error

    def resolve_command(self, ctx, args):
        name = args[0] if args else None
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            from arena.errors import UnknownNameError

            raise click.UsageError(
                UnknownNameError(self.noun, name, self.list_commands(ctx)).one_line()
            )
        return super().resolve_command(ctx, args)


class ArenaGroup(LazyGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if load_command(COMMANDS[name]) is not None]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return load_command(COMMANDS.get(name))

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Click's own usage errors (a missing argument, an unknown option, a bad value) print
        the usage block over several lines; arena prints every error as one line, exit 2."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            # Without standalone mode click returns the code of ctx.exit(code), or the
            # command's return value (None: commands return nothing).
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            console.error(usage_line(exc))
            sys.exit(exc.exit_code)
        except click.Abort:
            console.error("Aborted.")
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ArenaError as exc:
            if debug_enabled(ctx):
                raise
            console.error(exc.one_line(), exc.details)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            console.error("Interrupted.")
            ctx.exit(130)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except OSError as exc:
            # A file the machine refuses (disk full, permissions, a directory where a file
            # should be) is the environment, not a bug: say which file and why.
            if exc.filename is None or debug_enabled(ctx):
                raise
            console.error(
                f"Cannot use {exc.filename}: {exc.strerror or exc}. "
                "Hint: Check the path, its permissions and the free disk space."
            )
            ctx.exit(2)
        except Exception as exc:
            # Only a bug in arena gets here: every problem the user can act on is an
            # ArenaError raised where it happens, with its own hint.
            if debug_enabled(ctx):
                raise
            console.error(
                f"Internal error: {type(exc).__name__}: {' '.join(str(exc).split())} "
                "Hint: rerun with --debug for the traceback, and report it."
            )
            ctx.exit(1)


def usage_line(exc: click.ClickException) -> str:
    """A click error as one line with a hint pointing at the command's help."""
    text = " ".join(exc.format_message().split())
    if "Hint:" in text:
        return text
    ctx = getattr(exc, "ctx", None)
    # The program is `arena` however it was started (python -m arena, a test runner).
    command = " ".join(["arena", *(ctx.command_path.split()[1:] if ctx is not None else [])])
    return f"{text} Hint: `{command} --help` shows the usage."


def debug_enabled(ctx: click.Context) -> bool:
    root = ctx.find_root()
    return bool((root.obj or {}).get("debug")) or os.environ.get("ARENA_DEBUG") == "1"


@click.group(cls=ArenaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="arena")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """arena: start database engines side by side, seed them identically, load them with the
    same shapes, and compare them on real numbers.

    State lives in ./.arena/ of the current directory (like docker compose).
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def main() -> None:
    cli(prog_name="arena")
