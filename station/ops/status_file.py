"""``status.json`` in the data directory: what the running daemon says about itself.

Written atomically about once a second so that `garita devices` (another process, maybe
another user) can show live device health without talking to the daemon.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

STATUS_NAME = "status.json"
STALE_AFTER_S = 10.0  # the daemon writes every second; older than this, it is not running


def write_status(data_dir: Path, status: dict[str, Any]) -> None:
    """Replace status.json in one rename, so a reader never sees half a file."""
    path = data_dir / STATUS_NAME
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps({**status, "updated_at": datetime.now(UTC).isoformat()}, default=str),
                   encoding="utf-8")
    os.replace(tmp, path)


def read_status(data_dir: Path) -> tuple[dict[str, Any] | None, str]:
    """(status, why) — status is None with the reason when no live daemon wrote it."""
    path = data_dir / STATUS_NAME
    try:
        status = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, f"no {path}: the lane has not run with this data directory"
    except (OSError, ValueError) as exc:
        return None, f"{path} cannot be read: {exc}"
    if status.get("state") == "stopped":
        return status, f"the lane stopped at {status.get('updated_at')}"
    age = time.time() - datetime.fromisoformat(status["updated_at"]).timestamp()
    if age > STALE_AFTER_S:
        return status, f"the lane is not running (last status {age:.0f} s ago)"
    return status, ""
