"""The central side, for demos and tests: signs and publishes downlink, stores the lanes' uplink once.

``garita central`` (wired by the station CLI) builds a :class:`Central` from a broker, a signing key and
a SQLite path. It is also what the fault tests use as the consumer.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from sync.central_store import CentralStore
from sync.envelope import EnvelopeError, decode_uplink
from sync.gap_watch import GapWatch
from sync.link import BrokerSettings
from sync.logs import log_event
from sync.signing import sign
from sync.snapshots import total_hash
from sync.tls import client_context
from sync.topics import STATUS_WILDCARD, UPLINK_WILDCARD, lane_down, parse_status, parse_up, port_down

RESEND_EXPIRY_S = 300  # a resend request queued for a lane that is away this long is re-decided, not replayed


class Central:
    """Subscribes to every lane's uplink and status; publishes signed watchlists, declarations, commands."""

    def __init__(self, broker: BrokerSettings, store: CentralStore, key: Ed25519PrivateKey, key_id: str,
                 gap_watch: GapWatch | None = None):
        """``gap_watch``: when and how often to ask lanes to resend missing sequence ranges (None: never)."""
        self.broker, self.store, self.key, self.key_id = broker, store, key, key_id
        self.gap_watch = gap_watch
        self.rejected: Counter[str] = Counter()
        self.received_messages = 0
        self.resend_requests = 0
        self._changed = threading.Condition()
        self._subscribed = threading.Event()
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None
        self._gaps: dict[tuple[str, str], list[tuple[int, int]]] = {}
        # Per lane, every seq up to here is stored: a pass reads only what came after (a lane with a million
        # events took 0.2-0.4 s a pass, under the store lock incoming messages wait on, when rescanned whole).
        self._complete: dict[tuple[str, str], int] = {}
        self._changed_lanes: set[tuple[str, str]] = set()  # lanes that sent events since the last pass
        self._lanes_lock = threading.Lock()
        self.client = self._make_client()

    def _make_client(self) -> mqtt.Client:
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.broker.client_id, protocol=mqtt.MQTTv5)
        client.max_inflight_messages_set(1000)
        client.max_queued_messages_set(0)
        client.reconnect_delay_set(self.broker.reconnect_min_s, self.broker.reconnect_max_s)  # type: ignore[arg-type]
        if self.broker.username:
            client.username_pw_set(self.broker.username, self.broker.password)
        if self.broker.tls is not None:
            client.tls_set_context(client_context(self.broker.tls))
        client.on_connect = self._on_connect
        client.on_message = self._on_message
        client.on_subscribe = lambda *_args: self._subscribed.set()
        return client

    def start(self, timeout_s: float = 10.0) -> None:
        """Connect with a persistent session and wait until the uplink subscription is in place."""
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self.broker.session_expiry_s
        properties.ReceiveMaximum = 1000
        self.client.connect_async(self.broker.host, self.broker.port, self.broker.keepalive_s, clean_start=False,
                                  properties=properties)
        self.client.loop_start()
        if not self._subscribed.wait(timeout_s):
            raise TimeoutError("central: no SUBACK from the broker")
        if self.gap_watch is not None:
            with self._lanes_lock:  # what the store held before this run is looked at once too
                self._changed_lanes.update(self.store.lanes())
            self._stopping.clear()
            self._watcher = threading.Thread(target=self._watch_gaps, name="central-gaps", daemon=True)
            self._watcher.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join(15)
        self.client.disconnect()
        self.client.loop_stop()

    def _watch_gaps(self) -> None:
        assert self.gap_watch is not None
        interval = max(0.2, min(1.0, self.gap_watch.grace_s / 4))
        while not self._stopping.wait(interval):
            self.request_missing()

    def request_missing(self) -> None:
        """Ask each lane for the sequence ranges missing long enough."""
        if self.gap_watch is None:
            return
        with self._lanes_lock:  # only lanes that sent events since the last pass are scanned again
            changed, self._changed_lanes = self._changed_lanes, set()
        for key in changed:
            gaps, highest = self.store.scan(*key, first=self._complete.get(key, 0) + 1)
            self._gaps[key] = gaps
            self._complete[key] = gaps[0][0] - 1 if gaps else highest
        for (port, lane), gaps in self._gaps.items():
            due = self.gap_watch.due((port, lane), gaps)
            if due:
                self.publish_resend(port, lane, due)

    def _on_connect(self, client: mqtt.Client, _u: Any, _flags: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            log_event("central.refused", logging.ERROR, reason=str(reason))
            return
        client.subscribe([(UPLINK_WILDCARD, 1), (STATUS_WILDCARD, 1)])

    def _on_message(self, _client: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        # Stored before this returns, and paho acknowledges after it returns: nothing acked is unsaved.
        try:
            self._store(message.topic, message.payload)
        except (EnvelopeError, ValueError, KeyError, TypeError) as exc:
            self.rejected["malformed"] += 1
            log_event("central.rejected", logging.WARNING, topic=message.topic[:200], error=str(exc)[:200])
        with self._changed:
            self.received_messages += 1
            self._changed.notify_all()

    def _store(self, topic: str, payload: bytes) -> None:
        up = parse_up(topic)
        if up is not None:
            events = decode_uplink(up[2], payload)
            self.store.add(events)
            with self._lanes_lock:
                self._changed_lanes.update((e.port, e.lane) for e in events)
            return
        status = parse_status(topic)
        if status is not None and payload:  # an empty retained message clears presence
            state = json.loads(payload)
            self.store.set_presence(status[0], status[1], state["state"], state["at"])

    def wait_until(self, condition: Callable[[], bool], timeout_s: float = 30.0) -> bool:
        """Block until ``condition()`` holds after some message arrived (or the timeout)."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.2))
        return True

    # -- downlink ---------------------------------------------------------------------------
    def _publish(self, topic: str, kind: str, body: dict[str, Any], expires_at: str | None = None) -> None:
        info = self.client.publish(topic, sign(self.key, self.key_id, kind, body, expires_at=expires_at), qos=1)
        with contextlib.suppress(RuntimeError, ValueError):
            info.wait_for_publish(10)

    def publish_snapshot(self, port: str, entries: list[dict[str, Any]], version: int, chunk_size: int = 500) -> str:
        """A whole watchlist in signed chunks carrying the hash of all of it; returns the snapshot id."""
        snapshot_id = str(uuid.uuid4())
        chunks = [entries[i:i + chunk_size] for i in range(0, len(entries), chunk_size)] or [[]]
        digest = total_hash(entries)
        for index, chunk in enumerate(chunks):
            body = {"snapshot_id": snapshot_id, "version": version, "index": index, "count": len(chunks),
                    "total_sha256": digest, "entries": chunk}
            self._publish(port_down(port, "watchlist/snapshot"), "watchlist.snapshot.chunk", body)
        return snapshot_id

    def publish_delta(self, port: str, base_version: int, version: int, add: list[dict[str, Any]],
                      remove: list[dict[str, Any]]) -> None:
        body = {"base_version": base_version, "version": version, "add": add, "remove": remove}
        self._publish(port_down(port, "watchlist/delta"), "watchlist.delta", body)

    def publish_declaration(self, port: str, declaration_id: str, kind: str, data: dict[str, Any]) -> None:
        body = {"declaration_id": declaration_id, "type": kind, "data": data}
        self._publish(port_down(port, "declaration"), "declaration", body)

    def publish_command(self, port: str, lane: str | None, command: str, args: dict[str, Any] | None = None,
                        expires_in_s: float | None = 3600) -> None:
        """A lane command (``lane=None``: every lane of the port); it expires, a stale command is dangerous."""
        expires = _expiry(expires_in_s) if expires_in_s is not None else None
        topic = lane_down(port, lane, "command") if lane else port_down(port, "command")
        body = {"lane": lane or "*", "command": command, "args": args or {}}
        self._publish(topic, "lane.command", body, expires_at=expires)

    def publish_resend(self, port: str, lane: str, ranges: list[tuple[int, int]]) -> None:
        """Ask one lane to publish these inclusive sequence ranges again (it answers from its retained outbox)."""
        body = {"lane": lane, "ranges": [[first, last] for first, last in ranges]}
        self._publish(lane_down(port, lane, "resend"), "uplink.resend", body, expires_at=_expiry(RESEND_EXPIRY_S))
        self.resend_requests += 1
        log_event("central.resend_requested", logging.WARNING, port=port, lane=lane, ranges=len(ranges),
                  events=sum(last - first + 1 for first, last in ranges))


def _expiry(seconds: float) -> str:
    """An ``expires_at`` this many seconds from now."""
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat(timespec="milliseconds")


def open_central(broker: BrokerSettings, db_path: Path, key: Ed25519PrivateKey, key_id: str,
                 gap_watch: GapWatch | None = None) -> Central:
    """A started central: what ``garita central`` runs until interrupted."""
    central = Central(broker, CentralStore(db_path), key, key_id, gap_watch)
    central.start()
    return central
