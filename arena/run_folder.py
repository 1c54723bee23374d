"""What every run folder (.arena/results/<run-id>/) shares, whichever command writes it:
the run id and the JSON writer. A file is written through a rename, so a reader (or a crash)
never sees half a file."""

from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path
from typing import Any


def new_run_id(kind: str) -> str:
    """`<kind>-YYYYmmdd-HHMMSS-xxxx`: sorts by start time, unique within a second."""
    return time.strftime(f"{kind}-%Y%m%d-%H%M%S-") + secrets.token_hex(2)


def write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
    os.replace(tmp, path)
