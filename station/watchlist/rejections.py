"""Counters of refused feed files by reason, kept beside the cache so ``status`` can show them."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FILE = "rejections.json"


def load(directory: Path) -> dict[str, Any]:
    """``{"counts": {code: n}, "last": {...}}``; empty when nothing was ever refused."""
    try:
        return json.loads((directory / FILE).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {"counts": {}, "last": None}


def count(directory: Path, code: str, message: str, source: str) -> dict[str, Any]:
    """Add one refusal and remember the latest, atomically (a torn counter file would hide refusals)."""
    directory.mkdir(parents=True, exist_ok=True)
    state = load(directory)
    state["counts"][code] = state["counts"].get(code, 0) + 1
    state["last"] = {"code": code, "message": message, "file": source, "at": datetime.now(UTC).isoformat()}
    tmp = directory / (FILE + ".tmp")
    tmp.write_text(json.dumps(state, indent=1))
    os.replace(tmp, directory / FILE)
    return state
