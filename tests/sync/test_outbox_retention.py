"""The outbox contract, run over the lane's table (``LaneStoreOutbox``) and the sync tests' in-memory fake
(``DummyOutbox``) alike, so the fake keeps the real rules; retention; the [mqtt] config."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from garita.station.config.loader import load_config
from garita.station.links.mqtt_uplink import link_settings
from garita.station.storage.outbox_repo import LaneStoreOutbox
from garita.sync.outbox import OutboxSource
from garita.sync.retention import RetentionSettings, enforce
from tests.conftest import REPO
from tests.sync.dummy_outbox import DummyOutbox
from tests.sync.helpers import lane_store


@dataclass
class Outbox:
    """One implementation under test and how rows get into it."""

    source: OutboxSource
    add: Callable[[str, int], str]  # (kind, priority) -> message id

    def fill(self, count: int, kind: str = "read", priority: int = 5) -> list[str]:
        return [self.add(kind, priority) for _ in range(count)]

    def held(self) -> int:
        usage = self.source.usage()
        return usage.pending_rows + usage.sent_rows


def _lane(data_dir: Path) -> Outbox:
    store = lane_store(data_dir)

    def add(kind: str, priority: int) -> str:
        with store.transaction() as tx:
            return tx.outbox(datetime.now(UTC), kind, {"lane": "lane-03", "kind": kind}, priority)
    return Outbox(LaneStoreOutbox(store), add)


def _dummy(data_dir: Path) -> Outbox:
    dummy = DummyOutbox()
    return Outbox(dummy, lambda kind, priority: dummy.add(kind, {"lane": "lane-03", "kind": kind}, priority))


@pytest.fixture(params=["lane", "dummy"])
def outbox(request, data_dir) -> Outbox:
    return {"lane": _lane, "dummy": _dummy}[request.param](data_dir)


def test_pending_filters_by_priority_and_sequence(outbox):
    outbox.fill(3)
    outbox.fill(2, kind="decision", priority=1)
    source = outbox.source
    assert [r.seq for r in source.pending(10, max_priority=1)] == [4, 5]
    assert [r.seq for r in source.pending(10, after_seq=1, min_priority=2)] == [2, 3]
    source.mark_sent([r.id for r in source.pending(2)], datetime.now(UTC).isoformat())
    assert [r.seq for r in source.pending(10)] == [3, 4, 5]
    assert source.pending(10)[0].payload == '{"kind":"read","lane":"lane-03"}'  # the stored JSON text


def test_delivered_rows_are_pruned_after_the_retention_time(outbox):
    outbox.fill(4)
    source = outbox.source
    old = (datetime.now(UTC) - timedelta(days=8)).isoformat()
    source.mark_sent([r.id for r in source.pending(2)], old)
    source.mark_sent([r.id for r in source.pending(1, after_seq=2)], datetime.now(UTC).isoformat())
    result = enforce(source, RetentionSettings(keep_sent_s=7 * 86400), datetime.now(UTC))
    assert result.pruned == 2 and not result.over_budget
    assert outbox.held() == 2 and source.usage().pending_rows == 1


def test_requeue_marks_sent_rows_unsent_and_counts_what_is_still_held(outbox):
    outbox.fill(6)
    source = outbox.source
    source.mark_sent([r.id for r in source.pending(4)], "2026-01-01T00:00:00+00:00")
    assert source.prune_sent("2026-01-02") == 4
    outbox.fill(2)  # seq 7-8: numbers are never reused after a prune
    source.mark_sent([r.id for r in source.pending(10, after_seq=6)], datetime.now(UTC).isoformat())
    assert source.requeue(3, 7) == (1, 3)  # 3-4 pruned, 5-6 never sent, 7 requeued
    assert [r.seq for r in source.pending(10)] == [5, 6, 7]


def test_over_budget_the_lane_says_so_and_sheds_reads_but_keeps_decisions(outbox, caplog):
    outbox.fill(200)
    decisions = outbox.fill(20, kind="decision", priority=1)
    source = outbox.source
    budget = source.usage().bytes // 4
    with caplog.at_level(logging.ERROR, logger="garita.sync"):
        result = enforce(source, RetentionSettings(budget_bytes=budget), datetime.now(UTC))
    assert result.over_budget and result.shed > 0 and source.usage().bytes <= budget * 1.1
    kept = {r.id for r in source.pending(1000) if r.kind == "decision"}
    assert kept == set(decisions)
    assert any(r.getMessage() == "outbox.over_budget" for r in caplog.records)


def test_shedding_takes_the_least_urgent_oldest_first(outbox):
    outbox.fill(2, kind="lane.metrics", priority=6)
    outbox.fill(2, kind="read", priority=5)
    assert outbox.source.shed_pending(["decision", "audit"], 3) == 3
    assert [(r.seq, r.kind) for r in outbox.source.pending(10)] == [(4, "read")]


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
