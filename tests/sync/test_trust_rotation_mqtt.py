"""A key rotation over a real broker: the lane's [trust] edited once, downlink and resend requests follow it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from garita.station.config.loader import load_config
from garita.sync.signing import sign
from garita.sync.tls import client_context
from garita.sync.topics import lane_down, port_down
from tests.station.trust_configs import (
    AFTER_OLD,
    BEFORE_NEW,
    NEW,
    NEW_ID,
    OLD,
    OLD_ID,
    OVERLAP,
    Clock,
    after_rotation,
    before_rotation,
)
from tests.sync.conftest import USERS, needs_mosquitto
from tests.sync.helpers import LANE, PORT, Received, lane_store, make_link, pump_until

pytestmark = needs_mosquitto
DELTA_TOPIC, RESEND_TOPIC = port_down(PORT, "watchlist/delta"), lane_down(PORT, LANE, "resend")


@pytest.fixture
def publisher(broker, broker_settings) -> Iterator[mqtt.Client]:
    """The central's side of the broker, publishing what the test signs."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="rotation-central", protocol=mqtt.MQTTv5)
    client.username_pw_set("central", USERS["central"])
    client.tls_set_context(client_context(broker_settings("central").tls))
    client.connect("localhost", broker.port)
    client.loop_start()
    yield client
    client.loop_stop()
    client.disconnect()


def _delta(key, key_id: str, version: int) -> bytes:
    body = {"base_version": version - 1, "version": version, "add": [{"type": "plate", "value": f"R{version}"}],
            "remove": []}
    return sign(key, key_id, "watchlist.delta", body)


def _resend(key, key_id: str) -> bytes:
    return sign(key, key_id, "uplink.resend", {"lane": LANE, "ranges": [[1, 1]]})


def test_downlink_through_the_rotation(tmp_path: Path, broker_settings, publisher, data_dir):
    config, clock, received = tmp_path / "lane.toml", Clock(BEFORE_NEW), Received()
    config.write_text(before_rotation())
    config.write_text(after_rotation())  # the one edit, made ahead of the switch
    link = make_link(lane_store(data_dir), broker_settings(), load_config(config).trust.ring(clock), received)
    link.start()

    def deliver(topic: str, payload: bytes, settled: int) -> None:
        publisher.publish(topic, payload, qos=1).wait_for_publish(5)
        pump_until(link, lambda: sum(link.downlink.accepted.values()) + sum(link.downlink.rejected.values())
                   == settled)

    try:
        pump_until(link, link.subscribed)
        deliver(DELTA_TOPIC, _delta(NEW, NEW_ID, 2), 1)  # the new key, before its not_before
        assert link.downlink.rejected == {"key_not_yet_valid": 1}
        deliver(DELTA_TOPIC, _delta(OLD, OLD_ID, 2), 2)
        clock.now = OVERLAP
        deliver(DELTA_TOPIC, _delta(OLD, OLD_ID, 3), 3)
        deliver(DELTA_TOPIC, _delta(NEW, NEW_ID, 4), 4)
        deliver(RESEND_TOPIC, _resend(OLD, OLD_ID), 5)
        clock.now = AFTER_OLD  # no second edit: the old key ages out on its own
        deliver(DELTA_TOPIC, _delta(OLD, OLD_ID, 5), 6)
        deliver(RESEND_TOPIC, _resend(OLD, OLD_ID), 7)
        deliver(DELTA_TOPIC, _delta(NEW, NEW_ID, 5), 8)
        deliver(RESEND_TOPIC, _resend(NEW, NEW_ID), 9)
        tampered = _delta(NEW, NEW_ID, 6).replace(b'"version":6', b'"version":7')
        deliver(DELTA_TOPIC, tampered, 10)
    finally:
        link.stop()
    assert [(item.body["version"], item.key_id) for item in received.items] == [
        (2, OLD_ID), (3, OLD_ID), (4, NEW_ID), (5, NEW_ID)]
    assert link.downlink.accepted == {"watchlist.delta": 4, "uplink.resend": 2}
    assert link.downlink.rejected == {"key_not_yet_valid": 1, "key_expired": 2, "bad_signature": 1}
