"""The lane's MQTT link: one paho client, MQTT 5, persistent session, presence, uplink and downlink.

Threads: paho's network thread only queues things (acknowledgements, downlink messages) and wakes
the owner; ``pump`` -- on the lane's event loop, via ``run`` -- does all the database work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from garita.sync.downlink import Downlink, Handler, Verified
from garita.sync.logs import log_event
from garita.sync.outbox import OutboxSource
from garita.sync.presence import presence
from garita.sync.retention import RetentionSettings, enforce
from garita.sync.signing import KeyRing
from garita.sync.tls import TlsFiles, client_context
from garita.sync.topics import LaneTopics
from garita.sync.uplink import Uplink, UplinkSettings

INBOX_QOS0_LIMIT = 1000


@dataclass(frozen=True)
class BrokerSettings:
    host: str
    port: int
    client_id: str
    keepalive_s: int = 30
    username: str | None = None
    password: str | None = None
    tls: TlsFiles | None = None
    session_expiry_s: int = 7 * 86400  # how long the broker keeps our session (queued downlink) while we are away
    receive_maximum: int = 32  # downlink messages in flight to us: back-pressure against a flood
    reconnect_min_s: float = 1.0
    reconnect_max_s: float = 60.0


@dataclass(frozen=True)
class LinkSettings:
    broker: BrokerSettings
    uplink: UplinkSettings = field(default_factory=UplinkSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    retention_every_s: float = 300.0
    max_downlink_bytes: int = 256 * 1024
    poll_s: float = 0.25  # how often the outbox is looked at when nothing else wakes the link


@dataclass
class LinkStats:
    connects: int = 0
    disconnects: int = 0
    connect_failures: int = 0
    subscriptions_refused: int = 0


class SyncLink:
    """Owns the MQTT client; ``start``, then ``pump`` (or ``await run(stop)``), then ``stop``."""

    def __init__(self, settings: LinkSettings, topics: LaneTopics, outbox: OutboxSource,
                 ring: KeyRing, handler: Handler):
        self.settings, self.topics, self.outbox = settings, topics, outbox
        self.stats = LinkStats()
        self.handler = handler
        self.downlink = Downlink(topics, ring, self._handle, settings.max_downlink_bytes)
        self.uplink = Uplink(outbox, topics, self, settings.uplink)
        self.client = self._make_client()
        self.activity = threading.Event()  # set by the network thread whenever there is work
        self._inbox: deque[mqtt.MQTTMessage] = deque()
        self._connected = threading.Event()
        self._subscribed = threading.Event()  # every downlink subscription acknowledged since the last connect
        self._pending_subscriptions: set[int] = set()
        self._notify: Callable[[], None] | None = None
        self._next_retention = 0.0
        self._stopping = False

    # -- the Publisher the uplink uses ------------------------------------------------------
    def connected(self) -> bool:
        return self._connected.is_set()

    def subscribed(self) -> bool:
        """The broker granted every downlink subscription since the last connect (downlink can flow)."""
        return self._subscribed.is_set()

    def publish(self, topic: str, payload: bytes, *, expiry_s: int | None = None, compressed: bool = False) -> int:
        properties = Properties(PacketTypes.PUBLISH)
        if expiry_s is not None:
            properties.MessageExpiryInterval = expiry_s
        if compressed:
            properties.UserProperty = [("content-encoding", "zlib")]
        else:
            properties.PayloadFormatIndicator = 1  # UTF-8 JSON
        return self.client.publish(topic, payload, qos=1, properties=properties).mid

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> None:
        broker = self.settings.broker
        self._stopping = False
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = broker.session_expiry_s
        properties.ReceiveMaximum = broker.receive_maximum
        self.client.connect_async(broker.host, broker.port, broker.keepalive_s, clean_start=False,
                                  properties=properties)
        self.client.loop_start()

    def pump(self) -> int:
        """Handle queued downlink, then move outbox rows; returns uplink events published."""
        self.activity.clear()
        self._drain_inbox()
        published = self.uplink.pump()
        self._maybe_enforce_retention()
        return published

    async def run(self, stop: asyncio.Event) -> None:
        """Pump whenever the network thread signals, or every ``poll_s``; stop cleanly when ``stop`` is set."""
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()
        self._notify = lambda: loop.call_soon_threadsafe(wake.set)
        self.start()
        try:
            while not stop.is_set():
                wake.clear()
                self.pump()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), self.settings.poll_s)
        finally:
            self._notify = None
            self.pump()  # record the last acknowledgements before going
            await asyncio.to_thread(self.stop)

    def stop(self, timeout_s: float = 3.0) -> None:
        """Clean shutdown: retained ``stopped`` (so no Last Will), then DISCONNECT."""
        if self.connected():
            info = self.client.publish(self.topics.status, self._presence("stopped"), qos=1, retain=True)
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(timeout_s)
        self._connected.clear()  # a disconnect we asked for is not an outage
        self._stopping = True
        self.client.disconnect()
        self.client.loop_stop()
        log_event("link.stopped", acked=self.uplink.stats.acked_events)

    def wait_for_activity(self, timeout_s: float) -> bool:
        """For callers without an event loop (tests, the benchmark)."""
        return self.activity.wait(timeout_s)

    def pump_until(self, condition: Callable[[], bool], timeout_s: float) -> bool:
        """Without an event loop: pump as the daemon does until ``condition()`` holds; False on timeout."""
        deadline = time.monotonic() + timeout_s
        while True:
            self.pump()
            if condition():
                return True
            if time.monotonic() > deadline:
                return False
            self.wait_for_activity(0.05)

    # -- internals --------------------------------------------------------------------------
    def _make_client(self) -> mqtt.Client:
        broker = self.settings.broker
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=broker.client_id,
                             protocol=mqtt.MQTTv5)
        client.max_inflight_messages_set(self.settings.uplink.max_inflight + 8)  # ours plus presence
        client.max_queued_messages_set(0)
        client.reconnect_delay_set(broker.reconnect_min_s, broker.reconnect_max_s)  # type: ignore[arg-type]
        client.manual_ack_set(True)  # downlink acked only once handled: a crash means redelivery
        if broker.username:
            client.username_pw_set(broker.username, broker.password)
        if broker.tls is not None:
            client.tls_set_context(client_context(broker.tls))
        client.will_set(self.topics.status, self._presence("offline"), qos=1, retain=True)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_connect_fail = self._on_connect_fail
        client.on_publish = self._on_publish
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        return client

    def _presence(self, state: Any) -> bytes:
        return presence(state, self.topics.port, self.topics.lane, self.settings.broker.client_id)

    def _wake(self) -> None:
        self.activity.set()
        notify = self._notify
        if notify is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed under us at exit
                notify()

    def _on_connect(self, client: mqtt.Client, _userdata: Any, flags: Any, reason: Any, _props: Any) -> None:
        if reason.is_failure:  # on_disconnect follows and counts it
            log_event("link.refused", logging.ERROR, reason=str(reason))
            return
        self._subscribed.clear()
        # Callbacks run on the network thread one at a time: no SUBACK is handled before this set is filled.
        self._pending_subscriptions = {client.subscribe(topic, qos=1)[1] for topic in self.topics.down_subscriptions}
        client.publish(self.topics.status, self._presence("online"), qos=1, retain=True)
        self.stats.connects += 1
        self._connected.set()
        log_event("link.connected", host=self.settings.broker.host, session_present=flags.session_present)
        self._wake()

    def _on_disconnect(self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any) -> None:
        if self._connected.is_set():
            self.stats.disconnects += 1
            log_event("link.disconnected", logging.WARNING, reason=str(reason), inflight=self.uplink.inflight)
        elif not self._stopping:  # closed before CONNACK: bad certificate, refused credentials, broker down
            self._on_connect_fail(self.client, None)
        self._connected.clear()
        self._subscribed.clear()
        self._wake()

    def _on_subscribe(self, _client: mqtt.Client, _userdata: Any, mid: int, reasons: list, _props: Any) -> None:
        refused = [str(reason) for reason in reasons if reason.is_failure]
        if refused:  # an ACL that denies the lane its downlink: no watchlist update would ever arrive
            self.stats.subscriptions_refused += 1
            log_event("link.subscription_refused", logging.ERROR, reasons=refused)
            return
        self._pending_subscriptions.discard(mid)
        if not self._pending_subscriptions:
            self._subscribed.set()

    def _on_connect_fail(self, _client: mqtt.Client, _userdata: Any) -> None:
        self.stats.connect_failures += 1
        if self.stats.connect_failures in (1, 10, 100) or self.stats.connect_failures % 1000 == 0:
            log_event("link.connect_failed", logging.WARNING, host=self.settings.broker.host,
                      port=self.settings.broker.port, failures=self.stats.connect_failures)
        self._wake()

    def _on_publish(self, _client: mqtt.Client, _userdata: Any, mid: int, reason: Any, _props: Any) -> None:
        self.uplink.on_puback(mid, not reason.is_failure)
        self._wake()

    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        if message.qos == 0 and len(self._inbox) >= INBOX_QOS0_LIMIT:
            # QoS 1 is bounded by our Receive Maximum; QoS 0 is not, so a flood of it is dropped here.
            self.downlink.rejected["flood_dropped"] += 1
            return
        self._inbox.append(message)
        self._wake()

    def _drain_inbox(self) -> None:
        while self._inbox:
            message = self._inbox.popleft()
            try:
                topic = message.topic
            except UnicodeDecodeError:
                topic = "(not UTF-8)"
            self.downlink.receive(topic, message.payload)
            if message.qos > 0:
                self.client.ack(message.mid, message.qos)

    def _handle(self, verified: Verified) -> None:
        """Resend requests are the link's own business; everything else is the station's."""
        if verified.kind != "uplink.resend":
            self.handler(verified)
            return
        # The schema has checked the ranges are pairs of integers; pump() publishes the rows right after this.
        ranges = [(first, last) for first, last in verified.body["ranges"]]
        requeued, gone = self.uplink.resend(ranges)
        level = logging.WARNING if gone else logging.INFO
        log_event("uplink.resend", level, id=verified.message_id, ranges=len(ranges), requeued=requeued,
                  no_longer_held=gone)

    def _maybe_enforce_retention(self) -> None:
        now = datetime.now(UTC)
        if now.timestamp() < self._next_retention:
            return
        self._next_retention = now.timestamp() + self.settings.retention_every_s
        enforce(self.outbox, self.settings.retention, now)
