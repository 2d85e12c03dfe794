"""Is the lane ready to do its job? Devices it needs up, database writable, watchlist not stale.

Computed on the event loop once a tick and kept as a plain dict: `/readyz` serves it, status.json
carries it, and `garita devices` turns it into its exit code, so all three say the same.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from garita.station.storage.lane_store import LaneStore

HEALTHY, DEGRADED, DOWN = "healthy", "degraded", "down"
EXIT_CODES = {HEALTHY: 0, DEGRADED: 1, DOWN: 2}
EXIT_NOT_RUNNING = 3


@dataclass(frozen=True)
class WatchlistInfo:
    """What readiness needs of the watchlist: is one expected, its version and age."""

    expected: bool
    version: int | None
    age_s: float | None
    stale_after_s: float


def device_check(health: dict[str, dict[str, Any]], required: set[str]) -> dict[str, Any]:
    """Required devices down make the lane down; optional ones only degrade it."""
    down = sorted(name for name, snap in health.items() if not snap.get("connected"))
    missing = sorted(required - set(health))  # configured as required but not running at all
    required_down = sorted({*missing, *(name for name in down if name in required)})
    return {"ok": not required_down, "required_down": required_down,
            "optional_down": [name for name in down if name not in required], "devices": len(health)}


def database_check(store: LaneStore, data_dir: Path, min_free_mb: int) -> dict[str, Any]:
    """The lane can take the write lock and the disk has room: a commit would land."""
    try:
        free_mb = shutil.disk_usage(data_dir).free // (1024 * 1024)
    except OSError as exc:
        return {"ok": False, "detail": f"data directory: {exc.strerror}"}
    if free_mb < min_free_mb:
        return {"ok": False, "detail": f"{free_mb} MiB free, below {min_free_mb} MiB", "free_mb": free_mb}
    try:
        store.check_writable()  # the lane's own connection: what it can do is what matters
    except sqlite3.Error as exc:
        return {"ok": False, "detail": f"database: {exc}", "free_mb": free_mb}
    return {"ok": True, "free_mb": free_mb}


def watchlist_check(info: WatchlistInfo) -> dict[str, Any]:
    if not info.expected:
        return {"ok": True, "detail": "not required"}
    if info.version is None or info.age_s is None:
        return {"ok": False, "detail": "no watchlist loaded"}
    stale = info.age_s > info.stale_after_s
    return {"ok": not stale, "version": info.version, "age_s": round(info.age_s, 1),
            "detail": f"stale: {info.age_s / 3600:.1f} h old" if stale else "current"}


def combine(devices: dict[str, Any], database: dict[str, Any], watchlist: dict[str, Any]) -> dict[str, Any]:
    """One verdict: down (cannot work), degraded (works, but not as it should), healthy."""
    if not devices["ok"] or not database["ok"]:
        state = DOWN
    elif not watchlist["ok"] or devices["optional_down"]:
        state = DEGRADED
    else:
        state = HEALTHY
    ready = devices["ok"] and database["ok"] and watchlist["ok"]
    return {"ready": ready, "state": state, "checked_at": time.time(),
            "checks": {"devices": devices, "database": database, "watchlist": watchlist}}


def exit_code(status: dict[str, Any] | None, running: bool) -> int:
    """`garita devices`: 0 healthy, 1 degraded, 2 down, 3 not running."""
    if not running or status is None:
        return EXIT_NOT_RUNNING
    readiness = status.get("readiness")
    if not readiness:  # a lane too old to say: judge by its devices alone
        devices = status.get("devices", {})
        if devices and not any(d.get("connected") for d in devices.values()):
            return EXIT_CODES[DOWN]
        return EXIT_CODES[DEGRADED] if any(not d.get("connected") for d in devices.values()) else 0
    return EXIT_CODES.get(readiness.get("state"), EXIT_CODES[DOWN])
