"""Who may join a load as a worker: a per-run token, proven without sending it.

The master makes a random token per run (or takes ARENA_WORKER_TOKEN) and hands it to the
workers it starts itself through their environment (not argv: any local user can read another
process's argv, only the owner its environment). Remote workers get it out of band:
`arena worker --token T` or ARENA_WORKER_TOKEN. A worker proves it by sending
HMAC-SHA256(token, its node id) with its first message; the master ignores every message of
a peer that has not proven it, and never sends it a plan (which holds the engine's password).

The plan then travels in clear over TCP to the workers that did prove it: remote workers
belong on a network you trust (or an SSH tunnel).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

TOKEN_ENV = "ARENA_WORKER_TOKEN"
PROOF_PREFIX = "arena-proof:"


def run_token() -> str:
    """The token of this run: ARENA_WORKER_TOKEN when set (remote workers share it), else new."""
    return os.environ.get(TOKEN_ENV) or secrets.token_urlsafe(24)


def proof(token: str, node_id: str) -> str:
    return hmac.new(token.encode(), node_id.encode(), hashlib.sha256).hexdigest()


def greeting(version: str, token: str, node_id: str) -> str:
    """What a worker sends as its `client_ready` data: Locust's version, then the proof."""
    return f"{version} {PROOF_PREFIX}{proof(token, node_id)}"


def verify(token: str, node_id: str, data: object) -> bool:
    """Whether a `client_ready` message's data proves the token for this node id."""
    if not isinstance(data, str) or PROOF_PREFIX not in data:
        return False
    claimed = data.split(PROOF_PREFIX, 1)[1].strip()
    return hmac.compare_digest(claimed, proof(token, node_id))
