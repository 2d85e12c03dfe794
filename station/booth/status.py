"""The status strip: uplink state and backlog, watchlist version and age, each device's health.

The uplink and watchlist are other modules' business; they report through the booth's
``status_extras`` service returning ``{"uplink": {"state": ...}, "watchlist": {"version": ...,
"updated_ms": ...}}``. Without them the strip says "off"/"none" instead of guessing.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from garita.station.booth.services import BoothServices
from garita.station.storage import outbox_repo

WATCHLIST_STALE_S = 24 * 3600


def _extras(services: BoothServices) -> Mapping[str, Mapping[str, Any]]:
    try:
        return services.status_extras()
    except Exception:  # a failing reporter must not take the strip down
        return {}


def _watchlist(extras: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    info = extras.get("watchlist") or {}
    updated_ms = info.get("updated_ms")
    age_s = (time.time() * 1000 - updated_ms) / 1000 if updated_ms else None
    return {"version": info.get("version"), "age_s": age_s,
            "stale": age_s is None or age_s > info.get("stale_after_s", WATCHLIST_STALE_S)}


def status_strip(services: BoothServices) -> dict[str, Any]:
    extras = _extras(services)
    backlog = outbox_repo.pending_count(services.store)
    uplink_state = (extras.get("uplink") or {}).get("state") or ("off" if not services.mqtt_enabled else "unknown")
    devices = services.lane_status()["devices"]
    return {
        "uplink": {"state": uplink_state, "backlog": backlog},
        "watchlist": _watchlist(extras),
        "devices": {name: {"kind": d["kind"], "connected": d["connected"], "frames_ok": d["frames_ok"],
                           "frames_rejected": d["frames_rejected"], "reconnects": d["reconnects"],
                           "last_error": d["last_error"]} for name, d in devices.items()},
    }
