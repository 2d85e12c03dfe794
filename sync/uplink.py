"""Outbox -> broker: live messages first, the backlog at a bounded rate, rows kept until PUBACK.

Delivery is at-least-once on the wire and exactly-once at the consumer, which drops repeats by
message id: a row is only marked sent after the broker acknowledged it, so a crash or outage
between PUBLISH and PUBACK can only cause a repeat, never a loss.

Everything here runs on one owner thread (the lane's event loop); only ``on_puback`` is called from
the MQTT network thread, and it just queues the acknowledgement.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from garita.sync.envelope import BATCH_KIND, encode_batch, encode_event
from garita.sync.outbox import OutboxRow, OutboxSource
from garita.sync.ratelimit import TokenBucket
from garita.sync.topics import LaneTopics


class Publisher(Protocol):
    """The MQTT side as the uplink sees it (the link implements it with paho)."""

    def connected(self) -> bool: ...

    def publish(self, topic: str, payload: bytes, *, expiry_s: int | None = None, compressed: bool = False) -> int:
        """Publish with QoS 1; returns the message id that ``on_puback`` will report."""
        ...


@dataclass(frozen=True)
class UplinkSettings:
    max_inflight: int = 64  # MQTT messages awaiting PUBACK
    batch_max_events: int = 200  # backlog events per MQTT message; 1 turns batching off
    compress: bool = True
    backlog_rate_per_s: float = 2000.0  # events/s drained from the backlog
    live_max_priority: int = 1  # outbox priorities at or below this jump the queue (alerts 0, decisions 1)
    alert_kinds: tuple[str, ...] = ("alert",)
    alert_expiry_s: int = 300  # an alert older than this is stale: sent as a record, not as an alarm


@dataclass
class UplinkStats:
    published_events: int = 0
    published_messages: int = 0
    acked_events: int = 0
    refused_events: int = 0
    stale_alerts: int = 0
    resent_events: int = 0  # requeued at the central's request


@dataclass
class _Flight:
    ids: list[str]
    first_seq: int
    live: bool


@dataclass
class _Acks:
    queue: deque[tuple[int, bool]] = field(default_factory=deque)  # deque append/popleft are thread-safe


class Uplink:
    """Moves rows from the outbox to the broker; call ``pump`` whenever something may have changed."""

    def __init__(self, outbox: OutboxSource, topics: LaneTopics, publisher: Publisher,
                 settings: UplinkSettings | None = None, clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.outbox, self.topics, self.publisher = outbox, topics, publisher
        self.settings = settings or UplinkSettings()
        self.wall_clock = wall_clock
        self.stats = UplinkStats()
        # Burst: one batch, or a tenth of a second's worth, so unbatched sending is not one event per wake-up.
        burst = max(1.0, self.settings.batch_max_events, self.settings.backlog_rate_per_s / 10)
        self._bucket = TokenBucket(self.settings.backlog_rate_per_s, burst, clock)
        self._flights: dict[int, _Flight] = {}
        self._inflight_ids: set[str] = set()
        self._acks = _Acks()
        self._cursor = 0  # highest backlog seq handed to MQTT; rewound when the broker refuses one
        self._reserve = max(1, self.settings.max_inflight // 4)  # window slots only live messages may use

    @property
    def inflight(self) -> int:
        return len(self._flights)

    def on_puback(self, mid: int, ok: bool) -> None:
        """From the network thread: the broker acknowledged (or refused) message ``mid``."""
        self._acks.queue.append((mid, ok))

    def pump(self) -> int:
        """Settle acknowledgements, then publish what the window and rate allow; returns events published."""
        self._settle()
        if not self.publisher.connected():
            return 0
        return self._send_live() + self._send_backlog()

    def resend(self, ranges: list[tuple[int, int]]) -> tuple[int, int]:
        """Publish these sequence ranges again (the central asked); returns (requeued, no longer held).

        Rows still pending or in flight need nothing; rows pruned since are reported, not invented."""
        requeued = missing = 0
        for first, last in ranges:
            first, last = min(first, last), max(first, last)
            again, held = self.outbox.requeue(first, last)
            requeued += again
            missing += (last - first + 1) - held
            if again:
                self._cursor = min(self._cursor, first - 1)
        self.stats.resent_events += requeued
        return requeued, missing

    def _settle(self) -> None:
        acked: list[str] = []
        while self._acks.queue:
            mid, ok = self._acks.queue.popleft()
            flight = self._flights.pop(mid, None)
            if flight is None:
                continue  # presence or another non-outbox publish
            self._inflight_ids.difference_update(flight.ids)
            if ok:
                acked.extend(flight.ids)
            else:
                self.stats.refused_events += len(flight.ids)
                if not flight.live:
                    self._cursor = min(self._cursor, flight.first_seq - 1)
        if acked:
            self.outbox.mark_sent(acked, self.wall_clock().isoformat())
            self.stats.acked_events += len(acked)

    def _send_live(self) -> int:
        room = self.settings.max_inflight - len(self._flights)
        if room <= 0:
            return 0
        rows = self.outbox.pending(room + len(self._inflight_ids), max_priority=self.settings.live_max_priority)
        rows = [row for row in rows if row.id not in self._inflight_ids][:room]
        for row in rows:
            self._publish_one(row, live=True)
        return len(rows)

    def _send_backlog(self) -> int:
        sent = 0
        while True:
            room = self.settings.max_inflight - self._reserve - len(self._flights)
            budget = min(math.floor(self._bucket.available()), self.settings.batch_max_events)
            if room <= 0 or budget <= 0:
                return sent
            raw = self.outbox.pending(budget, after_seq=self._cursor, min_priority=self.settings.live_max_priority + 1)
            if not raw:
                return sent
            self._cursor = raw[-1].seq
            rows = [row for row in raw if row.id not in self._inflight_ids]
            if rows:
                self._bucket.take(len(rows))
                self._publish_backlog(rows)
                sent += len(rows)

    def _publish_backlog(self, rows: list[OutboxRow]) -> None:
        if len(rows) == 1 or self.settings.batch_max_events <= 1:
            for row in rows:
                self._publish_one(row, live=False)
            return
        payload = encode_batch(rows, self.topics.port, self.topics.lane, self.settings.compress)
        mid = self.publisher.publish(self.topics.up(BATCH_KIND), payload, compressed=self.settings.compress)
        self._track(mid, rows, live=False)

    def _publish_one(self, row: OutboxRow, live: bool) -> None:
        expiry, stale = self._alert_expiry(row)
        payload = encode_event(row, self.topics.port, self.topics.lane, stale=stale)
        mid = self.publisher.publish(self.topics.up(row.kind), payload, expiry_s=expiry)
        self._track(mid, [row], live)

    def _track(self, mid: int, rows: list[OutboxRow], live: bool) -> None:
        ids = [row.id for row in rows]
        self._flights[mid] = _Flight(ids, rows[0].seq, live)
        self._inflight_ids.update(ids)
        self.stats.published_messages += 1
        self.stats.published_events += len(rows)

    def _alert_expiry(self, row: OutboxRow) -> tuple[int | None, bool]:
        """(MQTT message expiry, stale): a late alarm would be wrong, a late record is still needed."""
        if row.kind not in self.settings.alert_kinds:
            return None, False
        created = datetime.fromisoformat(row.created_at)
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        remaining = self.settings.alert_expiry_s - (self.wall_clock() - created).total_seconds()
        if remaining <= 0:
            self.stats.stale_alerts += 1
            return None, True
        return math.ceil(remaining), False
