"""Prometheus metrics of one lane: what the lane counts as it runs, and what a scrape reads fresh.

Counters that only the running process sees (reads by device and kind, recognition latency) are
prometheus-client metrics updated as things happen. Everything else is read when Prometheus
scrapes: device health (thread-safe snapshots), the database (its own read-only connection, so a
scrape never waits on the lane's writes) and a small view of loop-side state that the daemon
refreshes each tick (watchlist, link, downlink, readiness).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from garita.station.storage import readonly

# Plate/container reads take 50 ms to a few seconds of CPU per frame on a lane PC.
LATENCY_BUCKETS = (0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
HEALTH_STATES = ("healthy", "degraded", "down")
LINK_STATES = ("connected", "connecting", "off")


class LoopView:
    """Loop-side state copied once a tick; the scrape thread only reads the latest copy."""

    def __init__(self) -> None:
        self.readiness: dict[str, Any] | None = None
        self.watchlist: dict[str, Any] = {}
        self.uplink: dict[str, Any] | None = None
        self.downlink: dict[str, dict[str, int]] = {}
        self.stats: dict[str, int] = {}
        self.webhook: dict[str, Any] | None = None
        self.ticked_at = time.monotonic()


class LaneMetrics:
    """The lane's registry: event counters plus :class:`LaneCollector` for scrape-time values."""

    def __init__(self, lane_id: str, data_dir: Path, health: Callable[[], dict[str, dict[str, Any]]],
                 kinds: dict[str, str], session_max_s: float):
        disable_created_metrics()  # *_created series double what Prometheus stores and nobody graphs them
        self.registry = CollectorRegistry(auto_describe=False)
        self.view = LoopView()
        self.reads = Counter("garita_reads", "Reads recorded, by device and kind of read", ["device", "kind"],
                             registry=self.registry)
        self.recognition = Histogram("garita_recognition_seconds", "Time to read one image, by what was read",
                                     ["kind"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.registry.register(LaneCollector(lane_id, data_dir, health, kinds, self.view, session_max_s))

    def on_event(self, event: str, detail: dict[str, Any]) -> None:
        """Daemon listener: counts each recorded read."""
        if event == "read.recorded":
            self.reads.labels(detail.get("device", "?"), detail.get("kind", "?")).inc()

    def observe_recognition(self, kind: str, seconds: float) -> None:
        self.recognition.labels(kind).observe(seconds)


def _gauge(name: str, doc: str, value: float | None, labels: dict[str, str] | None = None) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=list(labels or {}))
    if value is not None:
        family.add_metric(list((labels or {}).values()), value)
    return family


class LaneCollector(Collector):
    """Values read at scrape time; each group is independent, so one failing leaves the rest."""

    def __init__(self, lane_id: str, data_dir: Path, health: Callable[[], dict[str, dict[str, Any]]],
                 kinds: dict[str, str], view: LoopView, session_max_s: float):
        self.lane_id, self.data_dir, self.health, self.kinds = lane_id, data_dir, health, kinds
        self.view, self.session_max_s = view, session_max_s
        self._conn: sqlite3.Connection | None = None
        self.failures = 0

    def collect(self) -> Iterator[Metric]:
        yield _gauge("garita_lane_info", "The lane this process runs", 1, {"lane": self.lane_id})
        for group in (self._devices, self._lane_state, self._database, self._watchlist, self._link, self._webhook):
            try:
                yield from group()
            except Exception:  # a scrape shows what it can; the counter shows what it could not
                self.failures += 1
                self._conn = None
        yield CounterMetricFamily("garita_scrape_failures", "Metric groups that could not be read at a scrape",
                                  value=self.failures)

    def _devices(self) -> Iterator[Metric]:
        labels = ["device", "kind"]
        up = GaugeMetricFamily("garita_device_connected", "1 when the device is connected", labels=labels)
        frames = CounterMetricFamily("garita_device_frames", "Frames from the device, by result",
                                     labels=[*labels, "result"])
        noise = CounterMetricFamily("garita_device_noise_bytes", "Bytes discarded as line noise", labels=labels)
        reconnects = CounterMetricFamily("garita_device_reconnects", "Times the device was lost", labels=labels)
        for name, snap in sorted(self.health().items()):
            key = [name, self.kinds.get(name, "?")]
            up.add_metric(key, 1 if snap["connected"] else 0)
            frames.add_metric([*key, "ok"], snap["frames_ok"])
            frames.add_metric([*key, "rejected"], snap["frames_rejected"])
            noise.add_metric(key, snap["bytes_discarded"])
            reconnects.add_metric(key, snap["reconnects"])
        yield from (up, frames, noise, reconnects)

    def _lane_state(self) -> Iterator[Metric]:
        view = self.view
        yield CounterMetricFamily("garita_reads_failed", "Reads that could not be stored",
                                  value=view.stats.get("reads_failed", 0))
        yield _gauge("garita_loop_tick_age_seconds", "Seconds since the lane's event loop last ticked",
                     time.monotonic() - view.ticked_at)
        readiness = view.readiness or {}
        yield _gauge("garita_ready", "1 when /readyz says ready", 1 if readiness.get("ready") else 0)
        state = GaugeMetricFamily("garita_health_state", "The lane's health (1 for the current state)",
                                  labels=["state"])
        for name in HEALTH_STATES:
            state.add_metric([name], 1 if readiness.get("state") == name else 0)
        yield state

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:  # opened in the scrape thread, which is the only one using it
            self._conn = readonly.connect_readonly(self.data_dir)
        return self._conn

    def _database(self) -> Iterator[Metric]:
        conn = self._db()
        crossings = GaugeMetricFamily("garita_crossings", "Crossings not yet decided, by state", labels=["state"])
        by_state = readonly.undecided_by_state(conn)
        for name in ("open", "flagged_idle"):
            crossings.add_metric([name], by_state.get(name, 0))
        yield crossings
        yield _gauge("garita_crossings_awaiting_decision", "Crossings queued for an officer's decision",
                     sum(by_state.values()))
        yield CounterMetricFamily("garita_crossings_opened", "Crossings ever opened in this database",
                                  value=readonly.crossings_total(conn))
        yield from self._decisions(conn)
        yield from self._outbox(conn)
        yield from self._sessions(conn)

    def _decisions(self, conn: sqlite3.Connection) -> Iterator[Metric]:
        family = CounterMetricFamily("garita_decisions", "Decisions recorded, by action and whether they "
                                     "overrode the recommendation", labels=["action", "override"])
        for action, override, count in readonly.decision_counts(conn):
            family.add_metric([action, "true" if override else "false"], count)
        yield family

    def _outbox(self, conn: sqlite3.Connection) -> Iterator[Metric]:
        depth, oldest = readonly.outbox_pending(conn)
        yield _gauge("garita_outbox_pending_rows", "Events waiting to go upstream", depth)
        age = time.time() - datetime.fromisoformat(oldest).timestamp() if oldest else 0.0
        yield _gauge("garita_outbox_oldest_pending_age_seconds", "Age of the oldest event not yet sent", max(age, 0))

    def _sessions(self, conn: sqlite3.Connection) -> Iterator[Metric]:
        family = GaugeMetricFamily("garita_booth_sessions", "Booth sign-ins not yet expired", labels=["locked"])
        rows = readonly.booth_sessions(conn, time.time() - self.session_max_s)
        family.add_metric(["false"], rows.get(False, 0))
        family.add_metric(["true"], rows.get(True, 0))
        yield family

    def _watchlist(self) -> Iterator[Metric]:
        meta = self.view.watchlist
        yield _gauge("garita_watchlist_version", "Version of the watchlist in use", meta.get("version"))
        updated_ms = meta.get("updated_ms")
        age = time.time() - updated_ms / 1000 if updated_ms else None
        yield _gauge("garita_watchlist_age_seconds", "Seconds since the central built the watchlist in use", age)
        stale_after = meta.get("stale_after_s")
        yield _gauge("garita_watchlist_stale", "1 when there is no watchlist or it is older than stale_after_h",
                     1 if age is None or (stale_after is not None and age > stale_after) else 0)

    def _webhook(self) -> Iterator[Metric]:
        hook = self.view.webhook
        if hook is None:
            return
        yield CounterMetricFamily("garita_webhook_delivered", "Events the webhook receiver accepted",
                                  value=hook["delivered"])
        yield CounterMetricFamily("garita_webhook_failures", "Webhook attempts refused or unanswered",
                                  value=hook["failures"])
        yield _gauge("garita_webhook_pending", "Events waiting for the webhook receiver", hook["pending"])

    def _link(self) -> Iterator[Metric]:
        uplink = self.view.uplink or {"state": "off"}
        state = GaugeMetricFamily("garita_link_state", "The MQTT link to the central (1 for the current state)",
                                  labels=["state"])
        for name in LINK_STATES:
            state.add_metric([name], 1 if uplink.get("state") == name else 0)
        yield state
        for key in ("connects", "disconnects", "connect_failures", "subscriptions_refused"):
            yield CounterMetricFamily(f"garita_link_{key}", f"MQTT link {key.replace('_', ' ')}",
                                      value=uplink.get(key, 0))
        downlink = CounterMetricFamily("garita_downlink_messages", "Downlink messages, by result and reason",
                                       labels=["result", "reason"])
        for result, counts in sorted(self.view.downlink.items()):
            for reason, count in sorted(counts.items()):
                downlink.add_metric([result, reason], count)
        yield downlink
