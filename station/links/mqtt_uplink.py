"""The station's side of sync: the link built from [mqtt] over the lane's outbox, the daemon plugin.

``sync`` never imports ``station``; this module is the one place they meet (the outbox's SQL is
``station/storage/outbox_repo.py``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from garita.station.config.lane_config import LaneConfig
from garita.station.links.downlink_counters import PersistedCounters
from garita.station.ops.event_log import log_event
from garita.station.storage import audit_repo
from garita.station.storage.lane_store import LaneStore
from garita.station.storage.outbox_repo import LaneStoreOutbox
from garita.sync.downlink import Handler
from garita.sync.link import BrokerSettings, LinkSettings, SyncLink
from garita.sync.retention import RetentionSettings
from garita.sync.tls import TlsFiles
from garita.sync.topics import LaneTopics
from garita.sync.uplink import UplinkSettings

if TYPE_CHECKING:
    from garita.station.bench.sync_link import SyncBench

log = logging.getLogger("garita.uplink")


def link_settings(config: LaneConfig) -> LinkSettings:
    """[mqtt] -> the sync package's settings."""
    mqtt = config.mqtt
    password = mqtt.password_file.read_text().strip() if mqtt.password_file else None
    tls = TlsFiles(mqtt.tls.ca_file, mqtt.tls.cert_file, mqtt.tls.key_file) if mqtt.tls else None
    broker = BrokerSettings(
        host=mqtt.host, port=mqtt.port, client_id=mqtt.client_id or f"{config.lane.port_code}-{config.lane.id}",
        keepalive_s=mqtt.keepalive_s, username=mqtt.username, password=password, tls=tls,
        session_expiry_s=mqtt.session_expiry_s, reconnect_max_s=mqtt.reconnect_max_s)
    uplink = UplinkSettings(
        max_inflight=mqtt.max_inflight, batch_max_events=mqtt.batch_max_events, compress=mqtt.compress,
        backlog_rate_per_s=mqtt.backlog_rate_per_s, alert_expiry_s=mqtt.alert_expiry_s)
    retention = RetentionSettings(keep_sent_s=mqtt.keep_sent_days * 86400,
                                  budget_bytes=mqtt.outbox_budget_mb * 1024 * 1024)
    return LinkSettings(broker=broker, uplink=uplink, retention=retention, max_downlink_bytes=mqtt.max_downlink_bytes)


def build_link(config: LaneConfig, store: LaneStore, handler: Handler) -> SyncLink:
    topics = LaneTopics(config.lane.port_code, config.lane.id)
    warn_if_nothing_is_trusted(config)
    return SyncLink(link_settings(config), topics, LaneStoreOutbox(store), config.trust.ring(), handler)


def warn_if_nothing_is_trusted(config: LaneConfig) -> None:
    """A lane whose [trust] has no key valid now refuses every downlink message: say so at start, once."""
    now = datetime.now(UTC)
    if not any(key.not_before <= now <= key.not_after for key in config.trust.keys):
        log_event(log, "trust.no_valid_key", logging.WARNING, configured=len(config.trust.keys),
                  detail="every downlink message will be refused; list the central's current key in [[trust.keys]]")


_DEVICE_METRICS = ("kind", "connected", "frames_ok", "frames_rejected", "bytes_discarded", "reconnects")
PRIORITY_METRICS = 6  # the least urgent: first to be shed over the disk budget


@dataclass(frozen=True)
class UplinkLane:
    """What the uplink reads of the lane for its ``lane.metrics`` event (the wiring builds it)."""

    store: LaneStore
    status: Callable[[], dict]  # the lane's status: counters and each device's health
    watchlist_version: Callable[[], int | None]  # the central says which lanes are behind


class UplinkPlugin:
    """Daemon plugin: the first tick starts the link's task; ``aclose`` stops it cleanly (presence ``stopped``).

    Every ``metrics_every_s`` it also queues a ``lane.metrics`` event: the central sees the lane's health,
    and a steady stream of sequence numbers, so even the newest events lost upstream show as a gap."""

    def __init__(self, link: SyncLink, lane: UplinkLane, metrics_every_s: float = 60.0):
        self.link, self.lane, self.metrics_every_s = link, lane, metrics_every_s
        self._next_metrics = time.monotonic()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._downlink_totals: tuple[PersistedCounters, PersistedCounters] | None = None

    async def tick(self) -> None:
        now = time.monotonic()
        if now >= self._next_metrics:
            self._next_metrics = now + self.metrics_every_s
            self.queue_metrics()
        if self._task is None:
            self._task = asyncio.create_task(self.link.run(self._stop), name="sync-link")
        elif self._task.done() and not self._task.cancelled() and not self._stop.is_set():
            # run() stopped the client on its way out; a new run() reconnects with the same session.
            log_event(log, "link.crashed", logging.ERROR, error=repr(self._task.exception()))
            self._task = asyncio.create_task(self.link.run(self._stop), name="sync-link")

    def queue_metrics(self) -> None:
        """One ``lane.metrics`` outbox row: lane counters, device health, uplink and downlink counters."""
        lane = self.lane
        status = lane.status()
        devices = {name: {key: health.get(key) for key in _DEVICE_METRICS}
                   for name, health in status["devices"].items()}
        usage, now = self.link.outbox.usage(), datetime.now(UTC)
        payload = {"lane": status["lane"], "at": now.isoformat(), "stats": status["stats"],
                   "watchlist": {"version": lane.watchlist_version()},
                   "devices": devices, "outbox": {"pending": usage.pending_rows, "sent": usage.sent_rows},
                   "uplink": vars(self.link.uplink.stats), "link": vars(self.link.stats)}
        if self._downlink_totals is None:
            self._downlink_totals = (PersistedCounters(lane.store, "downlink.accepted."),
                                     PersistedCounters(lane.store, "downlink.rejected."))
        accepted, rejected = self._downlink_totals
        with lane.store.transaction() as tx:  # the totals and the row that reports them commit together
            payload["downlink"] = {"accepted": accepted.save(tx, self.link.downlink.accepted),
                                   "rejected": rejected.save(tx, self.link.downlink.rejected)}
            payload["audit_head"] = audit_repo.head(tx)  # the anchor: a later cut shows upstream
            tx.outbox(now, "lane.metrics", payload, PRIORITY_METRICS)

    def status(self) -> dict[str, object]:
        """For the booth's status strip and `garita devices`: connected or not, and reconnect counts."""
        stats = self.link.stats
        state = "connected" if self.link.connected() else ("connecting" if self._task else "off")
        return {"state": state, "connects": stats.connects, "disconnects": stats.disconnects,
                "connect_failures": stats.connect_failures, "subscriptions_refused": stats.subscriptions_refused}

    async def aclose(self) -> None:
        self._stop.set()
        if self._task is not None:
            await asyncio.wait_for(asyncio.shield(self._task), 10)


def bench_sync(events: int = 20_000, batch_max_events: int = 500, runs: int = 3,
               samples: int = 200) -> SyncBench:
    """``garita bench sync``: a throwaway lane database with ``events`` reads in its outbox, drained."""
    import tempfile
    from pathlib import Path

    from garita.station.bench.sync_link import run_bench
    from garita.station.storage.database import open_database

    with tempfile.TemporaryDirectory(prefix="garita-bench-lane-") as tmp:
        store = LaneStore(open_database(Path(tmp)))
        now = datetime.now(UTC)
        with store.transaction() as tx:
            for number in range(events):
                tx.outbox(now, "read", {"lane": "bench", "crossing_id": f"c{number // 5}", "device": "rfid-1",
                                        "kind": "rfid", "value": f"E200341201{number:014d}", "read_id": number})

        def add_live() -> None:
            with store.transaction() as tx:
                tx.outbox(datetime.now(UTC), "decision", {"lane": "bench", "action": "release"}, 1)

        batches = sorted({1, batch_max_events})  # event by event, and batched: both ways for both
        result = run_bench(LaneStoreOutbox(store), LaneTopics("0000", "bench"), add_live, batches=batches,
                           runs=runs, latency_samples=samples)
        store.db.conn.close()
        return result
