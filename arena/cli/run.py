"""`arena run SUITE`: one group, one command per suite, each in the module of its family.

correctness (isolation, constraints, deadlocks, migrations) live in run_correctness.py, the
scenario suites (ecommerce, cms, social, project, finance, or a path to a user's suite YAML)
in run_scenarios.py, pgvector and RLS (vectors, rls) in run_supabase.py. Each command declares
only the options that mean something to it; an option given to the wrong suite names the
suite it belongs to. Modules load lazily, like the top-level commands.
"""

from __future__ import annotations

from pathlib import Path

import click

from arena.cli import LazyGroup
from arena.cli import load_command as _load

# suite name -> "module:command". A command serving several suites (the scenario suites)
# reads the name it was invoked by from click's context (ctx.info_name).
SUITE_COMMANDS = {
    "isolation": "arena.cli.run_correctness:isolation",
    "constraints": "arena.cli.run_correctness:constraints",
    "deadlocks": "arena.cli.run_correctness:deadlocks",
    "migrations": "arena.cli.run_correctness:migrations",
    "ecommerce": "arena.cli.run_scenarios:scenario",
    "cms": "arena.cli.run_scenarios:scenario",
    "social": "arena.cli.run_scenarios:scenario",
    "project": "arena.cli.run_scenarios:scenario",
    "finance": "arena.cli.run_scenarios:scenario",
    "vectors": "arena.cli.run_supabase:vectors",
    "rls": "arena.cli.run_supabase:rls",
}
# A suite file of the user's own: `arena run ./scenarios/shop.yaml`.
SUITE_FILE = "arena.cli.run_scenarios:scenario"

engines_option = click.option(
    "--engines", "engine_names", multiple=True, metavar="ENGINE[,ENGINE]",
    help="Engines to run on (default: every engine that is up).",
)  # fmt: skip


def is_suite_file(name: str) -> bool:
    return name.endswith((".yaml", ".yml")) or (("/" in name) and Path(name).is_file())


class SuiteGroup(LazyGroup):
    noun = "suite"

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, target in SUITE_COMMANDS.items() if _load(target) is not None]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in SUITE_COMMANDS:
            return _load(SUITE_COMMANDS[name])
        if is_suite_file(name):
            return _load(SUITE_FILE)
        return None


class SuiteCommand(click.Command):
    """A suite's command: an option that belongs to another suite says which one."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            owner = _owner_of(exc.option_name, ctx.info_name)
            if owner is None:
                raise
            raise click.UsageError(
                f"{exc.option_name} applies to `arena run {owner}` only. "
                f"Hint: Drop {exc.option_name} for `arena run {ctx.info_name}`.",
                ctx,
            ) from None


def _owner_of(option: str, suite: str | None) -> str | None:
    for name, target in SUITE_COMMANDS.items():
        command = _load(target)
        if name == suite or command is None:
            continue
        for param in command.params:
            if option in getattr(param, "opts", ()):
                return name
    return None


@click.group(cls=SuiteGroup)
def run() -> None:
    """Run a suite against each engine, side by side.

    \b
    isolation    Hermitage's anomaly tests at every isolation level -> a matrix per engine
    constraints  one violation of every constraint in the schema, refused and classified?
    deadlocks    2- and 3-way deadlocks, a lock-wait timeout, rollback to a savepoint
    migrations   online schema changes under `arena load`: DDL time, stall, errors
    ecommerce, cms, social, project, finance, or a suite YAML file
                 transactional workflows under load, with invariants checked
    vectors      pgvector: insert rate, exact and approximate k-NN, recall, index builds
    rls          Supabase's roles and row-level security: who sees what, and its cost
    """
