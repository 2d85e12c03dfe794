"""``garita bench sync``: outbox -> local broker -> consumer, against a bare paho loop of the same messages.

The caller fills an outbox (the station does, with its real database); this module starts a private
Mosquitto on loopback unless given a broker, drains the backlog through :class:`SyncLink` into a
:class:`Central` (which dedups and stores), and runs the baseline in the same process and broker.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.broker import MosquittoProcess
from sync.central import Central
from sync.central.store_sqlite import SqliteStore
from sync.envelope import encode_event
from sync.link import BrokerSettings, LinkSettings, SyncLink
from sync.outbox import OutboxSource
from sync.topics import UPLINK_WILDCARD, LaneTopics
from sync.uplink import UplinkSettings


@dataclass(frozen=True)
class SyncBench:
    events_per_s: float
    baseline_events_per_s: float
    backlog_events: int
    backlog_drain_s: float
    baseline_drain_s: float
    lost: int
    duplicates_at_consumer: int
    batch_max_events: int
    live_puback_ms_median: float
    live_puback_ms_p95: float
    baseline_puback_ms_median: float
    baseline_puback_ms_p95: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def run_bench(outbox: OutboxSource, topics: LaneTopics, add_live: Callable[[], None], *,
              broker: BrokerSettings | None = None, batch_max_events: int = 500,
              latency_samples: int = 200) -> SyncBench:
    """Drain ``outbox`` (already filled) and measure; ``add_live`` writes one decision row to it."""
    with tempfile.TemporaryDirectory(prefix="garita-bench-sync-") as tmp:
        work = Path(tmp)
        process = None
        if broker is None:
            process = MosquittoProcess(work / "broker")
            process.start()
            broker = BrokerSettings("127.0.0.1", process.port, "bench-lane", reconnect_min_s=0.05)
        try:
            return _measure(outbox, topics, add_live, broker, work, batch_max_events, latency_samples)
        finally:
            if process is not None:
                process.stop()


def _measure(outbox: OutboxSource, topics: LaneTopics, add_live: Callable[[], None], broker: BrokerSettings,
             work: Path, batch_max_events: int, samples: int) -> SyncBench:
    total = outbox.usage().pending_rows
    payloads = [encode_event(row, topics.port, topics.lane) for row in outbox.pending(total)]
    baseline_s, baseline_lat = _bare_paho(broker, topics, payloads, samples)
    central = Central(replace(broker, client_id="bench-central"), SqliteStore(work / "central.db"),
                      Ed25519PrivateKey.generate(), "bench")
    central.start()
    settings = LinkSettings(broker=broker, uplink=UplinkSettings(
        max_inflight=64, batch_max_events=batch_max_events, backlog_rate_per_s=1e9), poll_s=0.05)
    link = SyncLink(settings, topics, outbox, {}, lambda _v: None)
    link.start()
    try:
        _pump(link, link.connected)
        started = time.perf_counter()
        _pump(link, lambda: not outbox.pending(1) and link.uplink.inflight == 0)
        drain_s = time.perf_counter() - started
        central.wait_until(lambda: central.store.count() >= total, 60)
        received = central.store.count()
        latencies = [_live_puback_ms(link, add_live) for _ in range(samples)]
    finally:
        link.stop()
        central.stop()
    lost, dups = total - received, central.store.duplicates
    central.store.close()
    return SyncBench(round(total / drain_s, 1), round(total / baseline_s, 1), total, round(drain_s, 3),
                     round(baseline_s, 3), lost, dups, batch_max_events, *_median_p95(latencies),
                     *_median_p95(baseline_lat))


def _pump(link: SyncLink, condition: Callable[[], bool], timeout_s: float = 600) -> None:
    if not link.pump_until(condition, timeout_s):
        raise TimeoutError("sync bench: the link stopped making progress")


def _live_puback_ms(link: SyncLink, add_live: Callable[[], None]) -> float:
    """Commit of a decision row -> its PUBACK recorded in the outbox."""
    acked = link.uplink.stats.acked_events
    started = time.perf_counter()
    add_live()
    _pump(link, lambda: link.uplink.stats.acked_events > acked)
    return (time.perf_counter() - started) * 1000


def _bare_paho(broker: BrokerSettings, topics: LaneTopics, payloads: list[bytes], samples: int
               ) -> tuple[float, list[float]]:
    """The practical ceiling of one client: publish every message QoS 1 and wait for all PUBACKs."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-bare", protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(64)
    client.max_queued_messages_set(0)
    done, acked, lock = threading.Event(), [0], threading.Lock()
    # paho's message ids wrap at 65535: a loop may not have more queued than that, or publishes are dropped.
    room = threading.BoundedSemaphore(20_000)

    def on_publish(*_args: object) -> None:
        room.release()
        with lock:
            acked[0] += 1
            if acked[0] >= len(payloads):
                done.set()

    connected = threading.Event()
    client.on_publish = on_publish
    client.on_connect = lambda *_args: connected.set()
    client.connect(broker.host, broker.port)
    client.loop_start()
    if not connected.wait(10):  # publishing before CONNACK makes paho queue everything at once
        raise TimeoutError("sync bench: the bare client could not connect")
    topic = topics.up("read")
    started = time.perf_counter()
    for payload in payloads:
        room.acquire()
        client.publish(topic, payload, qos=1)
    done.wait(600)
    elapsed = time.perf_counter() - started
    latencies = []
    for payload in payloads[:samples]:
        room.acquire()
        begin = time.perf_counter()
        client.publish(topic, payload, qos=1).wait_for_publish(10)
        latencies.append((time.perf_counter() - begin) * 1000)
    client.disconnect()
    client.loop_stop()
    return elapsed, latencies


def _median_p95(values: list[float]) -> tuple[float, float]:
    if not values:
        return 0.0, 0.0
    ordered = sorted(values)
    return round(statistics.median(ordered), 2), round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 2)


__all__ = ["UPLINK_WILDCARD", "SyncBench", "run_bench"]
