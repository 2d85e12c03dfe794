"""LaneStoreOutbox (station's side of the Protocol), retention and the [mqtt] config."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from garita.station.config.loader import load_config
from garita.station.links.mqtt_uplink import LaneStoreOutbox, link_settings
from garita.sync.retention import RetentionSettings, enforce
from tests.conftest import REPO
from tests.sync.helpers import add_events, lane_store, unsent


def test_pending_filters_by_priority_and_sequence(data_dir):
    store = lane_store(data_dir)
    add_events(store, 3)
    add_events(store, 2, kind="decision", priority=1)
    outbox = LaneStoreOutbox(store)
    assert [r.seq for r in outbox.pending(10, max_priority=1)] == [4, 5]
    assert [r.seq for r in outbox.pending(10, after_seq=1, min_priority=2)] == [2, 3]
    outbox.mark_sent([r.id for r in outbox.pending(2)], datetime.now(UTC).isoformat())
    assert [r.seq for r in outbox.pending(10)] == [3, 4, 5]


def test_delivered_rows_are_pruned_after_the_retention_time(data_dir):
    store = lane_store(data_dir)
    add_events(store, 4)
    outbox = LaneStoreOutbox(store)
    old = (datetime.now(UTC) - timedelta(days=8)).isoformat()
    outbox.mark_sent([r.id for r in outbox.pending(2)], old)
    outbox.mark_sent([r.id for r in outbox.pending(1, after_seq=2)], datetime.now(UTC).isoformat())
    result = enforce(outbox, RetentionSettings(keep_sent_s=7 * 86400), datetime.now(UTC))
    assert result.pruned == 2 and not result.over_budget
    assert store.counts()["outbox"] == 2 and unsent(store) == 1


def test_over_budget_the_lane_says_so_and_sheds_reads_but_keeps_decisions(data_dir, caplog):
    store = lane_store(data_dir)
    add_events(store, 200)
    decisions = add_events(store, 20, kind="decision", priority=1)
    outbox = LaneStoreOutbox(store)
    budget = outbox.usage().bytes // 4
    with caplog.at_level(logging.ERROR, logger="garita.sync"):
        result = enforce(outbox, RetentionSettings(budget_bytes=budget), datetime.now(UTC))
    assert result.over_budget and result.shed > 0 and outbox.usage().bytes <= budget * 1.1
    kept = {r["id"] for r in store.query("SELECT id FROM outbox WHERE kind = 'decision'")}
    assert kept == set(decisions)
    assert any(r.getMessage() == "outbox.over_budget" for r in caplog.records)


def test_the_example_config_maps_onto_link_settings(tmp_path: Path):
    config = load_config(REPO / "config" / "lane.example.toml")
    settings = link_settings(config)
    assert settings.broker.client_id == "2504-lane-03" and settings.uplink.batch_max_events == 200
    assert settings.retention.keep_sent_s == 7 * 86400


def test_the_outbox_budget_is_the_stored_bytes_plus_a_row_overhead(data_dir):
    store = lane_store(data_dir)
    outbox = LaneStoreOutbox(store)
    assert outbox.usage().bytes == 0
    with store.transaction() as tx:
        tx.outbox(datetime.now(UTC), "read", {"name": "Peña Núñez", "n": 1}, 5)
        # Not written by this code (its JSON is ASCII), but a row of raw UTF-8 must count its bytes, not letters.
        tx.conn.execute(
            "INSERT INTO outbox (id, kind, payload, created_at, priority) VALUES ('raw', 'read', ?, 't', 5)",
            ('{"name": "Peña Núñez"}',),
        )
    stored = [r["payload"] for r in store.query("SELECT payload FROM outbox")]
    assert all(p.isascii() for p in stored[:1]) and not stored[1].isascii()
    assert outbox.usage().bytes == sum(len(p.encode("utf-8")) + 120 for p in stored)


def test_the_sync_packages_defaults_are_the_documented_mqtt_defaults(tmp_path: Path):
    """The bench, the central's CLI and every caller without a lane.toml get what lane-config.schema.json says."""
    from garita.sync.link import BrokerSettings, LinkSettings

    config = tmp_path / "lane.toml"
    config.write_text('[lane]\nid = "lane-1"\nport_code = "2504"\ndirection = "northbound"\n[mqtt]\nenabled = true\n')
    from_config = link_settings(load_config(config))
    broker = from_config.broker
    assert from_config == LinkSettings(broker=BrokerSettings(broker.host, broker.port, broker.client_id))
    assert 0 < broker.reconnect_min_s <= broker.reconnect_max_s  # paho's backoff: from the first, up to the cap
    assert from_config.poll_s > 0 and from_config.retention_every_s > 0
