"""The central consumer: stores the lanes' uplink once (in batches, acknowledged only once stored), asks
for sequence gaps, signs and publishes downlink.

``garita central`` runs one; several share the uplink through an MQTT 5 shared subscription
(``$share/{group}/...``): the broker hands each message to one member of the group. A message is
acknowledged (PUBACK) only after the transaction holding it committed, so a consumer killed or a
database restarted mid-batch loses nothing: the broker delivers what was not acknowledged again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from garita.sync.central.event_store import CentralStore, StoreUnavailable, created_at
from garita.sync.central.gaps import GapWatch
from garita.sync.envelope import EnvelopeError, UplinkEvent, decode_uplink
from garita.sync.link import BrokerSettings
from garita.sync.logs import log_event
from garita.sync.signing import sign
from garita.sync.snapshots import total_hash
from garita.sync.tls import client_context
from garita.sync.topics import (
    STATUS_WILDCARD,
    UPLINK_WILDCARD,
    check_segment,
    lane_down,
    parse_status,
    parse_up,
    port_down,
)

RESEND_EXPIRY_S = 300  # a resend request queued for a lane that is away this long is re-decided, not replayed
RECEIVE_MAXIMUM = 1000  # unacknowledged messages the broker may have in flight to one consumer: bounds memory


@dataclass(frozen=True)
class Batching:
    """How the writer groups messages into one transaction."""

    max_messages: int = 200  # per transaction (a backlog message carries up to the lane's batch_max_events)
    max_wait_s: float = 0.05  # after the first message, how long to wait for more
    retry_min_s: float = 0.2  # database unavailable: first retry after this, doubling
    retry_max_s: float = 5.0


@dataclass
class _Incoming:
    mid: int
    qos: int
    topic: str
    payload: bytes


class Central:
    """Subscribes to every lane's uplink and status; publishes signed watchlists, declarations, commands."""

    def __init__(self, broker: BrokerSettings, store: CentralStore, key: Ed25519PrivateKey, key_id: str,
                 gap_watch: GapWatch | None = None, *, group: str | None = None, batching: Batching | None = None):
        """``gap_watch``: when and how often to ask lanes to resend missing ranges (None: never); ``group``: share
        the uplink with the other consumers of this shared-subscription group (None: receive all of it)."""
        self.broker, self.store, self.key, self.key_id = broker, store, key, key_id
        self.gap_watch, self.batching = gap_watch, batching or Batching()
        self.group = check_segment(group, "group") if group else None  # one topic level: $share/{group}/...
        self.rejected: Counter[str] = Counter()
        self.received_messages = 0
        self.stored_events = 0
        self.resend_requests = 0
        self.store_retries = 0
        self._changed = threading.Condition()
        self._subscribed = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._incoming: deque[_Incoming] = deque()
        self._arrived = threading.Condition()
        self.client = self._make_client()

    def _make_client(self) -> mqtt.Client:
        # Manual acknowledgement: the PUBACK goes only after the message is committed to the store.
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.broker.client_id, protocol=mqtt.MQTTv5,
                             manual_ack=True)
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

    @property
    def subscriptions(self) -> list[tuple[str, int]]:
        """Uplink shared within the group; presence (retained, which shared subscriptions never get) to each."""
        uplink = f"$share/{self.group}/{UPLINK_WILDCARD}" if self.group else UPLINK_WILDCARD
        return [(uplink, 1), (STATUS_WILDCARD, 1)]

    def start(self, timeout_s: float = 10.0) -> None:
        """Connect with a persistent session and wait until the uplink subscription is in place."""
        self._stopping.clear()
        self._spawn(self._write_loop, "central-writer")
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self.broker.session_expiry_s
        properties.ReceiveMaximum = RECEIVE_MAXIMUM
        self.client.connect_async(self.broker.host, self.broker.port, self.broker.keepalive_s, clean_start=False,
                                  properties=properties)
        self.client.loop_start()
        if not self._subscribed.wait(timeout_s):
            raise TimeoutError("central: no SUBACK from the broker")
        if self.gap_watch is not None:
            self._spawn(self._watch_gaps, "central-gaps")

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        """Disconnect first (nothing new arrives), then let the writer store what it holds."""
        self.client.disconnect()
        self.client.loop_stop()
        self._stopping.set()
        with self._arrived:
            self._arrived.notify_all()
        for thread in self._threads:
            thread.join(15)
        self._threads.clear()

    def _watch_gaps(self) -> None:
        assert self.gap_watch is not None
        interval = max(0.2, min(1.0, self.gap_watch.grace_s / 4))
        while not self._stopping.wait(interval):
            try:
                self.request_missing()
            except StoreUnavailable as exc:  # the next pass tries again; nothing was claimed
                log_event("central.gap_pass_failed", logging.WARNING, error=str(exc)[:200])
            except Exception as exc:  # a bug must not end gap watching for good: logged, tried again next pass
                log_event("central.gap_pass_failed", logging.ERROR, error=repr(exc)[:200])

    def request_missing(self) -> None:
        """Ask each lane for the sequence ranges missing long enough (claimed in the store: asked once)."""
        if self.gap_watch is None:
            return
        for due in self.store.claim_gaps(self.gap_watch):
            self.publish_resend(due.port, due.lane, due.ranges)

    def _on_connect(self, client: mqtt.Client, _u: Any, _flags: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            log_event("central.refused", logging.ERROR, reason=str(reason))
            return
        client.subscribe(self.subscriptions)

    def _on_message(self, _client: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        # Only queued here: the writer stores a batch and acknowledges each message after the commit.
        with self._arrived:
            self._incoming.append(_Incoming(message.mid, message.qos, message.topic, message.payload))
            self._arrived.notify()

    # -- the writer ---------------------------------------------------------------------------
    def _write_loop(self) -> None:
        while True:
            batch = self._take_batch()
            if not batch:
                if self._stopping.is_set():
                    return
                continue
            self._write(batch)

    def _take_batch(self) -> list[_Incoming]:
        """Up to ``max_messages``: the first, then whatever arrives within ``max_wait_s``."""
        with self._arrived:
            if not self._incoming:
                self._arrived.wait(0.2)
            if not self._incoming:
                return []
            deadline = time.monotonic() + self.batching.max_wait_s
            while len(self._incoming) < self.batching.max_messages and not self._stopping.is_set():
                left = deadline - time.monotonic()
                if left <= 0 or not self._arrived.wait(left):
                    break
            count = min(len(self._incoming), self.batching.max_messages)
            return [self._incoming.popleft() for _ in range(count)]

    def _write(self, batch: list[_Incoming]) -> None:
        decoded = [(item, self._decode(item)) for item in batch]
        events = [event for _item, found in decoded for event in found]
        try:
            if events:
                self._with_retry(lambda: self._add(events))
        except Exception as exc:  # a value the database refuses (NUL in JSON, seq beyond 64 bits): find which
            log_event("central.batch_refused", logging.WARNING, error=str(exc)[:200], messages=len(batch))
            for item, found in decoded:
                if found:
                    self._add_alone(item, found)
        for item in batch:
            with contextlib.suppress(ValueError, RuntimeError):  # a lost connection: the broker sends it again
                self.client.ack(item.mid, item.qos)
        with self._changed:
            self.received_messages += len(batch)
            self._changed.notify_all()

    def _add(self, events: list[UplinkEvent]) -> None:
        self.stored_events += self.store.add(events)

    def _add_alone(self, item: _Incoming, events: list[UplinkEvent]) -> None:
        """One message of a refused batch; if the store refuses it too, it is counted, logged and dropped
        (acknowledged: redelivering a message the database cannot take would stop the whole uplink)."""
        try:
            self._with_retry(lambda: self._add(events))
        except Exception as exc:
            self.rejected["unstorable"] += 1
            log_event("central.rejected", logging.ERROR, topic=item.topic[:200], error=str(exc)[:200],
                      events=len(events))

    def _decode(self, item: _Incoming) -> list[UplinkEvent]:
        """The uplink events of one message (presence is stored at once); a malformed one is counted and dropped."""
        try:
            up = parse_up(item.topic)
            if up is not None:
                events = decode_uplink(up[2], item.payload)
                for event in events:
                    created_at(event)
                return events
            status = parse_status(item.topic)
            if status is not None and item.payload:  # an empty retained message clears presence
                state = json.loads(item.payload)
                self._with_retry(lambda: self.store.set_presence(status[0], status[1], state["state"], state["at"]))
        except (EnvelopeError, ValueError, KeyError, TypeError) as exc:
            self.rejected["malformed"] += 1
            log_event("central.rejected", logging.WARNING, topic=item.topic[:200], error=str(exc)[:200])
        return []

    def _with_retry(self, write: Callable[[], None]) -> None:
        """Until it succeeds: the messages stay unacknowledged (and the broker's) meanwhile."""
        delay = self.batching.retry_min_s
        while True:
            try:
                write()
                return
            except StoreUnavailable as exc:
                self.store_retries += 1
                log_event("central.store_unavailable", logging.WARNING, error=str(exc)[:200], retry_s=delay)
                time.sleep(delay)
                delay = min(delay * 2, self.batching.retry_max_s)

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
        self._with_retry(lambda: self.store.record_published(port, version))
        return snapshot_id

    def publish_snapshot_network(self, ports: list[str], entries: list[dict[str, Any]], version: int,
                                 chunk_size: int = 500) -> dict[str, str]:
        """The same watchlist to every port, once per port topic (each port's broker fans it out to its lanes)."""
        return {port: self.publish_snapshot(port, entries, version, chunk_size) for port in ports}

    def publish_delta(self, port: str, base_version: int, version: int, add: list[dict[str, Any]],
                      remove: list[dict[str, Any]]) -> None:
        body = {"base_version": base_version, "version": version, "add": add, "remove": remove}
        self._publish(port_down(port, "watchlist/delta"), "watchlist.delta", body)
        self._with_retry(lambda: self.store.record_published(port, version))

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


def open_central(broker: BrokerSettings, store: CentralStore, key: Ed25519PrivateKey, key_id: str,
                 gap_watch: GapWatch | None = None, group: str | None = None) -> Central:
    """A started central: what ``garita central`` runs until interrupted."""
    central = Central(broker, store, key, key_id, gap_watch, group=group)
    central.start()
    return central
