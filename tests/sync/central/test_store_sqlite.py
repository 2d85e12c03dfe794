"""The central's gap finder: the index-only shortcut and the full scan agree with a plain set difference."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from sync.central.store_sqlite import SqliteStore


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
