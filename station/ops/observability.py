"""The daemon plugin behind `[metrics]`: readiness each tick, and the metrics port beside the lane.

It sees the lane through :class:`ObservedLane`, built by the wiring; it reports readiness and the
metrics address back through :meth:`Observability.status_fields` (a status hook), not by setting
attributes on the daemon.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from garita.station.config.lane_config import LaneConfig
from garita.station.ops.event_log import log_event
from garita.station.ops.metrics import LaneMetrics
from garita.station.ops.readiness import WatchlistInfo, combine, database_check, device_check, watchlist_check
from garita.station.storage.lane_store import LaneStore

if TYPE_CHECKING:
    from garita.station.ops.metrics_server import MetricsServer

log = logging.getLogger("garita.metrics")
READINESS_EVERY_S = 1.0


class DownlinkCounts(Protocol):
    """The sync link's verified-downlink counters (accepted and refused messages by kind/reason)."""

    @property
    def accepted(self) -> Mapping[str, int]: ...

    @property
    def rejected(self) -> Mapping[str, int]: ...


class WebhookState(Protocol):
    def status(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ObservedLane:
    """What readiness and the metrics read of the lane; the wiring builds it from the daemon and its parts."""

    config: LaneConfig
    data_dir: Path
    store: LaneStore
    device_health: Callable[[], dict[str, dict[str, Any]]]
    counters: Callable[[], dict[str, int]]
    extras: Callable[[], Mapping[str, Mapping[str, object]]]  # watchlist freshness, uplink state
    downlink: DownlinkCounts | None = None  # with [mqtt]
    webhook: WebhookState | None = None  # with [webhook]


class Observability:
    """Keeps readiness current and, with ``[metrics] enabled``, serves the metrics port."""

    def __init__(self, lane: ObservedLane):
        self.lane = lane
        config = lane.config
        self.kinds = {d.name: d.kind for d in config.devices}
        self.metrics = LaneMetrics(config.lane.id, lane.data_dir, self._health, self.kinds,
                                   config.booth.session_max_s)
        self.server: MetricsServer | None = None
        self.url: str | None = None
        self._checked = 0.0
        self._started = False

    def _health(self) -> dict[str, dict[str, Any]]:
        return self.lane.device_health()

    def status_fields(self) -> dict[str, object]:
        """For the lane's status file (`garita devices`, `garita health`): readiness and the metrics address."""
        return {"readiness": self.metrics.view.readiness, "metrics_url": self.url}

    def required_devices(self) -> set[str]:
        chosen = self.lane.config.metrics.ready_devices
        enabled = {d.name for d in self.lane.config.devices if d.enabled}
        return set(chosen) & enabled if chosen is not None else enabled

    def refresh(self) -> dict[str, Any]:
        """Recompute readiness and the loop-side metrics (on the event loop)."""
        lane, view = self.lane, self.metrics.view
        extras = lane.extras()
        view.watchlist = dict(extras.get("watchlist") or {})
        view.uplink = dict(extras["uplink"]) if extras.get("uplink") is not None else None
        if lane.downlink is not None:
            view.downlink = {"accepted": dict(lane.downlink.accepted), "refused": dict(lane.downlink.rejected)}
        view.stats = lane.counters()
        view.webhook = lane.webhook.status() if lane.webhook is not None else None
        view.readiness = combine(device_check(self._health(), self.required_devices()),
                                 database_check(lane.store, lane.data_dir, lane.config.metrics.min_free_mb),
                                 watchlist_check(self._watchlist_info(view.watchlist)))
        view.ticked_at = time.monotonic()
        return view.readiness

    def _watchlist_info(self, meta: dict[str, Any]) -> WatchlistInfo:
        config = self.lane.config
        expected = bool(config.trust.keys) and config.metrics.ready_needs_watchlist
        updated_ms = meta.get("updated_ms")
        age = datetime.now(UTC).timestamp() - updated_ms / 1000 if updated_ms else None
        return WatchlistInfo(expected, meta.get("version"), age, config.watchlist.stale_after_h * 3600)

    async def tick(self) -> None:
        now = time.monotonic()
        if now - self._checked >= READINESS_EVERY_S:
            self._checked = now
            self.refresh()
        if not self._started:
            self._started = True
            self.start_server()

    def start_server(self) -> None:
        section = self.lane.config.metrics
        if not section.enabled:
            return
        from garita.station.ops.metrics_server import MetricsServer, make_app

        try:
            server = MetricsServer(section.host, section.port, make_app(self.metrics.registry, self.live, self.ready))
        except OSError as exc:  # a port in use must not stop the lane: it runs on, unmonitored, and says so
            log_event(log, "metrics.unavailable", logging.ERROR, address=f"{section.host}:{section.port}",
                      error=exc.strerror or str(exc))
            return
        server.start()
        self.server, self.url = server, server.url
        log_event(log, "metrics.listening", url=f"{server.url}/metrics")

    def live(self) -> tuple[bool, dict[str, Any]]:
        """Live while the event loop ticks: a wedged loop stops ticking and /healthz fails."""
        age = time.monotonic() - self.metrics.view.ticked_at
        limit = max(10.0, 10 * self.lane.config.lifecycle.tick_s)
        return age <= limit, {"live": age <= limit, "lane": self.lane.config.lane.id, "tick_age_s": round(age, 2)}

    def ready(self) -> tuple[bool, dict[str, Any]]:
        live, body = self.live()
        readiness = self.metrics.view.readiness or {"ready": False, "state": "starting", "checks": {}}
        ok = live and bool(readiness.get("ready"))
        return ok, {**readiness, "ready": ok, "live": live, "lane": body["lane"]}

    async def aclose(self) -> None:
        if self.server is not None:
            server, self.server = self.server, None
            await asyncio.to_thread(server.close)
