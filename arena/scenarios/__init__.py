"""Scenario suites (`arena run ecommerce|cms|social|project|finance|FILE`): transactional
workflows with invariants, run through arena load's Locust engine.

- suite.py: a suite YAML -> Suite (workflows, params, steps, invariants), validated; pure.
- render.py: neutral step SQL -> one engine's SQL (sqlglot), overrides, n/a reasons, and the
  table/column check against a schema.
- retry.py: the bounded, jittered retry policy and the outcome of an abort; pure.
- executor.py: one workflow call on one connection, in a transaction at the asked level.
- invariants.py: invariant checks and their results.
- process.py: the per-process user loop (arena/load/process.py's contract).
- runner.py: prepare engines, run the suite per engine, invariants before/during/after.
- differential.py: --deterministic: the same calls everywhere, table checksums compared.
"""
