"""MySQL / MariaDB: LOAD DATA LOCAL INFILE per chunk (servers run with local_infile=1,
PyMySQL connects with local_infile=True); a server that refuses it gets multi-row INSERTs.

With LOCAL, duplicate-key and conversion errors are downgraded to warnings and the row is
skipped (https://mariadb.com/kb/en/ignore/), so every chunk's warnings are read and any
warning fails the table.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import struct
import tempfile
from collections.abc import Callable
from typing import Any

from arena.engines.base import error_text
from arena.schema import Column, ForeignKey, Table
from arena.seed.loaders.base import Cycle, Loader, LoadError, Progress, identity_columns
from arena.seed.table import TableGen
from arena.seed.values import encode_tsv

# Error codes of a server or client that refuses LOAD DATA LOCAL.
LOCAL_INFILE_REFUSED = {1148, 2068, 3948, 4166}
TSV_FORMAT = "FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n'"


class MySQLLoader(Loader):
    parallel_tables = 2

    def prepare(self) -> None:
        cur = self.conn.cursor()
        # UTC so TIMESTAMP columns store what arena generated; strict so nothing is coerced.
        cur.execute("SET time_zone = '+00:00'")
        cur.execute("SET SESSION sql_mode = CONCAT(@@sql_mode, ',STRICT_ALL_TABLES')")
        # FK checks off for the load, as mysqldump's output does: arena's FKs hold by
        # construction and verify.py proves every one with a query afterwards.
        cur.execute("SET SESSION foreign_key_checks = 0")
        self.conn.commit()
        self.use_local_infile = True
        self.tmpdir = tempfile.mkdtemp(prefix="arena-seed-")
        # Opened now so that Ctrl-C costs one round trip, not a login (see interrupt()).
        self.control = self.engine.connect(self.endpoint, connect_timeout=3)

    def close(self) -> None:
        shutil.rmtree(self.tmpdir, ignore_errors=True)
        with contextlib.suppress(Exception):
            self.control.close()
        super().close()

    def truncate(self, tables: list[Table]) -> None:
        # TRUNCATE is refused on FK-referenced tables, even empty ones; with checks off it
        # is allowed. Unnamed tables referencing these were ruled out by the caller.
        cur = self.conn.cursor()
        cur.execute("SET FOREIGN_KEY_CHECKS = 0")
        try:
            for table in tables:
                cur.execute(f"TRUNCATE TABLE {self.name(table)}")
        finally:
            cur.execute("SET FOREIGN_KEY_CHECKS = 1")
        self.conn.commit()

    def load(self, tg: TableGen, progress: Progress) -> int:
        try:
            if self.use_local_infile:
                try:
                    return self._load_infile(tg, progress)
                except self.engine.driver_errors() as exc:
                    if getattr(exc, "args", (None,))[0] not in LOCAL_INFILE_REFUSED:
                        raise
                    self.conn.rollback()
                    self.use_local_infile = False
            return self._load_inserts(tg, progress)
        except self.engine.driver_errors() as exc:
            self.abandon()
            raise LoadError(tg.name, error_text(exc)) from exc
        except BaseException:
            self.abandon()
            raise

    def abandon(self) -> None:
        """Roll the table in flight back. Interrupted, hang up instead: InnoDB undoes rows
        one by one (a second per ~200k rows here) and the client would wait for it; on
        disconnect the server rolls back by itself, and the rows were never visible."""
        if self.token.cancelled:
            self.close()
        else:
            self.conn.rollback()

    def _load_infile(self, tg: TableGen, progress: Progress) -> int:
        path = os.path.join(self.tmpdir, "chunk.tsv")
        # No driver parameters: the path goes in as a literal, so a % in a name stays a %.
        sql = (
            f"LOAD DATA LOCAL INFILE {self.engine.literal(path)} INTO TABLE "
            f"{self.name(tg.table)} CHARACTER SET utf8mb4 {TSV_FORMAT} "
            f"({self.load_targets(tg.columns)}){self.load_sets(tg.columns)}"
        )
        cur = self.conn.cursor()
        loaded = 0
        for start, stop, payload in self.chunks(lambda a, b: self.text_payload(tg, a, b), tg.n):
            with open(path, "wb") as fh:
                fh.write(payload)
            cur.execute(sql)
            warnings = self._warnings()
            if warnings or cur.rowcount != stop - start:
                self._fail_on_warnings(tg, start, stop, cur.rowcount, warnings)
            loaded += stop - start
            progress(stop - start)
        os.unlink(path)
        self.conn.commit()
        return loaded

    def _warnings(self) -> list[tuple]:
        cur = self.conn.cursor()
        cur.execute("SHOW WARNINGS LIMIT 3")
        return [tuple(r) for r in cur.fetchall() if r[0] in ("Warning", "Error")]

    def _fail_on_warnings(
        self, tg: TableGen, start: int, stop: int, rowcount: int, warnings=None
    ) -> None:
        warnings = warnings if warnings is not None else self._warnings()
        self.conn.rollback()
        first = f"{warnings[0][2]} ({warnings[0][1]})" if warnings else "rows were skipped"
        raise LoadError(
            tg.name,
            f"{first}; in rows {start + 1}-{stop} of this run ({rowcount} of {stop - start} "
            "accepted)",
        )

    def create_stage(self, table: Table, row_column: str) -> str | None:
        # CREATE ... AS SELECT copies column types and NOT NULL, no CHECKs or keys. A
        # temporary table commits nothing implicitly.
        cur = self.conn.cursor()
        cur.execute("DROP TEMPORARY TABLE IF EXISTS arena_stage")
        cur.execute(
            f"CREATE TEMPORARY TABLE arena_stage AS SELECT t.*, CAST(0 AS SIGNED) AS "
            f"{self.engine.quote(row_column)} FROM {self.name(table)} AS t LIMIT 0"
        )
        return "arena_stage"

    def drop_stage(self, stage: str | None) -> None:
        if stage is not None:
            self.conn.cursor().execute(f"DROP TEMPORARY TABLE IF EXISTS {stage}")

    def allow_forward_references(self, cycle: Cycle = ()) -> str | None:
        return None  # foreign_key_checks = 0 for every load already (prepare)

    def load_targets(self, columns: list[Column]) -> str:
        return ", ".join(
            f"@v{i}" if _converted(c) else self.engine.quote(c.name) for i, c in enumerate(columns)
        )

    def load_sets(self, columns: list[Column]) -> str:
        sets = [
            f"{self.engine.quote(c.name)} = {_converted(c).format(f'@v{i}')}"
            for i, c in enumerate(columns)
            if _converted(c)
        ]
        return f" SET {', '.join(sets)}" if sets else ""

    def _load_inserts(self, tg: TableGen, progress: Progress) -> int:
        """Fallback: PyMySQL turns executemany of INSERT ... VALUES into multi-row INSERTs."""
        marks = ", ".join(["%s"] * len(tg.columns))
        into = self.formatted(f"INSERT INTO {self.name(tg.table)} ({self.cols(tg.columns)})")
        sql = f"{into} VALUES ({marks})"
        cur = self.conn.cursor()
        loaded = 0
        for start, stop, rows in self.chunks(lambda a, b: self.python_rows(tg, a, b), tg.n):
            cur.executemany(sql, rows)
            loaded += stop - start
            progress(stop - start)
        self.conn.commit()
        return loaded

    def python_rows(self, tg: TableGen, start: int, stop: int) -> list[tuple]:
        """Rows for the INSERT fallback: values LOAD DATA would convert with SQL (see
        _converted) are converted here instead, so PyMySQL still batches the INSERTs
        (its multi-row rewrite needs bare placeholders): BIT text as an integer, POINT text
        as MySQL's internal geometry bytes."""
        chunk = tg.chunk(start, stop)
        columns = []
        for c in tg.columns:
            values = chunk[c.name].to_python(self.engine)
            convert = _python_converter(c)
            columns.append(
                [convert(v) if v is not None else None for v in values] if convert else values
            )
        return list(zip(*columns, strict=True))

    def reset_identity(self, table: Table) -> None:
        for col in identity_columns(table):
            sql = f"SELECT MAX({self.engine.quote(col.name)}) FROM {self.name(table)}"
            top = self.query(sql)[0][0]
            self.query(f"ALTER TABLE {self.name(table)} AUTO_INCREMENT = {int(top or 0) + 1}")

    def fill_deferred(self, tg: TableGen, fk: ForeignKey, progress: Progress) -> None:
        table = tg.table
        keys = tuple(table.primary_key)
        q = self.engine.quote
        stage = q(f"arena_stage_{table.name}"[:60])
        pick = ", ".join(q(c) for c in (*keys, *fk.columns))
        path = os.path.join(self.tmpdir, "stage.tsv")
        cur = self.conn.cursor()
        try:
            cur.execute(
                f"CREATE TEMPORARY TABLE {stage} AS "
                + self.engine.limit(f"SELECT {pick} FROM {self.name(table)}", 0)
            )
            for _start, _stop, (pk, fkv) in self.chunks(
                lambda a, b: tg.deferred_chunk(fk, a, b), tg.n
            ):
                cols = [*keys, *fk.columns]
                payload = encode_tsv(
                    [
                        v.to_text(self.engine, table.column(c).logical)
                        for v, c in zip([*pk, *fkv], cols, strict=True)
                    ]
                )
                with open(path, "wb") as fh:
                    fh.write(payload)
                cur.execute(
                    f"LOAD DATA LOCAL INFILE {self.engine.literal(path)} INTO TABLE {stage} "
                    f"{TSV_FORMAT} ({pick})"
                )
            sets = ", ".join(f"t.{q(c)} = s.{q(c)}" for c in fk.columns)
            join = " AND ".join(f"t.{q(c)} = s.{q(c)}" for c in keys)
            cur.execute(f"UPDATE {self.name(table)} AS t JOIN {stage} AS s ON {join} SET {sets}")
            cur.execute(f"DROP TEMPORARY TABLE {stage}")
            self.conn.commit()
        except self.engine.driver_errors() as exc:
            self.conn.rollback()
            raise LoadError(
                table.name, f"second pass of {fk.name} failed: {error_text(exc)}"
            ) from exc
        except BaseException:
            self.conn.rollback()
            raise


# LOAD DATA stores text as is; these types need their text converted on the way in.
_SPATIAL = ("point", "geometry", "linestring", "polygon")


def _converted(column: Column) -> str:
    """The expression (with {} for the loaded text) a column's value goes through, or ''."""
    if column.logical == "blob":
        return "UNHEX({})"
    if column.data_type == "bit" and column.logical != "bool":
        return "CAST(CONV({}, 2, 10) AS UNSIGNED)"  # '0101' -> b'0101'
    if column.data_type in _SPATIAL:
        return "ST_GeomFromText({})"
    return ""


_POINT = re.compile(r"^\s*POINT\s*\(\s*(\S+)\s+(\S+)\s*\)\s*$", re.IGNORECASE)


def _python_converter(column: Column) -> Callable[[Any], Any] | None:
    """What a value becomes for a parameterised INSERT (the INSERT fallback), or None."""
    if column.data_type == "bit" and column.logical != "bool":
        return lambda text: int(text, 2)
    if column.data_type in _SPATIAL:
        return point_bytes
    return None


def point_bytes(text: str) -> Any:
    """'POINT(x y)' -> MySQL's internal geometry value: SRID 0 (4 bytes LE) + WKB point
    (https://dev.mysql.com/doc/refman/8.4/en/gis-data-formats.html#gis-internal-format).
    Other text is left as it is (the server will say what it thinks of it)."""
    match = _POINT.match(text)
    if match is None:
        return text
    return struct.pack("<IBIdd", 0, 1, 1, float(match.group(1)), float(match.group(2)))
