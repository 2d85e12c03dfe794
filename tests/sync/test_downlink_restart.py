"""Issue 17 rows 3 and 12: replays and old versions after a lane restart; a flood of bad downlink.

A real Mosquitto; the lane's real downlink applier on its real database, closed and reopened
between the first delivery and the replay (a restart loses everything held in memory).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as mqtt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from garita.station.links.downlink_apply import DownlinkApplier
from garita.station.links.downlink_counters import PersistedCounters
from garita.sync.signing import sign
from garita.sync.tls import client_context
from garita.sync.topics import lane_down, port_down
from tests.sync.conftest import needs_mosquitto
from tests.sync.helpers import LANE, PORT, lane_store, make_link, public_keys, pump_until

pytestmark = needs_mosquitto
NOW = datetime.now(UTC)


def _declaration(version: int) -> dict:
    return {"id": "DEC-9", "version": version, "scn": "ABCD2403150009", "arrival_from": NOW.isoformat(),
            "arrival_until": (NOW + timedelta(hours=6)).isoformat()}


@pytest.fixture
def publisher(broker, broker_settings):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="replayer", protocol=mqtt.MQTTv5)
    client.username_pw_set("central", "central-secret")
    client.tls_set_context(client_context(broker_settings("central").tls))
    client.connect("localhost", broker.port)
    client.loop_start()
    yield client
    client.loop_stop()
    client.disconnect()


def _session(data_dir, broker_settings, signing_key, publisher, messages, until):
    """One lane run: a fresh store, applier and link; publish, wait until ``until(link)``, stop."""
    store = lane_store(data_dir)
    link = make_link(store, broker_settings(), public_keys(signing_key), DownlinkApplier(data_dir, store))
    link.start()
    try:
        pump_until(link, link.subscribed)
        for topic, payload in messages:
            publisher.publish(topic, payload, qos=1).wait_for_publish(5)
        pump_until(link, lambda: until(link))
    finally:
        link.stop()
    return store, link


def _handled(link) -> int:
    return sum(link.downlink.accepted.values()) + sum(link.downlink.rejected.values())


def test_replayed_command_and_declarations_are_refused_after_a_restart(data_dir, broker_settings, signing_key,
                                                                       publisher) -> None:
    key = signing_key
    command = (lane_down(PORT, LANE, "command"),
               sign(key, "central-1", "lane.command", {"lane": LANE, "command": "lane.close", "args": {}}))
    v2 = (port_down(PORT, "declaration"),
          sign(key, "central-1", "declaration", {"declaration_id": "DEC-9", "type": "upsert", "data": _declaration(2)}))
    v1 = (port_down(PORT, "declaration"),
          sign(key, "central-1", "declaration", {"declaration_id": "DEC-9", "type": "upsert", "data": _declaration(1)}))
    removal = (port_down(PORT, "declaration"),
               sign(key, "central-1", "declaration", {"declaration_id": "DEC-9", "type": "remove", "data": {}}))
    _session(data_dir, broker_settings, key, publisher, [], lambda link: True)  # the session's subscriptions exist
    store, link = _session(data_dir, broker_settings, key, publisher, [command, v2, v1],
                           lambda link: _handled(link) == 3)
    assert dict(link.downlink.accepted) == {"lane.command": 1, "declaration": 1}
    assert dict(link.downlink.rejected) == {"older": 1}  # v1 after v2: refused, v2 stays
    assert [r["version"] for r in store.query("SELECT version FROM declarations WHERE id = 'DEC-9'")] == [2]
    _store, link = _session(data_dir, broker_settings, key, publisher, [removal],
                            lambda link: link.downlink.accepted["declaration"] == 1)
    # A restart: nothing in memory. The same command and the removed declaration's v2 arrive again.
    store, link = _session(data_dir, broker_settings, key, publisher, [command, v2, v1],
                           lambda link: sum(link.downlink.rejected.values()) == 3)
    # The command and v2 were applied before: replays. v1 never was: still older than the v2 applied.
    assert dict(link.downlink.rejected) == {"replayed": 2, "older": 1} and not link.downlink.accepted
    assert store.query("SELECT COUNT(*) AS n FROM audit WHERE action = 'lane.command'")[0]["n"] == 1
    assert not store.query("SELECT * FROM declarations WHERE id = 'DEC-9'")  # the removal holds
    fresh_v2 = (port_down(PORT, "declaration"),  # a new message id carrying the old version: still older
                sign(key, "central-1", "declaration", {"declaration_id": "DEC-9", "type": "upsert",
                                                       "data": _declaration(2)}))
    _store, link = _session(data_dir, broker_settings, key, publisher, [fresh_v2],
                            lambda link: link.downlink.rejected["older"] == 1)


def test_a_flood_of_bad_downlink_logs_once_per_burst_and_counts_persist(data_dir, broker_settings, signing_key,
                                                                        publisher, caplog) -> None:
    flood = 2000  # the attack sent 20,000; the same shape, kinder to two shared cores
    forged = sign(Ed25519PrivateKey.generate(), "central-1", "watchlist.delta",
                  {"base_version": 1, "version": 2, "add": [], "remove": []})
    _session(data_dir, broker_settings, signing_key, publisher, [], lambda link: True)
    store = lane_store(data_dir)
    link = make_link(store, broker_settings(), public_keys(signing_key), DownlinkApplier(data_dir, store))
    link.start()
    caplog.set_level(logging.WARNING, logger="garita.sync")
    try:
        pump_until(link, link.subscribed)
        for _ in range(flood):
            publisher.publish(port_down(PORT, "watchlist/delta"), forged, qos=0)
        publisher.publish(port_down(PORT, "watchlist/delta"), b"not json", qos=1).wait_for_publish(5)
        pump_until(link, lambda: link.downlink.rejected["malformed"] == 1, timeout_s=60)
    finally:
        link.stop()
    rejected = dict(link.downlink.rejected)
    bad, shed = rejected["bad_signature"], rejected.get("flood_dropped", 0)
    lines = [r for r in caplog.records if r.getMessage() == "downlink.rejected"]
    print(f"\n{flood} forged messages (QoS 0): {bad} checked and refused, {shed} shed by the rate limit,"
          f" {len(lines)} log lines")
    assert bad + shed > flood // 2 and len(lines) <= 4 and not link.downlink.accepted
    counters = PersistedCounters(store, "downlink.rejected.")
    with store.transaction() as tx:
        assert counters.save(tx, link.downlink.rejected) == rejected
    store.db.conn.close()
    restarted = lane_store(data_dir)
    again = PersistedCounters(restarted, "downlink.rejected.")  # after a restart the totals go on
    with restarted.transaction() as tx:
        assert again.save(tx, {"malformed": 2}) == {**rejected, "malformed": 3}
