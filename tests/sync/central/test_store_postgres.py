"""The consumer group's PostgreSQL store on a real server: once per message id, gaps in SQL claimed once,
day partitions and retention, lane versions, crossings by plate/document/container, audit heads."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from garita.sync.central.event_store import StoreUnavailable
from garita.sync.central.gaps import GapWatch
from garita.sync.central.store_postgres import PostgresStore
from garita.sync.envelope import UplinkEvent
from tests.station.test_cli import REPO
from tests.sync.central.conftest import needs_postgres
from tests.sync.central.test_store_sqlite import expected_gaps

pytestmark = needs_postgres
PORT = "2504"


def event(seq: int, lane: str = "lane-1", kind: str = "read", payload: dict | None = None,
          at: datetime | None = None, id: str | None = None) -> UplinkEvent:
    when = (at or datetime.now(UTC)).isoformat()
    return UplinkEvent(id or f"{lane}-{seq}", seq, PORT, lane, kind, when, payload or {"lane": lane, "n": seq})


@pytest.fixture
def store(pg_dsn: str):
    node = PostgresStore(pg_dsn)
    yield node
    node.close()


def test_a_message_id_is_stored_once_whichever_consumer_sees_it(pg_dsn: str) -> None:
    first, second = PostgresStore(pg_dsn), PostgresStore(pg_dsn)
    try:
        assert first.add([event(1), event(2)]) == 2
        assert second.add([event(2), event(3)]) == 1  # a redelivery to another member of the group
        assert first.add([event(1)]) == 0
        assert first.count() == 3 and second.duplicates == 1 and first.duplicates == 1
        assert first.seqs(PORT, "lane-1") == [1, 2, 3]
    finally:
        first.close()
        second.close()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sets(st.integers(1, 60), min_size=1, max_size=60), st.integers(1, 70))
def test_gaps_are_the_missing_sequence_ranges(store: PostgresStore, seqs: set[int], first: int) -> None:
    """Each example on a lane of its own, so the shared database needs no reset."""
    lane = f"l{uuid.uuid4().hex[:8]}"
    store.add([event(seq, lane) for seq in seqs])
    assert store.gaps(PORT, lane) == expected_gaps(seqs)
    clipped = [(max(low, first), high) for low, high in expected_gaps(seqs) if high >= first]
    assert store.gaps(PORT, lane, first) == clipped


def test_a_gap_is_claimed_once_however_many_consumers_look(pg_dsn: str) -> None:
    consumers = [PostgresStore(pg_dsn) for _ in range(4)]
    consumers[0].add([event(seq) for seq in (1, 2, 5, 6, 9)] + [event(1, "lane-2")])
    watch = GapWatch(grace_s=0, retry_s=3600, max_requests=3)
    claims: list = []

    def look(node: PostgresStore) -> None:
        for _ in range(3):
            claims.extend(node.claim_gaps(watch))

    threads = [threading.Thread(target=look, args=(node,)) for node in consumers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [(due.port, due.lane, due.ranges) for due in claims] == [(PORT, "lane-1", [(3, 4), (7, 8)])]
    consumers[1].add([event(3), event(4)])  # (3, 4) arrives: forgotten; (7, 8) waits for its retry
    assert consumers[2].claim_gaps(watch) == []
    assert consumers[2].gaps(PORT, "lane-1") == [(7, 8)]
    for node in consumers:
        node.close()


def test_a_gap_is_asked_again_after_the_retry_then_abandoned(store: PostgresStore) -> None:
    store.add([event(1), event(3)])
    watch = GapWatch(grace_s=0, retry_s=0, max_requests=2)
    assert [d.ranges for d in store.claim_gaps(watch)] == [[(2, 2)]]
    assert [d.ranges for d in store.claim_gaps(watch)] == [[(2, 2)]]
    assert store.claim_gaps(watch) == [] and watch.abandoned == 1


def test_a_young_gap_waits_its_grace(store: PostgresStore) -> None:
    store.add([event(1), event(3)])
    assert store.claim_gaps(GapWatch(grace_s=60)) == []  # live-first reorders: a young gap is normal


def test_events_go_to_day_partitions_and_retention_drops_old_days(store: PostgresStore) -> None:
    now = datetime.now(UTC)
    store.add([event(1, at=now - timedelta(days=40)), event(2, at=now - timedelta(days=3)), event(3, at=now)])
    days = {f"events_{(now - timedelta(days=d)):%Y%m%d}" for d in (40, 3, 0)}
    assert days <= set(store.partitions())
    assert store.prune(keep_days=30) == 1
    assert store.seqs(PORT, "lane-1") == [2, 3]
    assert store.add([event(1, at=now - timedelta(days=40))]) == 1  # a late arrival for a dropped day is kept


def test_which_lanes_are_behind_the_published_watchlist(store: PostgresStore) -> None:
    store.add([event(1, "lane-1", "lane.metrics", {"lane": "lane-1", "watchlist": {"version": 3}}),
               event(2, "lane-1", "lane.metrics", {"lane": "lane-1", "watchlist": {"version": 5}}),
               event(1, "lane-2", "lane.metrics", {"lane": "lane-2", "watchlist": {"version": 4}}),
               event(1, "lane-3", "read")])
    store.add([event(1, "lane-1", "lane.metrics", {"lane": "lane-1", "watchlist": {"version": 1}}, id="older")])
    store.record_published(PORT, 5)
    versions = {v.lane: (v.version, v.behind) for v in store.lane_versions()}
    assert versions == {"lane-1": (5, False), "lane-2": (4, True), "lane-3": (None, True)}


def test_crossings_are_found_by_plate_document_and_container_within_a_time_range(store: PostgresStore) -> None:
    now = datetime.now(UTC)
    store.add([
        event(1, kind="crossing.opened", payload={"crossing_id": "c1", "lane": "lane-1", "at": now.isoformat()}),
        event(2, payload={"crossing_id": "c1", "lane": "lane-1", "kind": "plate", "value": "ABC1234"}),
        event(3, payload={"crossing_id": "c1", "lane": "lane-1", "kind": "container", "value": "MSCU1234565"}),
        event(4, kind="decision", payload={"crossing_id": "c1", "lane": "lane-1", "action": "secondary",
                                           "officer_id": "o7", "decision_id": "d1"}),
        event(5, payload={"crossing_id": "c2", "lane": "lane-1", "kind": "document", "value": "P1234567"}),
    ])
    [found] = store.crossings(plate="abc1234")
    assert found["crossing_id"] == "c1" and [d["action"] for d in found["decisions"]] == ["secondary"]
    assert [c["crossing_id"] for c in store.crossings(container="MSCU1234565")] == ["c1"]
    assert [c["crossing_id"] for c in store.crossings(document="P1234567")] == ["c2"]
    assert store.crossings(plate="ABC1234", until=now - timedelta(hours=1)) == []
    assert store.crossings(document="ABC1234") == []  # a plate is not a document


def test_the_audit_head_is_the_newest_entry_whatever_the_arrival_order(store: PostgresStore) -> None:
    def audit(seq: int) -> UplinkEvent:
        return event(seq, kind="audit", payload={"entry_id": f"a{seq}", "hash": f"h{seq}", "prev_hash": "x",
                                                 "at": "2026-12-03T10:00:00+00:00", "actor": "o", "action": "x"})

    store.add([audit(5)])
    store.add([audit(2)])
    [head] = store.audit_heads()
    assert (head.lane, head.seq, head.entry_id, head.hash) == ("lane-1", 5, "a5", "h5")


def test_a_break_in_a_lanes_audit_chain_is_found(store: PostgresStore) -> None:
    def audit(seq: int, prev: str) -> UplinkEvent:
        return event(seq, kind="audit", payload={"entry_id": f"a{seq}", "hash": f"h{seq}", "prev_hash": prev})

    store.add([audit(1, "genesis"), audit(2, "h1"), audit(3, "h2"), audit(4, "forged"), audit(5, "h4")])
    assert store.audit_breaks(PORT, "lane-1") == [(4, "a4")]
    assert store.audit_breaks(PORT, "lane-9") == []


def test_a_database_restart_is_reported_then_survived(postgres, store: PostgresStore) -> None:
    store.add([event(1)])
    postgres.halt(crash=True)
    try:
        with pytest.raises(StoreUnavailable):
            store.add([event(2)])
    finally:
        postgres.start()
    assert store.add([event(2)]) == 1  # the same store reconnects
    assert store.seqs(PORT, "lane-1") == [1, 2]


def test_central_db_behind_names_the_lanes_behind(store: PostgresStore, pg_dsn: str) -> None:
    store.add([event(1, "lane-1", "lane.metrics", {"lane": "lane-1", "watchlist": {"version": 2}}),
               event(1, "lane-2", "lane.metrics", {"lane": "lane-2", "watchlist": {"version": 3}})])
    store.record_published(PORT, 3)
    result = subprocess.run([sys.executable, "-m", "garita.station", "central-db", "behind", "--dsn", pg_dsn, "--json"],
                            capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert [(row["lane"], row["version"], row["published"]) for row in json.loads(result.stdout)] == [("lane-1", 2, 3)]
