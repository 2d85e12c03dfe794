"""Signed downlink through a real broker: queued while the lane is away, garbage rejected and counted."""

from __future__ import annotations

import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from garita.sync.signing import sign
from garita.sync.tls import client_context
from garita.sync.topics import lane_down, port_down
from tests.sync.conftest import needs_mosquitto
from tests.sync.dummy_outbox import DummyOutbox
from tests.sync.helpers import LANE, PORT, Received, make_link, public_keys, pump_until

pytestmark = needs_mosquitto


def test_downlink_sent_while_the_lane_was_away_arrives_after_it_reconnects(broker_settings, central, signing_key):
    outbox, received = DummyOutbox(), Received()
    link = make_link(outbox, broker_settings(), public_keys(signing_key), received)
    link.start()
    pump_until(link, link.subscribed)
    link.stop()  # the session stays on the broker (clean start off, session expiry set)
    entries = [{"type": "plate", "value": f"ABC{i:04d}"} for i in range(25)]
    central.publish_snapshot(PORT, entries, version=7, chunk_size=10)
    central.publish_delta(PORT, 7, 8, add=[{"type": "plate", "value": "NEW1"}], remove=[])
    central.publish_declaration(PORT, "PED-1", "pedimento", {"number": "26 47 3089 6000123"})
    central.publish_command(PORT, LANE, "lane.close", {"reason": "test"})
    back = make_link(outbox, broker_settings(), public_keys(signing_key), received)
    back.start()
    try:
        pump_until(back, lambda: len(received.items) == 4)
    finally:
        back.stop()
    assert received.kinds() == ["watchlist.snapshot", "watchlist.delta", "declaration", "lane.command"]
    snapshot = received.items[0].body
    assert snapshot["version"] == 7 and snapshot["entries"] == entries
    assert back.downlink.rejected == {}


def _garbage(signing_key: Ed25519PrivateKey) -> list[tuple[str, bytes]]:
    delta = {"base_version": 1, "version": 2, "add": [], "remove": []}
    other_key = Ed25519PrivateKey.generate()
    tampered = sign(signing_key, "central-1", "watchlist.delta", delta).replace(b'"version":2', b'"version":3')
    return [
        (port_down(PORT, "watchlist/delta"), b"\x00\xffnot json"),
        (port_down(PORT, "watchlist/delta"), b'{"v":"1.0","kind":"watchlist.delta","body":{}}'),  # unsigned
        (port_down(PORT, "watchlist/delta"), sign(other_key, "central-1", "watchlist.delta", delta)),
        (port_down(PORT, "watchlist/delta"), tampered),
        (port_down(PORT, "declaration"), sign(signing_key, "central-1", "watchlist.delta", delta)),  # wrong topic
        (port_down(PORT, "declaration"), b"{" * 400_000),  # oversized
        (lane_down(PORT, LANE, "command"), sign(signing_key, "central-1", "lane.command",
                                                {"lane": "lane-09", "command": "lane.close", "args": {}})),
        (port_down(PORT, "watchlist/delta"), b"[1, 2, 3]"),
    ]


def test_garbage_downlink_is_counted_and_logged_and_the_link_carries_on(broker, broker_settings, central,
                                                                        signing_key, caplog):
    outbox, received = DummyOutbox(), Received()
    link = make_link(outbox, broker_settings(), public_keys(signing_key), received)
    link.start()
    try:
        pump_until(link, link.subscribed)
        flood = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="flooder", protocol=mqtt.MQTTv5)
        flood.username_pw_set("central", "central-secret")
        flood.tls_set_context(client_context(broker_settings("central").tls))
        flood.connect("localhost", broker.port)
        flood.loop_start()
        garbage = _garbage(signing_key)
        for round_ in range(3):
            for topic, payload in garbage:
                flood.publish(topic, payload, qos=round_ % 2).wait_for_publish(5)
        central.publish_delta(PORT, 1, 2, add=[{"type": "plate", "value": "OK1"}], remove=[])
        pump_until(link, lambda: received.kinds() == ["watchlist.delta"])
        pump_until(link, lambda: sum(link.downlink.rejected.values()) == 3 * len(garbage))
        flood.loop_stop()
        flood.disconnect()
    finally:
        link.stop()
    assert set(link.downlink.rejected) == {"malformed", "unsigned", "bad_signature", "wrong_topic", "oversized",
                                           "other_lane"}
    assert any(record.getMessage() == "downlink.rejected" for record in caplog.records)
