"""One table's rows: generators per column, foreign-key picks, uniqueness, CHECK rules.

Everything is random-access by row (see arena/seed/counter_random.py): `chunk(start, stop)` returns
the values of local rows [start, stop) and `key_values(columns, rows)` recomputes the values
of any rows, which is how a child table learns its parents' keys without reading them back.

Row numbers: local row i (0..n-1) is absolute row `offset + i`; the offset is the table's
existing max integer key (or row count) so a second seed without --truncate continues after
the first instead of colliding with it.
"""

from __future__ import annotations

import numpy as np

from arena.errors import ArenaError
from arena.schema import Column, ForeignKey
from arena.seed import agreement, inference, moments, shaping, skew
from arena.seed import counter_random as rnd
from arena.seed import generators as g
from arena.seed.config import TableConfig
from arena.seed.keys import FkPicker, KeySource
from arena.seed.plan import TablePlan
from arena.seed.rules import ColumnRules, rules_for, step_for
from arena.seed.skew import reweighted
from arena.seed.values import Values

DEFAULT_SKEW = 0.8  # zipf exponent of FK picks: a few hot parents, a long tail
DEFAULT_NULL_FRACTION = 0.1
SELF_ROOT_FRACTION = 0.05  # nullable self-references: share of roots (top-level rows)
MAX_REDRAWS = 40
UNIFORM_AFTER = 3  # redraws with skewed FK picks before falling back to uniform picks


class TableGen:
    def __init__(
        self,
        plan: TablePlan,
        seed: int,
        parents: dict[str, KeySource],
        config: TableConfig | None = None,
        offset: int = 0,
        skew: float = DEFAULT_SKEW,
        null_fraction: float = DEFAULT_NULL_FRACTION,
        *,
        dialect: str,
    ) -> None:
        """`dialect`: the sqlglot dialect CHECK texts of this table are written in (the
        engine's, see Engine.sqlglot_dialect)."""
        self.plan, self.table, self.seed = plan, plan.table, seed
        self.name = self.table.name
        self.config = config or TableConfig()
        self.offset = offset
        self.n = plan.rows
        self.default_skew = skew
        self.default_null = null_fraction
        self.notes: list[str] = []
        self.columns = [c for c in self.table.columns if not c.generated]
        self.fk_of: dict[str, tuple[ForeignKey, int]] = {}
        for fk in self.table.foreign_keys:
            for pos, col in enumerate(fk.columns):
                self.fk_of.setdefault(col, (fk, pos))
        configured = {c for c, spec in self.config.columns.items() if spec.generator is not None}
        # Checks arena cannot solve: the loader keeps only rows the engine accepts.
        self.rules, self.trusted_checks, self.unsolved = rules_for(self.table, configured, dialect)
        self._propagate_after_bounds()
        self.unique_cols: set[str] = set()
        self.tuple_sets: list[tuple[str, ...]] = []
        self.carriers: dict[tuple[str, ...], str] = {}
        self._plan_uniqueness()
        self.gens: dict[str, g.Gen] = {}
        for col in list(self.columns):
            if col.name not in self.fk_of:
                self._gen_or_default(col)
        for name, spec in self.config.columns.items():  # `weights: {value: w}` in seeds YAML
            if spec.weights is not None:
                where = f"{self.name}.{name}"
                self.gens[name] = reweighted(self.gens.get(name), spec.weights, where)
        agreement.link(self.columns, self.gens, set(self.fk_of))  # email from the row's names
        fixed = set(self.fk_of) | self.unique_cols | set(self.rules) | configured
        agreement.link_places(self.columns, self.gens, fixed, self.key("place"))
        self._demote_small_carriers()
        self.pickers = {
            fk.name: self._picker(fk, parents)
            for fk in self.table.foreign_keys
            if fk not in plan.deferred and fk not in plan.forward
        }
        self._apply_capacity()
        self.eff_rows: np.ndarray | None = None  # tuple-unique tables: hash row per local row
        if self.tuple_sets:
            self._materialize_tuples()

    # -- setup ----------------------------------------------------------------------------
    def key(self, *names: object) -> np.uint64:
        return rnd.stream_key(self.seed, self.name, *names)

    def _unique_sets(self) -> list[tuple[str, ...]]:
        sets = []
        if self.table.primary_key:
            sets.append(tuple(self.table.primary_key))
        sets += [u.columns for u in self.table.uniques]
        sets += [i.columns for i in self.table.indexes if i.unique]
        return list(dict.fromkeys(s for s in sets if s))

    def _plan_uniqueness(self) -> None:
        for cols in self._unique_sets():
            if set(cols) & self.unique_cols:
                continue
            if len(cols) == 1:
                self.unique_cols.add(cols[0])
                continue
            carrier = next(
                (c for c in cols if c not in self.fk_of and self._can_carry(self.table.column(c))),
                None,
            )
            if carrier is not None:
                self.unique_cols.add(carrier)
                self.carriers[tuple(cols)] = carrier
            else:
                self.tuple_sets.append(tuple(cols))

    def _can_carry(self, col: Column) -> bool:
        if col.enum_values or col.logical in ("bool", "json", "blob"):
            return False
        rule = self.rules.get(col.name)
        spec = self.config.columns.get(col.name)
        if (rule and rule.allowed is not None) or (
            spec and spec.generator in ("choice", "constant", "bool")
        ):
            return False
        return not (
            col.logical in ("char", "varchar") and col.length is not None and col.length < 4
        )

    def _gen_or_default(self, col: Column) -> None:
        """A column arena has no generator for is left out of the insert when the server
        fills it anyway (a DEFAULT, or NULL) and it is no key; otherwise the error stands."""
        try:
            self._gen_for(col)
        except ArenaError:
            in_key = any(col.name in s for s in self._unique_sets())
            sets = [t.name for t in self.table.triggers if t.on_insert and col.name in t.sets]
            if in_key or col.name in self.rules or (col.default is None and not col.nullable):
                if sets and not in_key and col.default is None:
                    # Written as NULL, which the BEFORE trigger replaces: left out, it fails
                    # on MySQL ("doesn't have a default value") before any trigger runs.
                    self.gens[col.name] = g.NullGen(self.key(col.name))
                    self.notes.append(f"{self.name}.{col.name}: left to trigger {sets[0]}")
                    return
                raise
            self.columns.remove(col)
            self.unique_cols.discard(col.name)
            fill = f"its DEFAULT {col.default}" if col.default is not None else "NULL"
            self.notes.append(
                f"{self.name}.{col.name}: left to {fill} (arena has no generator for "
                f"{col.data_type})"
            )

    def _gen_for(self, col: Column) -> g.Gen:
        if col.name in self.gens:
            return self.gens[col.name]
        key = self.key(col.name)
        unique = col.name in self.unique_cols
        rule = self.rules.get(col.name, ColumnRules())
        spec = self.config.columns.get(col.name)
        try:
            gen = self._make_gen(col, key, unique, rule, spec)
        except ValueError as exc:
            raise ArenaError(
                f"Cannot generate {self.name}.{col.name}: {exc}.",
                "Check its CHECK constraints and the seeds YAML for contradictions.",
            ) from None
        self.gens[col.name] = gen
        return gen

    def _make_gen(self, col, key, unique, rule: ColumnRules, spec) -> g.Gen:
        if spec is not None and spec.generator is not None:
            return inference.build(key, col, spec.params | {"generator": spec.generator}, unique)
        is_int_key = col.logical in ("smallint", "int", "bigint")
        if is_int_key and (
            col.identity or (unique and tuple(self.table.primary_key) == (col.name,))
        ):
            sequence = g.SequenceGen(key)
            # A narrow key type (TINYINT) holds no more rows than its largest value.
            sequence.capacity = int(inference.numeric_bounds(col)[1])
            return sequence
        if rule.allowed is not None:
            allowed = [v for v in rule.allowed if v not in rule.excluded]
            if not allowed:
                raise ValueError("its CHECK constraints allow no value")
            weights = skew.status_weights(col.name, allowed)
            if weights is None and all(isinstance(v, int) for v in allowed) and allowed:
                scale = skew.rating_weights(col.name, min(allowed), max(allowed))
                if scale is not None and sorted(allowed) == list(
                    range(min(allowed), max(allowed) + 1)
                ):
                    weights = [scale[v - min(allowed)] for v in allowed]
            return g.ChoiceGen(key, allowed, weights)
        if rule.patterns:
            return shaping.pattern_gen(key, col, rule, unique, self.n)
        if rule.json:
            return inference.json_gen(key, col.name)
        if rule.after:
            other, strict = rule.after[0]
            base_col = self.table.column(other)
            if base_col.name in self.fk_of:
                raise ValueError(f"it must be greater than the foreign key {other}")
            return self._after(key, self._gen_for(base_col), strict, rule.high)
        fixed = set(self.fk_of) | {c for c, r in self.rules.items() if r.after}
        earlier = moments.earlier(col, self.columns, fixed)  # created_at <= updated_at ...
        if earlier is not None:
            return self._after(key, self._gen_for(earlier), False)
        if col.logical in ("smallint", "int", "bigint", "decimal", "float"):
            gen = inference.number_gen(key, col, rule.low, rule.high, unique)
        elif rule.low is not None or rule.high is not None:
            raise ValueError(f"a numeric range on a {col.data_type} column")
        else:
            gen = inference.infer(key, col, unique, self.name)
        return shaping.fit(key, gen, col, rule, unique)

    def _after(self, key, base: g.Gen, strict: bool, high: float | None = None) -> g.Gen:
        span = {"timestamp": 30 * 86400, "date": 30, "time": 3600}.get(base.kind, 100)
        return g.AfterGen(key, base, 0, span, strict, high)

    def _propagate_after_bounds(self) -> None:
        """b >= a with b <= H: a <= H too (less a step when strict), so b has room above
        a; and a >= L makes b >= L. Done before any generator is built."""
        for rule in list(self.rules.values()):
            for other, strict in rule.after:
                if other in self.fk_of:
                    continue
                base = self.rules.setdefault(other, ColumnRules())
                step = step_for(self.table, other) if strict else 0.0
                if rule.high is not None:
                    base.tighten_high(rule.high - step, True, 0.0)
                if base.low is not None:
                    rule.tighten_low(base.low + step, True, 0.0)

    def _picker(self, fk: ForeignKey, parents: dict[str, KeySource]) -> FkPicker:
        spec = self.config.columns.get(fk.columns[0])
        skew = spec.skew if spec and spec.skew is not None else self.config.skew
        skew = self.default_skew if skew is None else skew
        nullable = all(
            self.table.column(c).nullable and not self.rules.get(c, ColumnRules()).not_null
            for c in fk.columns
        )  # a CHECK (a IS NOT NULL OR b IS NOT NULL) makes an FK column NOT NULL too
        in_unique = any(set(fk.columns) <= set(s) for s in self._unique_sets())
        null = spec.null_fraction if spec and spec.null_fraction is not None else None
        if fk.ref_table == self.name:
            fraction = SELF_ROOT_FRACTION if nullable else 0.0
            return FkPicker(
                fk, None, self.key("fk", *fk.columns), 0.0, fraction if null is None else null
            )
        parent = parents.get(fk.ref_table)
        if parent is None:
            raise ArenaError(f"{self.name}.{fk.name}: parent table {fk.ref_table} is unknown.")
        if null is None:
            null = self.default_null if nullable and not in_unique else 0.0
        if parent.n == 0:
            if not nullable:
                raise ArenaError(
                    f"{self.name} needs rows in {fk.ref_table} (foreign key {fk.name}), which "
                    "is empty and not being seeded.",
                    f"Seed {fk.ref_table} too (add it to --tables).",
                )
            null = 1.0
        one_to_one = any(set(fk.columns) == set(s) for s in self._unique_sets())
        return FkPicker(fk, parent, self.key("fk", *fk.columns), skew, null, one_to_one)

    def _demote_small_carriers(self) -> None:
        """A composite key's carrier with fewer distinct values than rows (a date among
        (account_id, period_start)) would cap the table: draw the whole tuple instead."""
        for cols, carrier in self.carriers.items():
            capacity = self.gens[carrier].capacity
            if capacity is not None and capacity < self.n:
                self.unique_cols.discard(carrier)
                self.tuple_sets.append(cols)

    def bind_deferred(self, parents: dict[str, KeySource]) -> None:
        """Once every table has a generator: pickers for the second-pass FKs and for the
        forward ones (a NOT NULL cycle: the parent is loaded after this table)."""
        for fk in (*self.plan.deferred, *self.plan.forward):
            self.pickers[fk.name] = self._picker(fk, parents)

    def _apply_capacity(self) -> None:
        """Fewer rows when a unique column or an FK-only unique key cannot hold more."""
        limit = self.n
        for col in self.unique_cols:
            if col in self.fk_of:
                picker = self.pickers.get(self.fk_of[col][0].name)
                if picker is not None and picker.parent is not None:
                    limit = min(limit, picker.parent.n)
                continue
            cap = self.gens[col].capacity
            if cap is not None:
                limit = min(limit, cap)
        for cols in self.tuple_sets:
            cap = 1
            for c in cols:
                if c in self.fk_of:
                    picker = self.pickers.get(self.fk_of[c][0].name)
                    cap *= picker.parent.n if picker and picker.parent is not None else self.n
                else:
                    cap *= self.gens[c].capacity or self.n
            limit = min(limit, max(1, int(cap * 0.9)) if cap > 10 else cap)
        if limit < self.n:
            self.notes.append(
                f"{self.name}: {limit} rows instead of {self.n} (its unique keys allow no more)"
            )
            self.n = limit

    def _materialize_tuples(self) -> None:
        """Composite unique keys made only of FKs / few-valued columns (join tables): draw
        all rows, redraw duplicates (uniform after a few skewed tries), drop what is left."""
        local = np.arange(self.n, dtype=np.int64)
        base = local + self.offset
        eff = base.copy()
        for attempt in range(1, MAX_REDRAWS + 1):
            dup = np.zeros(self.n, dtype=bool)
            for cols in self.tuple_sets:
                dup |= self._duplicates(cols, eff, local)
            if not dup.any():
                break
            eff[dup] = base[dup] + attempt * rnd.RETRY_STRIDE
        else:
            dup = np.zeros(self.n, dtype=bool)
            for cols in self.tuple_sets:
                dup |= self._duplicates(cols, eff, local)
        keep = ~dup
        if not keep.all():
            self.notes.append(
                f"{self.name}: {int(keep.sum())} rows instead of {self.n} (unique key space is crowded)"
            )
        self.eff_rows = eff[keep]
        self.n = int(keep.sum())

    def _duplicates(self, cols, eff, local) -> np.ndarray:
        codes = []
        for c in cols:
            if c in self.fk_of:
                fk, _ = self.fk_of[c]
                codes.append(self._tuple_pick(fk, eff, local))
            else:
                codes.append(_codes(self.gens[c].generate(eff)))
        spans = [int(c.max()) + 2 if len(c) else 1 for c in codes]  # +1 for NULL's -1
        if np.prod([float(x) for x in spans]) < 2**62:
            keys = np.zeros(len(eff), dtype=np.int64)  # mixed radix: one int64 per tuple
            for c, span in zip(codes, spans, strict=True):
                keys = keys * span + (c.astype(np.int64) + 1)
        else:
            stacked = np.ascontiguousarray(np.stack(codes, axis=1).astype(np.int64))
            keys = stacked.view(np.dtype((np.void, 8 * stacked.shape[1]))).ravel()
        _, first = np.unique(keys, return_index=True)
        dup = np.ones(len(keys), dtype=bool)
        dup[first] = False
        return dup

    # -- values -----------------------------------------------------------------------------
    def _pick(self, fk, rows, local, force_uniform=False) -> np.ndarray:
        picker = self.pickers[fk.name]
        if force_uniform and picker.skew:
            saved, picker.skew = picker.skew, 0.0
            try:
                return picker.parent_rows(rows, local)
            finally:
                picker.skew = saved
        return picker.parent_rows(rows, local)

    def _hash_rows(self, local: np.ndarray) -> np.ndarray:
        """The row numbers values are hashed from: offset + local, or a redrawn row."""
        if self.eff_rows is None:
            return local + self.offset
        return self.eff_rows[local]

    def _tuple_pick(self, fk: ForeignKey, rows: np.ndarray, local: np.ndarray) -> np.ndarray:
        """FK picks of a tuple-unique table: rows redrawn more than UNIFORM_AFTER times pick
        uniformly (skewed picks keep colliding on the hot parents)."""
        picks = self._pick(fk, rows, local)
        uniform = rows >= rnd.RETRY_STRIDE * (UNIFORM_AFTER + 1)
        if uniform.any() and fk.ref_table != self.name:
            picks = np.where(uniform, self._pick(fk, rows, local, force_uniform=True), picks)
        return picks

    def fk_values(self, fk: ForeignKey, local: np.ndarray) -> list[Values]:
        rows = self._hash_rows(local)
        picks = (
            self._tuple_pick(fk, rows, local)
            if self.eff_rows is not None
            else self._pick(fk, rows, local)
        )
        nulls = picks < 0
        safe = np.where(nulls, 0, picks)
        source = self if fk.ref_table == self.name else self.pickers[fk.name].parent
        values = source.key_values(fk.ref_columns, safe)
        for v in values:
            v.nulls = nulls if nulls.any() else None
        return values

    def redrawn(self, rows: list[int], attempt: int) -> dict[str, Values]:
        """Local `rows` with every column that is no key (primary, unique, foreign) drawn
        again from other row numbers: rows the engine refused, tried anew."""
        local = np.array(rows, dtype=np.int64)
        keys = {c for s in self._unique_sets() for c in s} | set(self.unique_cols)
        cache: dict = {}
        return {
            c.name: self.column_values(
                c, local, cache, 0 if c.name in keys else attempt * rnd.RETRY_STRIDE * 7
            )
            for c in self.columns
        }

    def column_values(
        self, col: Column, local: np.ndarray, fk_cache: dict, shift: int = 0
    ) -> Values:
        if col.name in self.fk_of:
            fk, pos = self.fk_of[col.name]
            if fk.name not in fk_cache:
                if fk in self.plan.deferred:
                    fk_cache[fk.name] = [
                        Values(
                            "int",
                            np.zeros(len(local), dtype=np.int64),
                            nulls=np.ones(len(local), dtype=bool),
                        )
                    ] * len(fk.columns)
                else:
                    fk_cache[fk.name] = self.fk_values(fk, local)
            return fk_cache[fk.name][pos]
        gen = self.gens[col.name]
        # Sequences count kept rows (1..n), not the redrawn hash rows of a tuple-unique table.
        rows = local + self.offset if isinstance(gen, g.SequenceGen) else self._hash_rows(local)
        rows = rows + shift
        values = gen.generate(rows, unique=col.name in self.unique_cols)
        rule = self.rules.get(col.name)
        if rule and rule.excluded and values.kind in ("int", "decimal"):
            for bad in rule.excluded:
                if isinstance(bad, int | float):
                    scaled = round(bad * 10**values.scale)
                    values.data = np.where(values.data == scaled, values.data + 1, values.data)
        if self._nullable(col):
            fraction = self._null_fraction(col)
            if fraction > 0:
                values.nulls = rnd.uniform(rows, self.key(col.name, "null")) < fraction
        return values

    def _nullable(self, col: Column) -> bool:
        rule = self.rules.get(col.name)
        in_unique = any(col.name in s for s in self._unique_sets())
        return col.nullable and not in_unique and not (rule and rule.not_null) and not col.identity

    def _null_fraction(self, col: Column) -> float:
        spec = self.config.columns.get(col.name)
        if spec is not None and spec.null_fraction is not None:
            return spec.null_fraction
        if spec is not None and spec.generator is not None:
            return 0.0
        return self.default_null

    def chunk(self, start: int, stop: int) -> dict[str, Values]:
        """Values of local rows [start, stop), by column name (written columns only)."""
        local = np.arange(start, stop, dtype=np.int64)
        cache: dict = {}
        return {c.name: self.column_values(c, local, cache) for c in self.columns}

    def key_values(self, columns: tuple[str, ...], rows: np.ndarray) -> list[Values]:
        cache: dict = {}
        return [self.column_values(self.table.column(c), rows, cache) for c in columns]

    def deferred_chunk(
        self, fk: ForeignKey, start: int, stop: int
    ) -> tuple[list[Values], list[Values]]:
        """Second pass of a cycle-breaking FK: (primary key values, FK values) per row."""
        local = np.arange(start, stop, dtype=np.int64)
        pk = self.key_values(tuple(self.table.primary_key), local)
        return pk, self.fk_values(fk, local)

    def describe(self) -> dict[str, str]:
        out = {}
        for col in self.columns:
            if col.name in self.fk_of:
                fk = self.fk_of[col.name][0]
                out[col.name] = f"fk -> {fk.ref_table}" + (
                    " (2nd pass)" if fk in self.plan.deferred else ""
                )
            else:
                out[col.name] = self.gens[col.name].describe() + (
                    " unique" if col.name in self.unique_cols else ""
                )
        return out


def _codes(values: Values) -> np.ndarray:
    if values.kind == "str":
        if isinstance(values.data, tuple):
            return values.data[1].astype(np.int64)
        return np.unique(np.array(values.data, dtype=object), return_inverse=True)[1]
    return np.asarray(values.data).astype(np.int64)
