"""What other parts report beside the lane's own status: watchlist freshness and uplink state.

Read by the booth's status strip, the metrics view and the uplink's ``lane.metrics`` event; the
wiring builds one from the risk engine's watchlist and the uplink plugin (None without ``[mqtt]``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from garita.station.watchlist.cache import Watchlist


class UplinkState(Protocol):
    """The uplink plugin as the status strip sees it."""

    def status(self) -> dict[str, object]: ...


class StatusExtras:
    """``extras()`` -> ``{"watchlist": {...}, "uplink": {...}}``; a part that is absent is left out."""

    def __init__(self, watchlist: Watchlist | None, uplink: UplinkState | None = None):
        self.watchlist = watchlist
        self.uplink = uplink

    def __call__(self) -> dict[str, dict[str, object]]:
        extras: dict[str, dict[str, object]] = {}
        if self.watchlist is not None:
            extras["watchlist"] = self._watchlist(self.watchlist)
        if self.uplink is not None:
            extras["uplink"] = self.uplink.status()
        return extras

    @staticmethod
    def _watchlist(watchlist: Watchlist) -> dict[str, object]:
        meta = watchlist.meta()
        created = meta.get("created_at")
        return {"version": meta.get("version"), "stale_after_s": watchlist.stale_after_s,
                "updated_ms": datetime.fromisoformat(created).timestamp() * 1000 if created else None}
