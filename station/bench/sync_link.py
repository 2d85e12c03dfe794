"""``garita bench sync``: outbox -> local broker -> consumer, against a bare paho loop of the same messages.

The caller fills an outbox (the station does, with its real database); this module starts a private
Mosquitto on loopback unless given a broker. Each batch size is measured both ways, several runs each:
ours drains the outbox through :class:`SyncLink`; the baseline publishes the same rows, held in memory,
encoded and batched the same way, with the same window of messages in flight. A fresh :class:`Central`
consumes (and dedups) every run of both, so the two share the broker, the consumer and the process.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from garita.sync.broker import MosquittoProcess
from garita.sync.central import Central
from garita.sync.central.store_sqlite import SqliteStore
from garita.sync.envelope import BATCH_KIND, encode_batch, encode_event
from garita.sync.link import BrokerSettings, LinkSettings, SyncLink
from garita.sync.outbox import OutboxRow, OutboxSource, OutboxUsage
from garita.sync.signing import KeyRing
from garita.sync.topics import UPLINK_WILDCARD, LaneTopics
from garita.sync.uplink import UplinkSettings

MAX_INFLIGHT = 64
BACKLOG_WINDOW = MAX_INFLIGHT - max(1, MAX_INFLIGHT // 4)  # the uplink keeps a quarter for live messages
DIFFERS = ("ours reads each row from SQLite, marks it sent after its PUBACK and keeps per-message bookkeeping; "
           "the baseline publishes the same rows from memory; both encode, batch and compress the same way, "
           "with {window} messages in flight, QoS 1, one broker, one consumer")


@dataclass(frozen=True)
class Spread:
    """One figure over several runs."""

    median: float
    min: float
    max: float

    @staticmethod
    def of(values: Sequence[float]) -> Spread:
        return Spread(round(statistics.median(values), 1), round(min(values), 1), round(max(values), 1))


@dataclass(frozen=True)
class Setting:
    """One batch size, ours and the baseline, over ``runs`` runs."""

    batch: int
    ours_events_per_s: Spread
    baseline_events_per_s: Spread
    ours_us_per_event: float
    baseline_us_per_event: float
    sqlite_us_per_event: float  # of ours: reading rows and marking them sent
    sqlite_share: float  # of ours' time per event, the part spent in SQLite
    lost: int
    duplicates_at_consumer: int


@dataclass(frozen=True)
class SyncBench:
    events: int
    runs: int
    settings: list[Setting]
    latency_samples: int
    live_puback_ms_median: float
    live_puback_ms_p95: float | None
    baseline_puback_ms_median: float
    baseline_puback_ms_p95: float | None
    differs: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class TimedOutbox:
    """The outbox as the uplink sees it, adding up the seconds spent in its SQLite reads and writes."""

    def __init__(self, inner: OutboxSource):
        self.inner, self.seconds = inner, 0.0

    def pending(self, limit: int, *, after_seq: int = 0, min_priority: int | None = None,
                max_priority: int | None = None) -> list[OutboxRow]:
        started = time.perf_counter()
        try:
            return self.inner.pending(limit, after_seq=after_seq, min_priority=min_priority,
                                      max_priority=max_priority)
        finally:
            self.seconds += time.perf_counter() - started

    def mark_sent(self, ids: Sequence[str], sent_at: str) -> None:
        started = time.perf_counter()
        try:
            self.inner.mark_sent(ids, sent_at)
        finally:
            self.seconds += time.perf_counter() - started

    def prune_sent(self, sent_before: str) -> int:
        return self.inner.prune_sent(sent_before)

    def requeue(self, first_seq: int, last_seq: int) -> tuple[int, int]:
        return self.inner.requeue(first_seq, last_seq)

    def usage(self) -> OutboxUsage:
        return self.inner.usage()

    def shed_pending(self, keep_kinds: Sequence[str], max_rows: int) -> int:
        return self.inner.shed_pending(keep_kinds, max_rows)


def run_bench(outbox: OutboxSource, topics: LaneTopics, add_live: Callable[[], None], *,
              broker: BrokerSettings | None = None, batches: Sequence[int] = (1, 500), runs: int = 3,
              latency_samples: int = 200) -> SyncBench:
    """Drain ``outbox`` (already filled) ``runs`` times per batch size, both ways; ``add_live`` adds a decision."""
    with tempfile.TemporaryDirectory(prefix="garita-bench-sync-") as tmp:
        work = Path(tmp)
        process = None
        if broker is None:
            process = MosquittoProcess(work / "broker")
            process.start()
            broker = BrokerSettings("127.0.0.1", process.port, "bench-lane", reconnect_min_s=0.05)
        try:
            bench = _Bench(TimedOutbox(outbox), topics, broker, work)
            settings = [bench.setting(batch, runs) for batch in batches]
            live = bench.live_latencies(add_live, latency_samples)
            base = bench.baseline_latencies(latency_samples)
        finally:
            if process is not None:
                process.stop()
    return SyncBench(bench.total, runs, settings, latency_samples, *_median_p95(live), *_median_p95(base),
                     DIFFERS.format(window=BACKLOG_WINDOW))


class _Bench:
    def __init__(self, outbox: TimedOutbox, topics: LaneTopics, broker: BrokerSettings, work: Path):
        self.outbox, self.topics, self.broker, self.work = outbox, topics, broker, work
        self.rows = outbox.pending(outbox.usage().pending_rows)
        self.total = len(self.rows)
        self._centrals = 0

    def setting(self, batch: int, runs: int) -> Setting:
        ours, sqlite_s, base, lost, dups = [], [], [], 0, 0
        for _ in range(runs):
            drain_s, in_sqlite, run_lost, run_dups = self._ours(batch)
            ours.append(drain_s)
            sqlite_s.append(in_sqlite)
            base_s, base_lost, base_dups = self._baseline(batch)
            base.append(base_s)
            lost, dups = max(lost, run_lost, base_lost), max(dups, run_dups, base_dups)
        ours_us, base_us = (statistics.median(s) / self.total * 1e6 for s in (ours, base))
        sqlite_us = statistics.median(sqlite_s) / self.total * 1e6
        return Setting(batch, Spread.of([self.total / s for s in ours]), Spread.of([self.total / s for s in base]),
                       round(ours_us, 1), round(base_us, 1), round(sqlite_us, 1), round(sqlite_us / ours_us, 2),
                       lost, dups)

    def _central(self) -> Central:
        self._centrals += 1
        central = Central(replace(self.broker, client_id=f"bench-central-{self._centrals}"),
                          SqliteStore(self.work / f"central-{self._centrals}.db"), Ed25519PrivateKey.generate(),
                          "bench")
        central.start()
        return central

    def _received(self, central: Central) -> tuple[int, int]:
        """(lost, duplicates) once the consumer has everything, or gave up waiting."""
        central.wait_until(lambda: central.store.count() >= self.total, 120)
        lost, dups = self.total - central.store.count(), central.store.duplicates
        central.stop()
        central.store.close()
        return lost, dups

    def _ours(self, batch: int) -> tuple[float, float, int, int]:
        """One drain of the whole outbox through the link: (seconds, seconds in SQLite, lost, duplicates)."""
        central = self._central()
        settings = LinkSettings(broker=self.broker, uplink=UplinkSettings(
            max_inflight=MAX_INFLIGHT, batch_max_events=batch, backlog_rate_per_s=1e9), poll_s=0.05)
        link = SyncLink(settings, self.topics, self.outbox, KeyRing(), lambda _v: None)
        link.start()
        try:
            _pump(link, link.connected)
            self.outbox.seconds = 0.0
            started = time.perf_counter()
            _pump(link, lambda: not self.outbox.inner.pending(1) and link.uplink.inflight == 0)  # (not timed)
            drain_s, in_sqlite = time.perf_counter() - started, self.outbox.seconds
        finally:
            link.stop()
        lost, dups = self._received(central)
        self.outbox.requeue(self.rows[0].seq, self.rows[-1].seq)  # pending again for the next run
        return drain_s, in_sqlite, lost, dups

    def _baseline(self, batch: int) -> tuple[float, int, int]:
        central = self._central()
        client = _BareClient(self.broker)
        try:
            started = time.perf_counter()
            for start in range(0, self.total, batch):
                chunk = self.rows[start : start + batch]
                if len(chunk) == 1:
                    client.publish(self.topics.up(chunk[0].kind), encode_event(chunk[0], self.topics.port,
                                                                             self.topics.lane), False)
                else:
                    client.publish(self.topics.up(BATCH_KIND), encode_batch(chunk, self.topics.port,
                                                                          self.topics.lane), True)
            client.wait_all()
            elapsed = time.perf_counter() - started
        finally:
            client.close()
        return (elapsed, *self._received(central))

    def live_latencies(self, add_live: Callable[[], None], samples: int) -> list[float]:
        """Commit of a decision row -> its PUBACK recorded in the outbox, ``samples`` times."""
        settings = LinkSettings(broker=self.broker, uplink=UplinkSettings(max_inflight=MAX_INFLIGHT), poll_s=0.05)
        link = SyncLink(settings, self.topics, self.outbox, KeyRing(), lambda _v: None)
        link.start()
        try:
            _pump(link, lambda: link.connected() and not self.outbox.pending(1) and link.uplink.inflight == 0)
            return [_live_puback_ms(link, add_live) for _ in range(samples)]
        finally:
            link.stop()

    def baseline_latencies(self, samples: int) -> list[float]:
        """One event published, its PUBACK awaited, ``samples`` times."""
        client = _BareClient(self.broker)
        try:
            row = self.rows[0]
            payload = encode_event(row, self.topics.port, self.topics.lane)
            return [client.publish_and_wait(self.topics.up(row.kind), payload) for _ in range(samples)]
        finally:
            client.close()


class _BareClient:
    """One paho client publishing QoS 1 with the link's window and properties, nothing else."""

    def __init__(self, broker: BrokerSettings):
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-bare", protocol=mqtt.MQTTv5)
        self.client.max_inflight_messages_set(BACKLOG_WINDOW)
        self.client.max_queued_messages_set(0)
        self.published = self.acked = 0
        self._lock, self._done = threading.Lock(), threading.Event()
        # paho's message ids wrap at 65535: a loop may not have more queued than that, or publishes are dropped.
        self._room = threading.BoundedSemaphore(20_000)
        connected = threading.Event()
        self.client.on_publish = self._on_publish
        self.client.on_connect = lambda *_args: connected.set()
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()
        if not connected.wait(10):  # publishing before CONNACK makes paho queue everything at once
            raise TimeoutError("sync bench: the bare client could not connect")

    def _on_publish(self, *_args: object) -> None:
        self._room.release()
        with self._lock:
            self.acked += 1
            if self.acked >= self.published:
                self._done.set()

    def publish(self, topic: str, payload: bytes, compressed: bool) -> mqtt.MQTTMessageInfo:
        properties = Properties(PacketTypes.PUBLISH)
        if compressed:
            properties.UserProperty = [("content-encoding", "zlib")]
        else:
            properties.PayloadFormatIndicator = 1
        self._room.acquire()
        with self._lock:
            self.published += 1
            self._done.clear()
        return self.client.publish(topic, payload, qos=1, properties=properties)

    def wait_all(self, timeout_s: float = 600) -> None:
        if not self._done.wait(timeout_s):
            raise TimeoutError("sync bench: the broker stopped acknowledging the baseline")

    def publish_and_wait(self, topic: str, payload: bytes) -> float:
        started = time.perf_counter()
        self.publish(topic, payload, False).wait_for_publish(10)
        return (time.perf_counter() - started) * 1000

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _pump(link: SyncLink, condition: Callable[[], bool], timeout_s: float = 600) -> None:
    if not link.pump_until(condition, timeout_s):
        raise TimeoutError("sync bench: the link stopped making progress")


def _live_puback_ms(link: SyncLink, add_live: Callable[[], None]) -> float:
    acked = link.uplink.stats.acked_events
    started = time.perf_counter()
    add_live()
    _pump(link, lambda: link.uplink.stats.acked_events > acked)
    return (time.perf_counter() - started) * 1000


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile, or None when there are too few samples for it to be more than the maximum
    (at least five samples must lie above it)."""
    if not values or len(values) * (100 - q) / 100 < 5:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q / 100))]


def _median_p95(values: list[float]) -> tuple[float, float | None]:
    if not values:
        return 0.0, None
    p95 = percentile(values, 95)
    return round(statistics.median(values), 2), None if p95 is None else round(p95, 2)


def summary(bench: SyncBench) -> str:
    """Human-readable lines for the CLI."""
    lines = [f"{bench.events} events, {bench.runs} runs per setting (events/s: median of runs [min-max])"]
    for s in bench.settings:
        lines.append(
            f"batch {s.batch:>4}: ours {s.ours_events_per_s.median:>9.1f} [{s.ours_events_per_s.min:.1f}-"
            f"{s.ours_events_per_s.max:.1f}]  baseline {s.baseline_events_per_s.median:>9.1f} "
            f"[{s.baseline_events_per_s.min:.1f}-{s.baseline_events_per_s.max:.1f}]  per event: ours "
            f"{s.ours_us_per_event:.0f} us, baseline {s.baseline_us_per_event:.0f} us, SQLite "
            f"{s.sqlite_us_per_event:.0f} us of ours in SQLite ({s.sqlite_share:.0%})  "
            f"lost {s.lost} duplicates {s.duplicates_at_consumer}")
    p95 = lambda v: "n/a (too few samples)" if v is None else f"{v:.2f} ms"  # noqa: E731
    lines.append(f"live decision -> PUBACK over {bench.latency_samples}: ours median "
                 f"{bench.live_puback_ms_median:.2f} ms p95 {p95(bench.live_puback_ms_p95)}; baseline median "
                 f"{bench.baseline_puback_ms_median:.2f} ms p95 {p95(bench.baseline_puback_ms_p95)}")
    lines.append("  (ours commits the decision row and records its PUBACK in SQLite; the baseline only publishes)")
    lines.append(f"differs: {bench.differs}")
    return "\n".join(lines)


__all__ = ["UPLINK_WILDCARD", "SyncBench", "TimedOutbox", "percentile", "run_bench", "summary"]
