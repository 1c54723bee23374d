"""The fastest bulk path per engine family, one transaction per table.

- PostgreSQL: COPY ... FROM STDIN (text format), streamed chunk by chunk. COPY takes the
  given values for identity columns, GENERATED ALWAYS included ("In the COPY command,
  user-specified values are always used", https://www.postgresql.org/docs/current/sql-createtable.html).
- MySQL / MariaDB: LOAD DATA LOCAL INFILE per chunk (servers run with local_infile=1, PyMySQL
  connects with local_infile=True); a server that refuses it gets multi-row INSERTs instead.
  With LOCAL, duplicate-key and conversion errors are downgraded to warnings and the row is
  skipped (https://mariadb.com/kb/en/ignore/), so every chunk's warnings are read and any
  warning fails the table.
- SQLite: executemany in one transaction.
- SQL Server: pyodbc fast_executemany in chunks, IDENTITY_INSERT on for identity tables.
  Not run live here (no server obtainable); its T-SQL is checked by parsing with sqlglot.

Identity columns get explicit ids 1..N (offset by existing rows), and the sequence /
AUTO_INCREMENT / IDENTITY is moved past them afterwards. Explicit ids rather than reading
server-assigned ids back: every engine gets the same ids for the same seed (PostgreSQL
sequences cache, MySQL's auto_increment_increment may step by more than 1), and children
can compute their parents' keys without a round trip per table.

Generation overlaps loading: a producer thread renders chunk k+1 while the server ingests
chunk k (numpy and socket writes release the GIL).
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from typing import Any

from arena.engines.base import Engine, error_text
from arena.errors import ArenaError
from arena.models import Endpoint
from arena.schema import Column, ForeignKey, Table
from arena.seed.table import TableGen
from arena.seed.values import Values, encode_tsv

CHUNK_ROWS = 50_000
Progress = Callable[[int], None]


class LoadError(ArenaError):
    """A table failed to load; its transaction was rolled back."""

    def __init__(self, table: str, detail: str, hint: str | None = None) -> None:
        super().__init__(f"{table}: {detail}", hint or "The table was rolled back.")
        self.table = table
        self.detail = detail


def produce(
    make: Callable[[int, int], Any], total: int, chunk_rows: int = CHUNK_ROWS
) -> Iterator[tuple[int, int, Any]]:
    """(start, stop, payload) per chunk, rendered one chunk ahead in a thread."""
    q: queue.Queue = queue.Queue(maxsize=2)
    stop_flag = threading.Event()

    def work() -> None:
        try:
            for start in range(0, total, chunk_rows):
                if stop_flag.is_set():
                    return
                stop = min(total, start + chunk_rows)
                q.put((start, stop, make(start, stop)))
            q.put(None)
        except BaseException as exc:  # handed to the consumer, raised there
            q.put(exc)

    thread = threading.Thread(target=work, name="arena-seed-producer", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop_flag.set()
        while thread.is_alive():
            with contextlib.suppress(queue.Empty):
                q.get(timeout=0.05)
        thread.join()


class Loader:
    family = ""
    # Tables of one FK level loaded at once, each on its own connection.
    parallel_tables = 1

    def __init__(self, engine: Engine, endpoint: Endpoint, chunk_rows: int = CHUNK_ROWS) -> None:
        self.engine, self.endpoint, self.chunk_rows = engine, endpoint, chunk_rows
        self.conn = engine.connect(endpoint, autocommit=False)
        self.prepare()

    def prepare(self) -> None:
        """Session settings before loading."""

    def close(self) -> None:
        # Closing a broken connection must not mask the real error.
        with contextlib.suppress(Exception):
            self.conn.close()

    def name(self, table: Table) -> str:
        return self.engine.qualified(table.schema or "", table.name)

    def cols(self, columns: list[Column] | tuple[str, ...]) -> str:
        return ", ".join(self.engine.quote(c if isinstance(c, str) else c.name) for c in columns)

    # -- queries --------------------------------------------------------------------------
    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        cur = self.conn.cursor()
        cur.execute(sql, params) if params else cur.execute(sql)
        rows = cur.fetchall() if cur.description else []
        self.conn.commit()
        return [tuple(r) for r in rows]

    def offset(self, table: Table) -> int:
        """Where this run's row numbers start: after existing integer keys, or row count."""
        pk = table.primary_key
        if len(pk) == 1 and table.column(pk[0]).logical in ("smallint", "int", "bigint"):
            value = self.query(f"SELECT MAX({self.engine.quote(pk[0])}) FROM {self.name(table)}")[
                0
            ][0]
        else:
            value = self.query(f"SELECT COUNT(*) FROM {self.name(table)}")[0][0]
        return int(value or 0)

    def read_keys(
        self, table: Table, columns: tuple[str, ...], limit: int = 1_000_000
    ) -> list[Values]:
        """Existing keys of a parent not seeded in this run (ordered: deterministic)."""
        cols = self.cols(columns)
        rows = self.query(
            f"SELECT {cols} FROM {self.name(table)} ORDER BY {cols} {self.limit_sql(limit)}"
        )
        out = []
        for i, col in enumerate(columns):
            values = [r[i] for r in rows]
            logical = table.column(col).logical
            if logical in ("smallint", "int", "bigint") and all(isinstance(v, int) for v in values):
                import numpy as np

                out.append(Values("int", np.array(values, dtype=np.int64)))
            else:
                out.append(Values("str", [str(v) for v in values]))
        return out

    def limit_sql(self, n: int) -> str:
        return f"LIMIT {int(n)}"

    def truncate(self, tables: list[Table]) -> None:
        """Empty the tables (children first). Unnamed tables are never touched."""
        cur = self.conn.cursor()
        for table in reversed(tables):
            cur.execute(f"DELETE FROM {self.name(table)}")
        self.conn.commit()

    # -- loading --------------------------------------------------------------------------
    def load(self, tg: TableGen, progress: Progress) -> int:
        raise NotImplementedError

    def fill_deferred(self, tg: TableGen, fk: ForeignKey, progress: Progress) -> None:
        """Second pass of a cycle: UPDATE the FK columns to real parents, row by key."""
        table = tg.table
        sets = ", ".join(f"{self.engine.quote(c)} = {self.engine.placeholder}" for c in fk.columns)
        where = " AND ".join(
            f"{self.engine.quote(c)} = {self.engine.placeholder}" for c in table.primary_key
        )
        sql = f"UPDATE {self.name(table)} SET {sets} WHERE {where}"
        cur = self.conn.cursor()
        try:
            for _start, _stop, (pk, fkv) in produce(
                lambda a, b: tg.deferred_chunk(fk, a, b), tg.n, self.chunk_rows
            ):
                fk_cols = [v.to_python(self.family) for v in fkv]
                pk_cols = [v.to_python(self.family) for v in pk]
                cur.executemany(sql, list(zip(*fk_cols, *pk_cols, strict=True)))
                progress(0)
            self.conn.commit()
        except self.engine.driver_errors() as exc:
            self.conn.rollback()
            raise LoadError(
                table.name, f"second pass of {fk.name} failed: {error_text(exc)}"
            ) from exc

    def reset_identity(self, table: Table) -> None:
        """Move the table's sequence past the explicit ids."""

    def python_rows(self, tg: TableGen, start: int, stop: int) -> list[tuple]:
        chunk = tg.chunk(start, stop)
        columns = [chunk[c.name].to_python(self.family) for c in tg.columns]
        return list(zip(*columns, strict=True))

    def text_payload(self, tg: TableGen, start: int, stop: int) -> bytes:
        chunk = tg.chunk(start, stop)
        return encode_tsv([chunk[c.name].to_text(self.family, c.logical) for c in tg.columns])


def identity_columns(table: Table) -> list[Column]:
    return [
        c for c in table.columns if c.identity or (c.default or "").lower().startswith("nextval(")
    ]


class PostgresLoader(Loader):
    family = "postgres"
    parallel_tables = 2

    def prepare(self) -> None:
        cur = self.conn.cursor()
        cur.execute("SET TIME ZONE 'UTC'")
        # FK checks are row-by-row trigger queries, half of COPY's time on a schema with
        # FKs. As pg_restore --disable-triggers does, a superuser loads with
        # session_replication_role = replica; arena's FKs hold by construction and
        # verify.py proves every one with a query afterwards.
        # https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-SESSION-REPLICATION-ROLE
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cur.fetchone()
        self.skip_fk_triggers = bool(row and row[0])
        self.conn.commit()

    def truncate(self, tables: list[Table]) -> None:
        names = ", ".join(self.name(t) for t in tables)
        try:
            self.conn.cursor().execute(f"TRUNCATE {names} RESTART IDENTITY")
            self.conn.commit()
            return
        except self.engine.driver_errors():
            # TRUNCATE refuses a table that a table outside the list references, even an
            # empty one (the caller made sure those are empty): DELETE instead.
            self.conn.rollback()
        try:
            super().truncate(tables)
        except self.engine.driver_errors() as exc:
            self.conn.rollback()
            raise ArenaError(
                f"Cannot truncate on {self.engine.display_name}: {error_text(exc)}",
                "Name the referencing tables too (--tables), or seed without --truncate.",
            ) from exc

    def rebuildable_indexes(self, table: Table) -> list[tuple[str, str]]:
        """(drop, create) statements for every index of the table that no foreign key
        depends on: plain indexes, and PRIMARY KEY / UNIQUE constraints nothing references.

        Maintaining a unique btree row by row is most of COPY's cost (measured here: 1M
        ecommerce rows took 6.1 s with every index, 2.8 s with only the referenced keys kept,
        index builds included); building it once after the load sorts, as pg_restore does
        (https://www.postgresql.org/docs/current/populate.html). Keys that FKs reference
        stay: dropping them would drop the FKs too, and arena's sequential ids append to them
        cheaply. Partitioned parents keep theirs (their index definitions span partitions)."""
        rows = self.query(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname, "
            "pg_get_constraintdef(c.oid) "
            "FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
            "LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
            "WHERE i.indrelid = %s::regclass AND t.relkind = 'r' "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint f "
            "                WHERE f.contype = 'f' AND f.conindid = i.indexrelid) "
            "AND (c.oid IS NULL OR c.contype IN ('p', 'u'))",
            (self.name(table),),
        )
        statements = []
        for index, index_ddl, constraint, constraint_ddl in rows:
            if constraint is None:
                statements.append((f"DROP INDEX {index}", str(index_ddl)))
            else:
                alter = f"ALTER TABLE {self.name(table)}"
                name = self.engine.quote(str(constraint))
                statements.append(
                    (
                        f"{alter} DROP CONSTRAINT {name}",
                        f"{alter} ADD CONSTRAINT {name} {constraint_ddl}",
                    )
                )
        return statements

    def load(self, tg: TableGen, progress: Progress) -> int:
        """One transaction: (into an empty table, drop the indexes no FK needs), COPY,
        rebuild them. DDL is transactional, so a failure (a duplicate found by the rebuilt
        unique index included) rolls the table and its indexes back together."""
        sql = f"COPY {self.name(tg.table)} ({self.cols(tg.columns)}) FROM STDIN"
        empty = not self.query(f"SELECT 1 FROM {self.name(tg.table)} LIMIT 1")
        indexes = self.rebuildable_indexes(tg.table) if empty else []
        cur = self.conn.cursor()
        loaded = 0
        try:
            if self.skip_fk_triggers:
                cur.execute("SET LOCAL session_replication_role = replica")
            for drop, _ in indexes:
                cur.execute(drop)
            with cur.copy(sql) as copy:
                for start, stop, payload in produce(
                    lambda a, b: self.text_payload(tg, a, b), tg.n, self.chunk_rows
                ):
                    copy.write(payload)
                    loaded += stop - start
                    progress(stop - start)
            for _, ddl in indexes:
                cur.execute(ddl)
            self.conn.commit()
        except self.engine.driver_errors() as exc:
            self.conn.rollback()
            raise LoadError(tg.name, describe_pg_error(exc)) from exc
        return loaded

    def reset_identity(self, table: Table) -> None:
        for col in identity_columns(table):
            q = self.engine.quote(col.name)
            self.query(
                f"SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE(MAX({q}), 1), "
                f"MAX({q}) IS NOT NULL) FROM {self.name(table)}",
                (self.name(table), col.name),
            )

    def fill_deferred(self, tg: TableGen, fk: ForeignKey, progress: Progress) -> None:
        """Stage (key, fk) rows with COPY, then one UPDATE ... FROM: far faster than
        row-by-row UPDATEs."""
        table = tg.table
        keys = tuple(table.primary_key)
        stage = self.engine.quote(f"arena_stage_{table.name}"[:60])
        pick = ", ".join(self.engine.quote(c) for c in (*keys, *fk.columns))
        cur = self.conn.cursor()

        def payload(a: int, b: int) -> bytes:
            pk, fkv = tg.deferred_chunk(fk, a, b)
            cols = [*keys, *fk.columns]
            return encode_tsv(
                [
                    v.to_text(self.family, table.column(c).logical)
                    for v, c in zip([*pk, *fkv], cols, strict=True)
                ]
            )

        try:
            cur.execute(
                f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT {pick} FROM {self.name(table)} WITH NO DATA"
            )
            with cur.copy(f"COPY {stage} FROM STDIN") as copy:
                for _, _, data in produce(payload, tg.n, self.chunk_rows):
                    copy.write(data)
            sets = ", ".join(
                f"{self.engine.quote(c)} = s.{self.engine.quote(c)}" for c in fk.columns
            )
            join = " AND ".join(
                f"t.{self.engine.quote(c)} = s.{self.engine.quote(c)}" for c in keys
            )
            cur.execute(f"UPDATE {self.name(table)} AS t SET {sets} FROM {stage} AS s WHERE {join}")
            self.conn.commit()
        except self.engine.driver_errors() as exc:
            self.conn.rollback()
            raise LoadError(
                table.name, f"second pass of {fk.name} failed: {describe_pg_error(exc)}"
            ) from exc


def describe_pg_error(exc: BaseException) -> str:
    """The server's message plus which constraint and which input line (= row) failed."""
    diag = getattr(exc, "diag", None)
    text = error_text(exc).split(" CONTEXT:")[0]
    if diag is None:
        return text
    parts = [diag.message_primary or text]
    if diag.message_detail:
        parts.append(diag.message_detail)
    if diag.constraint_name:
        parts.append(f"constraint {diag.constraint_name}")
    if diag.context:
        line = diag.context.strip().splitlines()[-1]
        if "line" in line:
            parts.append(f"at {line.split(', ', 1)[-1].split(':')[0]}")
    return "; ".join(parts)


LOCAL_INFILE_REFUSED = {1148, 2068, 3948, 4166}


class MySQLLoader(Loader):
    family = "mysql"
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

    def close(self) -> None:
        shutil.rmtree(self.tmpdir, ignore_errors=True)
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
            self.conn.rollback()
            raise LoadError(tg.name, error_text(exc)) from exc

    def _load_infile(self, tg: TableGen, progress: Progress) -> int:
        path = os.path.join(self.tmpdir, "chunk.tsv")
        sql = (
            f"LOAD DATA LOCAL INFILE %s INTO TABLE {self.name(tg.table)} CHARACTER SET utf8mb4 "
            "FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' "
            f"({self.load_targets(tg.columns)}){self.load_sets(tg.columns)}"
        )
        cur = self.conn.cursor()
        loaded = 0
        for start, stop, payload in produce(
            lambda a, b: self.text_payload(tg, a, b), tg.n, self.chunk_rows
        ):
            with open(path, "wb") as fh:
                fh.write(payload)
            cur.execute(sql, (path,))
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

    def load_targets(self, columns: list[Column]) -> str:
        return ", ".join(
            f"@v{i}" if c.logical == "blob" else self.engine.quote(c.name)
            for i, c in enumerate(columns)
        )

    def load_sets(self, columns: list[Column]) -> str:
        sets = [
            f"{self.engine.quote(c.name)} = UNHEX(@v{i})"
            for i, c in enumerate(columns)
            if c.logical == "blob"
        ]
        return f" SET {', '.join(sets)}" if sets else ""

    def _load_inserts(self, tg: TableGen, progress: Progress) -> int:
        """Fallback: PyMySQL turns executemany of INSERT ... VALUES into multi-row INSERTs."""
        marks = ", ".join(["%s"] * len(tg.columns))
        sql = f"INSERT INTO {self.name(tg.table)} ({self.cols(tg.columns)}) VALUES ({marks})"
        cur = self.conn.cursor()
        loaded = 0
        for start, stop, rows in produce(
            lambda a, b: self.python_rows(tg, a, b), tg.n, self.chunk_rows
        ):
            cur.executemany(sql, rows)
            loaded += stop - start
            progress(stop - start)
        self.conn.commit()
        return loaded

    def reset_identity(self, table: Table) -> None:
        for col in identity_columns(table):
            top = self.query(f"SELECT MAX({self.engine.quote(col.name)}) FROM {self.name(table)}")[
                0
            ][0]
            self.query(f"ALTER TABLE {self.name(table)} AUTO_INCREMENT = {int(top or 0) + 1}")

    def fill_deferred(self, tg: TableGen, fk: ForeignKey, progress: Progress) -> None:
        table = tg.table
        keys = tuple(table.primary_key)
        stage = self.engine.quote(f"arena_stage_{table.name}"[:60])
        pick = ", ".join(self.engine.quote(c) for c in (*keys, *fk.columns))
        path = os.path.join(self.tmpdir, "stage.tsv")
        cur = self.conn.cursor()
        try:
            cur.execute(
                f"CREATE TEMPORARY TABLE {stage} AS SELECT {pick} FROM {self.name(table)} LIMIT 0"
            )
            for _start, _stop, (pk, fkv) in produce(
                lambda a, b: tg.deferred_chunk(fk, a, b), tg.n, self.chunk_rows
            ):
                cols = [*keys, *fk.columns]
                payload = encode_tsv(
                    [
                        v.to_text(self.family, table.column(c).logical)
                        for v, c in zip([*pk, *fkv], cols, strict=True)
                    ]
                )
                with open(path, "wb") as fh:
                    fh.write(payload)
                cur.execute(
                    f"LOAD DATA LOCAL INFILE %s INTO TABLE {stage} FIELDS TERMINATED BY '\\t' "
                    f"ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' ({pick})",
                    (path,),
                )
            sets = ", ".join(
                f"t.{self.engine.quote(c)} = s.{self.engine.quote(c)}" for c in fk.columns
            )
            join = " AND ".join(
                f"t.{self.engine.quote(c)} = s.{self.engine.quote(c)}" for c in keys
            )
            cur.execute(f"UPDATE {self.name(table)} AS t JOIN {stage} AS s ON {join} SET {sets}")
            cur.execute(f"DROP TEMPORARY TABLE {stage}")
            self.conn.commit()
        except self.engine.driver_errors() as exc:
            self.conn.rollback()
            raise LoadError(
                table.name, f"second pass of {fk.name} failed: {error_text(exc)}"
            ) from exc


class SQLiteLoader(Loader):
    family = "sqlite"

    def prepare(self) -> None:
        self.conn.isolation_level = None  # explicit BEGIN/COMMIT below

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        return [tuple(r) for r in self.conn.execute(sql, params).fetchall()]

    def truncate(self, tables: list[Table]) -> None:
        self.conn.execute("BEGIN")
        for table in reversed(tables):
            self.conn.execute(f"DELETE FROM {self.name(table)}")
        self.conn.execute("COMMIT")

    def load(self, tg: TableGen, progress: Progress) -> int:
        marks = ", ".join(["?"] * len(tg.columns))
        sql = f"INSERT INTO {self.name(tg.table)} ({self.cols(tg.columns)}) VALUES ({marks})"
        loaded = 0
        self.conn.execute("BEGIN")
        try:
            for start, stop, rows in produce(
                lambda a, b: self.python_rows(tg, a, b), tg.n, self.chunk_rows
            ):
                try:
                    self.conn.executemany(sql, rows)
                except self.engine.driver_errors() as exc:
                    row = self._failing_row(sql, rows)
                    where = f" at row {start + row + 1}" if row is not None else ""
                    raise LoadError(tg.name, f"{error_text(exc)}{where}") from exc
                loaded += stop - start
                progress(stop - start)
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return loaded

    def _failing_row(self, sql: str, rows: list[tuple]) -> int | None:
        """executemany stops at the failing row but does not say which: find it inside a
        savepoint that is rolled back."""
        self.conn.execute("SAVEPOINT arena_probe")
        try:
            for i, row in enumerate(rows):
                try:
                    self.conn.execute(sql, row)
                except self.engine.driver_errors():
                    return i
            return None
        finally:
            self.conn.execute("ROLLBACK TO arena_probe")
            self.conn.execute("RELEASE arena_probe")

    def fill_deferred(self, tg: TableGen, fk: ForeignKey, progress: Progress) -> None:
        self.conn.execute("BEGIN")
        try:
            table = tg.table
            sets = ", ".join(f"{self.engine.quote(c)} = ?" for c in fk.columns)
            where = " AND ".join(f"{self.engine.quote(c)} = ?" for c in table.primary_key)
            sql = f"UPDATE {self.name(table)} SET {sets} WHERE {where}"
            for _, _, (pk, fkv) in produce(
                lambda a, b: tg.deferred_chunk(fk, a, b), tg.n, self.chunk_rows
            ):
                cols = [v.to_python(self.family) for v in (*fkv, *pk)]
                self.conn.executemany(sql, list(zip(*cols, strict=True)))
            self.conn.execute("COMMIT")
        except self.engine.driver_errors() as exc:
            self.conn.execute("ROLLBACK")
            raise LoadError(tg.name, f"second pass of {fk.name} failed: {error_text(exc)}") from exc


class SqlServerLoader(Loader):
    family = "sqlserver"

    def limit_sql(self, n: int) -> str:
        return f"OFFSET 0 ROWS FETCH NEXT {int(n)} ROWS ONLY"

    def load(self, tg: TableGen, progress: Progress) -> int:
        before, insert, after = sqlserver_statements(self.engine, tg.table, tg.columns)
        cur = self.conn.cursor()
        cur.fast_executemany = True  # parameter arrays: one round trip per chunk
        loaded = 0
        try:
            for sql in before:
                cur.execute(sql)
            for start, stop, rows in produce(
                lambda a, b: self.python_rows(tg, a, b), tg.n, self.chunk_rows
            ):
                cur.executemany(insert, rows)
                loaded += stop - start
                progress(stop - start)
            for sql in after:
                cur.execute(sql)
            self.conn.commit()
        except self.engine.driver_errors() as exc:
            self.conn.rollback()
            raise LoadError(tg.name, error_text(exc)) from exc
        return loaded

    def truncate(self, tables: list[Table]) -> None:
        cur = self.conn.cursor()
        for table in reversed(tables):
            cur.execute(f"DELETE FROM {self.name(table)}")
            if identity_columns(table):
                cur.execute(f"DBCC CHECKIDENT ('{self.name(table)}', RESEED, 0)")
        self.conn.commit()


def sqlserver_statements(
    engine: Engine, table: Table, columns: list[Column]
) -> tuple[list[str], str, list[str]]:
    """(before, insert, after) T-SQL for one table's load. IDENTITY_INSERT lets explicit ids
    in (https://learn.microsoft.com/sql/t-sql/statements/set-identity-insert-transact-sql);
    CHECKIDENT moves the identity past them."""
    name = engine.qualified(table.schema or "", table.name)
    cols = ", ".join(engine.quote(c.name) for c in columns)
    insert = f"INSERT INTO {name} ({cols}) VALUES ({', '.join(['?'] * len(columns))})"
    if not any(c.identity for c in columns):
        return [], insert, []
    literal = name.replace("'", "''")
    return (
        [f"SET IDENTITY_INSERT {name} ON"],
        insert,
        [f"SET IDENTITY_INSERT {name} OFF", f"DBCC CHECKIDENT ('{literal}', RESEED)"],
    )


LOADERS: dict[str, type[Loader]] = {
    "postgres": PostgresLoader,
    "mysql": MySQLLoader,
    "sqlite": SQLiteLoader,
    "sqlserver": SqlServerLoader,
}


def loader_for(engine: Engine, endpoint: Endpoint) -> Loader:
    return LOADERS[engine.family](engine, endpoint)
