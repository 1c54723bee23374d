"""Reading the JSON plans engines return from EXPLAIN (for bench's index-or-scan verdict)."""

from __future__ import annotations

from typing import Any


def json_plan_values(plan: str, key: str) -> list[str]:
    """Every string value under `key` anywhere in a JSON plan (PostgreSQL's "Node Type",
    MySQL's "access_type"), in document order."""
    import json

    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get(key), str):
                found.append(node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(plan))
    return found
