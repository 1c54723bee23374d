"""PostgreSQL (and Supabase): COPY ... FROM STDIN (text format), streamed chunk by chunk.

COPY takes the given values for identity columns, GENERATED ALWAYS included ("In the COPY
command, user-specified values are always used",
https://www.postgresql.org/docs/current/sql-createtable.html).
"""

from __future__ import annotations

from arena.engines.base import error_text
from arena.errors import ArenaError
from arena.schema import ForeignKey, Table
from arena.seed.loaders.base import Cycle, Loader, LoadError, Progress, identity_columns
from arena.seed.table import TableGen
from arena.seed.values import encode_tsv


class PostgresLoader(Loader):
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

    def insert_values_prefix(self, table: Table) -> str:
        # explicit ids into GENERATED ALWAYS identities (a no-op for other tables)
        return "OVERRIDING SYSTEM VALUE "

    def create_stage(self, table: Table, row_column: str) -> str | None:
        # LIKE copies types and NOT NULL, no CHECKs, keys or FKs; gone at commit.
        cur = self.conn.cursor()
        cur.execute(f"CREATE TEMP TABLE arena_stage (LIKE {self.name(table)}) ON COMMIT DROP")
        cur.execute(f"ALTER TABLE arena_stage ADD COLUMN {self.engine.quote(row_column)} bigint")
        return "arena_stage"

    def allow_forward_references(self, cycle: Cycle = ()) -> str | None:
        # Each COPY runs with session_replication_role = replica (see prepare): the FK
        # triggers do not fire, and verify.py counts orphans afterwards.
        if self.skip_fk_triggers:
            return None
        # Without superuser: DEFERRABLE FKs are checked at commit, so the whole run loads
        # in one transaction with SET CONSTRAINTS ALL DEFERRED (load) and commits at the end.
        # https://www.postgresql.org/docs/current/sql-set-constraints.html
        if cycle and all(fk.deferrable for _, fk in cycle):
            self.held = True
            return None
        return (
            f"arena's user {self.endpoint.user} is not a superuser, so PostgreSQL checks "
            "every FK row by row (session_replication_role needs superuser), and "
            + ", ".join(fk.name for _, fk in cycle if not fk.deferrable)
            + " is not DEFERRABLE"
        )

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
            f"WHERE i.indrelid = {self.engine.literal(self.name(table))}::regclass "
            "AND t.relkind = 'r' "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint f "
            "                WHERE f.contype = 'f' AND f.conindid = i.indexrelid) "
            "AND (c.oid IS NULL OR c.contype IN ('p', 'u'))"
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
        empty = not self.query(self.engine.limit(f"SELECT 1 FROM {self.name(tg.table)}", 1))
        indexes = self.rebuildable_indexes(tg.table) if empty else []
        cur = self.conn.cursor()
        loaded = 0
        try:
            # replica silences the table's own insert triggers too: a table with some (one
            # that fills another table, or sets a column) loads with its triggers firing.
            if self.skip_fk_triggers and not any(t.on_insert for t in tg.table.triggers):
                cur.execute("SET LOCAL session_replication_role = replica")
            if self.held:
                cur.execute("SET CONSTRAINTS ALL DEFERRED")
            for drop, _ in indexes:
                cur.execute(drop)
            with cur.copy(sql) as copy:
                for start, stop, payload in self.chunks(
                    lambda a, b: self.text_payload(tg, a, b), tg.n
                ):
                    copy.write(payload)
                    loaded += stop - start
                    progress(stop - start)
            for _, ddl in indexes:
                self.token.check()
                cur.execute(ddl)
            self.commit()
        except self.engine.driver_errors() as exc:
            self.conn.rollback()
            raise LoadError(tg.name, describe_pg_error(exc)) from exc
        except BaseException:
            self.conn.rollback()
            raise
        return loaded

    def reset_identity(self, table: Table) -> None:
        name = self.name(table)
        for col in identity_columns(table):
            q = self.engine.quote(col.name)
            sequence = (
                f"pg_get_serial_sequence({self.engine.literal(name)}, "
                f"{self.engine.literal(col.name)})"
            )
            self.query(
                f"SELECT setval({sequence}, COALESCE(MAX({q}), 1), MAX({q}) IS NOT NULL) "
                f"FROM {name}"
            )

    def fill_deferred(self, tg: TableGen, fk: ForeignKey, progress: Progress) -> None:
        """Stage (key, fk) rows with COPY, then one UPDATE ... FROM: far faster than
        row-by-row UPDATEs."""
        table = tg.table
        keys = tuple(table.primary_key)
        q = self.engine.quote
        stage = q(f"arena_stage_{table.name}"[:60])
        pick = ", ".join(q(c) for c in (*keys, *fk.columns))
        cur = self.conn.cursor()

        def payload(a: int, b: int) -> bytes:
            pk, fkv = tg.deferred_chunk(fk, a, b)
            cols = [*keys, *fk.columns]
            return encode_tsv(
                [
                    v.to_text(self.engine, table.column(c).logical)
                    for v, c in zip([*pk, *fkv], cols, strict=True)
                ]
            )

        try:
            cur.execute(
                f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS "
                f"SELECT {pick} FROM {self.name(table)} WITH NO DATA"
            )
            with cur.copy(f"COPY {stage} FROM STDIN") as copy:
                for _, _, data in self.chunks(payload, tg.n):
                    copy.write(data)
            sets = ", ".join(f"{q(c)} = s.{q(c)}" for c in fk.columns)
            join = " AND ".join(f"t.{q(c)} = s.{q(c)}" for c in keys)
            cur.execute(f"UPDATE {self.name(table)} AS t SET {sets} FROM {stage} AS s WHERE {join}")
            self.conn.commit()
        except self.engine.driver_errors() as exc:
            self.conn.rollback()
            raise LoadError(
                table.name, f"second pass of {fk.name} failed: {describe_pg_error(exc)}"
            ) from exc
        except BaseException:
            self.conn.rollback()
            raise


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
