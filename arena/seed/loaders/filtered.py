"""Tables with a CHECK arena cannot solve: generate, and keep only what the engine accepts.

Rows go in with executemany in batches, each inside a savepoint. A batch the engine refuses
for a CHECK is retried row by row; a refused row is redrawn (its key and foreign-key columns
kept, so its children's references stay valid; every other column drawn from another row
number) up to REDRAWS times, then discarded and counted. Any other error stops the table as
the fast paths do. When no row at all passes, the table fails with the CHECK named.
"""

from __future__ import annotations

from arena.engines.base import error_text
from arena.errors import ErrorKind
from arena.seed.loaders.base import Loader, LoadError, Progress
from arena.seed.table import TableGen

BATCH = 500
REDRAWS = 8


def load_filtered(loader: Loader, tg: TableGen, progress: Progress) -> tuple[int, int]:
    """(rows loaded, rows discarded) of `tg` through `loader`'s connection, one transaction."""
    engine, conn = loader.engine, loader.conn
    marks = ", ".join([loader.param_mark] * len(tg.columns))
    head = (
        f"INSERT INTO {loader.name(tg.table)} ({loader.cols(tg.columns)}) "
        f"{loader.insert_values_prefix(tg.table)}VALUES ("
    )
    if loader.param_mark == "%s":  # the driver %-formats: identifiers' % doubled
        head = loader.formatted(head)
    sql = f"{head}{marks})"
    cur = conn.cursor()
    loaded = discarded = 0
    last_error = ""

    def attempt(rows: list[tuple], many: bool) -> str | None:
        """None when the rows went in; the error text when a CHECK refused them."""
        cur.execute("SAVEPOINT arena_filter")
        try:
            if many:
                cur.executemany(sql, rows)
            else:
                cur.execute(sql, rows[0])
        except engine.driver_errors() as exc:
            loader.token.check()
            cur.execute("ROLLBACK TO SAVEPOINT arena_filter")
            if engine.classify_error(exc) != ErrorKind.CHECK:
                raise LoadError(tg.name, error_text(exc)) from exc
            return error_text(exc)
        cur.execute("RELEASE SAVEPOINT arena_filter")
        return None

    loader.begin()
    try:
        for start in range(0, tg.n, BATCH):
            loader.token.check()
            stop = min(tg.n, start + BATCH)
            rows = loader.python_rows(tg, start, stop)
            if attempt(rows, True) is None:
                loaded += len(rows)
                progress(len(rows))
                continue
            for i, row in enumerate(rows):
                for k in range(REDRAWS + 1):
                    values = row if k == 0 else loader.python_redrawn(tg, start + i, k)
                    error = attempt([values], False)
                    if error is None:
                        loaded += 1
                        break
                    last_error = error
                else:
                    discarded += 1
            progress(len(rows))
        if loaded == 0:
            raise LoadError(
                tg.name,
                f"the engine refused every generated row ({last_error})",
                "Configure generators for the columns its CHECK mentions in a seeds YAML "
                "(--config), and arena will trust them.",
            )
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return loaded, discarded
