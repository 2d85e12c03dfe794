"""The embedded SQLite store: the gap finder (index-only shortcut and full scan agree with a plain set
difference) and the questions both stores answer."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from garita.sync.central.store_sqlite import SqliteStore
from garita.sync.envelope import UplinkEvent


def expected_gaps(seqs: set[int]) -> list[tuple[int, int]]:
    missing = sorted(set(range(1, max(seqs) + 1)) - seqs)
    runs = itertools.groupby(enumerate(missing), key=lambda pair: pair[1] - pair[0])
    return [(group[0][1], group[-1][1]) for group in (list(g) for _, g in runs)]


@settings(max_examples=60, deadline=None)
@given(st.sets(st.integers(1, 80), min_size=1, max_size=80), st.integers(0, 3))
def test_gaps_are_the_missing_sequence_ranges(tmp_path_factory, seqs: set[int], repeats: int) -> None:
    store = SqliteStore(tmp_path_factory.mktemp("central") / "central.db")
    rows = [(f"e{seq}", "port", "lane-1", seq) for seq in seqs]
    rows += [(f"again{seq}", "port", "lane-1", seq) for seq in sorted(seqs)[:repeats]]  # same seq, other event
    with store.lock:
        store.conn.executemany("INSERT INTO events (id, port, lane, seq, kind, created_at, payload, stale,"
                               " received_at) VALUES (?, ?, ?, ?, 'read', 't', '{}', 0, 't')", rows)
    assert store.gaps("port", "lane-1") == expected_gaps(seqs)
    assert store.gaps("port", "other") == []


@settings(max_examples=60, deadline=None)
@given(st.sets(st.integers(1, 80), min_size=1, max_size=80), st.integers(1, 90))
def test_a_scan_from_a_later_seq_reads_only_what_follows(tmp_path_factory, seqs: set[int], first: int) -> None:
    """What the central's watcher does once every seq before ``first`` is known to be stored."""
    store = SqliteStore(tmp_path_factory.mktemp("central") / "central.db")
    stored = seqs | set(range(1, first))
    with store.lock:
        store.conn.executemany("INSERT INTO events (id, port, lane, seq, kind, created_at, payload, stale,"
                               " received_at) VALUES (?, 'port', 'lane-1', ?, 'read', 't', '{}', 0, 't')",
                               [(f"e{seq}", seq) for seq in stored])
    gaps, highest = store.scan("port", "lane-1", first)
    assert highest == max(max(stored), first - 1)
    assert gaps == [(low, high) for low, high in expected_gaps(stored) if low >= first]


def _event(seq: int, kind: str, payload: dict, lane: str = "lane-1", at: datetime | None = None) -> UplinkEvent:
    when = (at or datetime.now(UTC)).isoformat()
    return UplinkEvent(f"{lane}-{seq}", seq, "2504", lane, kind, when, payload)


def test_the_embedded_store_answers_the_same_questions(tmp_path) -> None:
    """Crossings by plate, lanes behind, audit breaks, retention: what the PostgreSQL store answers too."""
    store = SqliteStore(tmp_path / "central.db")
    now = datetime.now(UTC)
    store.add([
        _event(1, "read", {"crossing_id": "c1", "kind": "plate", "value": "XYZ987"}, at=now - timedelta(days=40)),
        _event(2, "read", {"crossing_id": "c2", "kind": "plate", "value": "ABC123"}),
        _event(3, "decision", {"crossing_id": "c2", "action": "release", "officer_id": "o1"}),
        _event(4, "lane.metrics", {"lane": "lane-1", "watchlist": {"version": 4}}),
        _event(5, "audit", {"entry_id": "a5", "hash": "h5", "prev_hash": "x"}),
        _event(6, "audit", {"entry_id": "a6", "hash": "h6", "prev_hash": "forged"}),
        _event(1, "lane.metrics", {"lane": "lane-2", "watchlist": {"version": 5}}, lane="lane-2"),
    ])
    store.record_published("2504", 5)
    [crossing] = store.crossings(plate="abc123")
    assert crossing["crossing_id"] == "c2" and crossing["decisions"][0]["action"] == "release"
    assert {(v.lane, v.version, v.behind) for v in store.lane_versions()} == {("lane-1", 4, True),
                                                                             ("lane-2", 5, False)}
    assert [(h.seq, h.hash) for h in store.audit_heads()] == [(6, "h6")]
    assert store.audit_breaks("2504", "lane-1") == [(6, "a6")]
    assert store.prune(keep_days=30) == 1 and store.crossings(plate="XYZ987") == []
    store.close()
