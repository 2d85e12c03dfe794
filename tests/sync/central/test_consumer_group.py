"""A consumer group on a real Mosquitto and a real PostgreSQL: the uplink shared through ``$share/central/...``,
every event stored once, a gap asked for once by the whole group, watchlist versions reported upstream."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from sync.central import Batching, Central, GapWatch
from sync.central.store_postgres import PostgresStore
from sync.link import BrokerSettings
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
        pump_until(link, link.connected)
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
