"""A consumer group on a real Mosquitto and a real PostgreSQL: the uplink shared through ``$share/central/...``,
every event stored once, a gap asked for once by the whole group, watchlist versions reported upstream."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
import pytest

from garita.sync.central import Batching, Central, GapWatch
from garita.sync.central.store_postgres import PostgresStore
from garita.sync.link import BrokerSettings
from garita.sync.tls import client_context
from tests.sync.central.conftest import needs_postgres
from tests.sync.conftest import needs_mosquitto
from tests.sync.helpers import LANE, PORT, Received, add_events, lane_store, make_link, public_keys, pump_until, unsent

pytestmark = [needs_mosquitto, needs_postgres]


@pytest.fixture
def group(broker_settings: Callable[..., BrokerSettings], signing_key, pg_dsn: str) -> Iterator[Callable]:
    """``group(n, watch)``: n started consumers sharing the uplink, each with its own store connection."""
    started: list[Central] = []

    def make(count: int, watch: GapWatch | None = None) -> list[Central]:
        for number in range(count):
            node = Central(broker_settings("central", client_id=f"central-{number}"), PostgresStore(pg_dsn),
                           signing_key, "central-1", watch, group="central", batching=Batching(max_wait_s=0.02))
            node.start()
            started.append(node)
        return started

    yield make
    for node in started:
        node.stop()
        node.store.close()


def _stored(consumers: list[Central], count: int) -> bool:
    return consumers[0].wait_until(lambda: sum(c.stored_events for c in consumers) >= count, 30)


def test_the_group_shares_the_uplink_and_stores_each_event_once(group, broker_settings, data_dir, pg_dsn):
    consumers = group(3)
    store = lane_store(data_dir)
    add_events(store, 600)
    link = make_link(store, broker_settings(), batch_max_events=5)
    link.start()
    try:
        pump_until(link, lambda: unsent(store) == 0)
        assert _stored(consumers, 600)
    finally:
        link.stop()
    assert all(node.received_messages > 0 for node in consumers)  # the broker spread the messages
    reader = PostgresStore(pg_dsn)
    assert reader.seqs(PORT, LANE) == list(range(1, 601)) and reader.gaps(PORT, LANE) == []
    assert reader.delivery()["duplicates"] == 0 and sum(node.store.duplicates for node in consumers) == 0
    reader.close()


def test_a_gap_is_asked_for_once_by_the_whole_group_and_filled(group, broker_settings, signing_key, data_dir,
                                                               pg_dsn):
    consumers = group(3, GapWatch(grace_s=0.5, retry_s=30))
    store = lane_store(data_dir)
    add_events(store, 60)
    with store.transaction() as tx:  # acknowledged by a broker that then crashed: the central never got them
        tx.conn.execute("UPDATE outbox SET sent_at = ? WHERE seq BETWEEN 20 AND 24", (datetime.now(UTC).isoformat(),))
    link = make_link(store, broker_settings(), public_keys(signing_key), batch_max_events=10)
    link.start()
    try:
        pump_until(link, lambda: consumers[0].wait_until(lambda: sum(c.stored_events for c in consumers) >= 60, 0.1))
    finally:
        link.stop()
    assert sum(node.resend_requests for node in consumers) == 1
    reader = PostgresStore(pg_dsn)
    assert reader.seqs(PORT, LANE) == list(range(1, 61))
    reader.close()


def test_a_network_wide_snapshot_reaches_each_port_once_and_the_central_says_who_is_behind(
        group, broker_settings, signing_key, data_dir, pg_dsn):
    [central] = group(1)
    store, received = lane_store(data_dir), Received()
    link = make_link(store, broker_settings(), public_keys(signing_key), received)
    link.start()
    try:
        pump_until(link, link.subscribed)
        entries = [{"type": "plate", "value": f"NET{n:04d}"} for n in range(1200)]
        central.publish_snapshot_network([PORT, "2505"], entries, version=7)  # 3 chunks per port topic
        pump_until(link, lambda: received.kinds() == ["watchlist.snapshot"])
        assert link.downlink.accepted["watchlist.snapshot.chunk"] == 3  # this port's chunks, each once
        assert len(received.items[0].body["entries"]) == 1200
        add_events(store, 1)
        pump_until(link, lambda: central.stored_events >= 1)
        assert [(v.lane, v.published, v.behind) for v in central.store.lane_versions()] == [(LANE, 7, True)]
        with store.transaction() as tx:  # the lane applied it; its next lane.metrics says so
            tx.outbox(datetime.now(UTC), "lane.metrics", {"lane": LANE, "watchlist": {"version": 7}}, 6)
        pump_until(link, lambda: central.stored_events >= 2)
    finally:
        link.stop()
    [version] = central.store.lane_versions()
    assert (version.version, version.published, version.behind) == (7, 7, False)


def test_a_message_the_database_refuses_is_counted_and_the_rest_of_its_batch_is_stored(
        group, broker_settings, data_dir, pg_dsn):
    """PostgreSQL's jsonb refuses a NUL character and bigint a seq past 2**63: hostile, but valid JSON."""
    consumers = group(1)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="2504-rogue", protocol=mqtt.MQTTv5)
    settings = broker_settings()
    client.username_pw_set(settings.username, settings.password)
    client.tls_set_context(client_context(settings.tls))
    client.connect(settings.host, settings.port)
    client.loop_start()
    topic = f"garita/v1/{PORT}/{LANE}/up/read"
    bodies = [{"seq": 1, "payload": {"value": "ok"}}, {"seq": 2, "payload": {"value": "nul\\u0000"}},
              {"seq": 2**63 + 5, "payload": {}}, {"seq": 3, "payload": {"value": "ok"}}]
    for n, body in enumerate(bodies):
        event = {"v": "1.0", "id": f"rogue-{n}", "port": PORT, "lane": LANE, "kind": "read",
                 "created_at": datetime.now(UTC).isoformat(), **body}
        client.publish(topic, json.dumps(event).replace("\\\\u0000", "\\u0000"), qos=1).wait_for_publish(10)
    client.disconnect()
    client.loop_stop()
    node = consumers[0]
    assert node.wait_until(lambda: node.received_messages == 4 and node.rejected["unstorable"] == 2, 30)
    assert node.store.seqs(PORT, LANE) == [1, 3] and node.stored_events == 2
