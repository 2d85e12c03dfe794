"""What the link puts on the wire, seen by a plain MQTT 5 subscriber on a real Mosquitto: QoS, expiry,
encoding, retained presence through run, stop and a crash (the Last Will)."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import replace

import paho.mqtt.client as mqtt

from garita.station.links.mqtt_uplink import LaneStoreOutbox
from garita.sync.link import LinkSettings, LinkStats, SyncLink
from garita.sync.signing import sign
from garita.sync.tls import client_context
from garita.sync.topics import LaneTopics, lane_down
from tests.sync.conftest import needs_mosquitto
from tests.sync.helpers import LANE, PORT, Received, add_events, lane_store, make_link, public_keys, pump_until, unsent

pytestmark = needs_mosquitto
TOPICS = LaneTopics(PORT, LANE)


def _wait(condition: Callable[[], bool], what: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.02)


class Spy:
    """A central-side subscriber at QoS 2, so the QoS it receives is the one the lane published with."""

    def __init__(self, port: int, settings, topic: str) -> None:
        self.messages: list[mqtt.MQTTMessage] = []
        subscribed = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"spy-{id(self)}",
                                  protocol=mqtt.MQTTv5)
        self.client.username_pw_set(settings.username, settings.password)
        self.client.tls_set_context(client_context(settings.tls))
        self.client.on_message = lambda _c, _u, message: self.messages.append(message)
        self.client.on_subscribe = lambda *_: subscribed.set()
        self.client.connect("localhost", port)
        self.client.subscribe(topic, qos=2)
        self.client.loop_start()
        assert subscribed.wait(10), "no SUBACK"

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def states(self) -> list[str]:
        return [json.loads(m.payload)["state"] for m in self.messages if m.topic == TOPICS.status]

    def on(self, topic: str) -> list[mqtt.MQTTMessage]:
        return [m for m in self.messages if m.topic == topic]


def _retained_status(port: int, settings) -> tuple[str, bool]:
    """What a subscriber arriving now is told about the lane."""
    spy = Spy(port, settings, TOPICS.status)
    try:
        _wait(lambda: spy.messages, "the retained status arrives")
        return json.loads(spy.messages[0].payload)["state"], bool(spy.messages[0].retain)
    finally:
        spy.close()


def _run_until(link: SyncLink, condition: Callable[[], bool]) -> bool:
    """The daemon's way: ``await link.run(stop)`` on an event loop, stopped once ``condition`` holds (or 20 s)."""
    async def main() -> bool:
        stop = asyncio.Event()
        task = asyncio.create_task(link.run(stop))
        for _ in range(1000):
            if met := condition():
                break
            await asyncio.sleep(0.02)
        stop.set()
        link._wake()  # as the network thread does on any packet: the loop sees ``stop`` now, not after poll_s
        await asyncio.wait_for(task, 20)
        return met
    return asyncio.run(main())


def test_what_the_link_publishes_and_what_a_subscriber_is_told_about_the_lane(broker, broker_settings, data_dir,
                                                                             caplog):
    central = broker_settings("central")
    store = lane_store(data_dir)
    add_events(store, 1, kind="alert", priority=0)
    add_events(store, 1, kind="decision", priority=1)
    add_events(store, 30)
    spy = Spy(broker.port, central, f"garita/v1/{PORT}/{LANE}/#")
    try:
        # Polling as good as off: the network thread's wake-ups alone must drive the link.
        settings = replace(make_link(store, broker_settings(), batch_max_events=30).settings, poll_s=60.0)
        link = SyncLink(settings, TOPICS, LaneStoreOutbox(store), {}, Received())
        with caplog.at_level(logging.INFO, logger="garita.sync"):
            assert _run_until(link, lambda: link.uplink.stats.acked_events == 32)
        assert unsent(store) == 0 and not link.connected() and link.stats == LinkStats(connects=1)
        events = [(r.getMessage(), r.garita_fields) for r in caplog.records if r.getMessage().startswith("link.")]
        assert events == [("link.connected", {"host": "localhost", "session_present": False}),
                          ("link.stopped", {"acked": 32})]
        _wait(lambda: spy.states() == ["online", "stopped"], "online, then stopped")
        uplink = [m for m in spy.messages if m.topic != TOPICS.status]
        assert [m.topic for m in uplink] == [TOPICS.up("alert"), TOPICS.up("decision"), TOPICS.up("batch")]
        assert all(m.qos == 1 for m in spy.messages)
        (alert,), (decision,), (batch,) = (spy.on(TOPICS.up(kind)) for kind in ("alert", "decision", "batch"))
        assert 0 < alert.properties.MessageExpiryInterval <= 300  # a late alarm is worse than none
        assert not hasattr(decision.properties, "MessageExpiryInterval")  # a record is needed however late
        assert alert.properties.PayloadFormatIndicator == decision.properties.PayloadFormatIndicator == 1
        assert batch.properties.UserProperty == [("content-encoding", "zlib")]
        assert not hasattr(batch.properties, "PayloadFormatIndicator")  # not UTF-8: compressed bytes
        assert [e["seq"] for e in json.loads(zlib.decompress(batch.payload))["events"]] == list(range(3, 33))
        assert _retained_status(broker.port, central) == ("stopped", True)
        again = make_link(store, broker_settings())
        again.start()
        pump_until(again, again.connected)
        _wait(lambda: spy.states()[-1:] == ["online"], "online again")
        assert _retained_status(broker.port, central) == ("online", True)
        again.client.loop_stop()  # a crash: no DISCONNECT, the broker publishes the Last Will
        again.client.socket().close()
        _wait(lambda: spy.states()[-1:] == ["offline"], "the Last Will")
        assert spy.on(TOPICS.status)[-1].qos == 1
        assert _retained_status(broker.port, central) == ("offline", True)
    finally:
        spy.close()


def test_downlink_the_lane_had_not_handled_when_it_crashed_is_delivered_again(broker, broker_settings, signing_key,
                                                                              data_dir):
    """Acknowledged only once handled: what sat in the inbox at a crash comes back on reconnect."""
    store, received = lane_store(data_dir), Received()
    first = make_link(store, broker_settings(), public_keys(signing_key), received)
    first.start()
    pump_until(first, first.connected)
    sender = Spy(broker.port, broker_settings("central"), "garita/v1/none")
    try:
        for n in range(3):
            body = {"lane": LANE, "command": "lane.close", "args": {"n": n}}
            payload = sign(signing_key, "central-1", "lane.command", body)
            sender.client.publish(lane_down(PORT, LANE, "command"), payload, qos=1).wait_for_publish(5)
        _wait(lambda: len(first._inbox) == 3, "three commands queued, not yet handled")
        first.client.loop_stop()  # crash before pump() handled (and acknowledged) them
        first.client.socket().close()
        again = make_link(store, broker_settings(), public_keys(signing_key), received)
        again.start()
        try:
            pump_until(again, lambda: len(received.items) == 3)
        finally:
            again.stop()
    finally:
        sender.close()
    assert [item.body["args"]["n"] for item in received.items] == [0, 1, 2]


def test_a_row_the_station_writes_leaves_on_the_next_poll_without_any_network_traffic(broker_settings, data_dir):
    """Nothing on the wire wakes the link for a new outbox row: the default poll does."""
    store = lane_store(data_dir)
    link = SyncLink(LinkSettings(broker=broker_settings()), TOPICS, LaneStoreOutbox(store), {}, Received())
    written: list[str] = []

    def station_writes() -> bool:
        """A first row once connected; a second once the first is acknowledged, when nothing is left to come in
        (the broker answers in order, the presence message's PUBACK came before the row's)."""
        first = link.connected() and not written
        second = link.uplink.stats.acked_events == 1 and len(written) == 1
        if first or second:
            written.extend(add_events(store, 1, kind="decision", priority=1))
        return link.uplink.stats.acked_events == 2

    assert _run_until(link, station_writes) and unsent(store) == 0
