"""The watchlist file's repository: the lookup every read makes stays on the match-key index."""

from __future__ import annotations

from garita.station.storage import watchlist_repo
from garita.station.watchlist import watchlist_store as store
from garita.station.watchlist.entries import Entry
from garita.station.watchlist.importer import import_file
from garita.station.watchlist.watchlist_keys import entry_keys
from tests.station.watchlist_feeds import KEYS, LISTED, snapshot


def _held(tmp_path, data_dir):
    import_file(data_dir, snapshot(tmp_path / "s.feed", 1, LISTED), KEYS)
    return watchlist_repo.connect(store.current_file(store.watchlist_dir(data_dir)), readonly=True)


def test_the_lookup_searches_the_key_index_and_the_rowid_never_scans(tmp_path, data_dir):
    conn = _held(tmp_path, data_dir)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    found = watchlist_repo.entries_under(conn, sorted(entry_keys(Entry.model_validate(LISTED[0]))))
    conn.set_trace_callback(None)
    assert [e.id for e in found] == ["P1"]  # filed under many keys, returned once
    (lookup,) = statements
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + lookup)]
    assert "SEARCH idx USING COVERING INDEX idx_k (k=?)" in plan
    assert "SEARCH entries USING INTEGER PRIMARY KEY (rowid=?)" in plan
    assert not [step for step in plan if step.startswith("SCAN")]


def test_meta_and_counts_read_back_what_the_import_wrote(tmp_path, data_dir):
    conn = _held(tmp_path, data_dir)
    meta = watchlist_repo.read_meta(conn)
    assert (meta["version"], meta["snapshot_version"]) == (1, 1)
    assert sum(watchlist_repo.counts_by_kind(conn).values()) == len(LISTED)
    assert watchlist_repo.entry_by_id(conn, "P1").entry.plate == "8XYZ123"
    assert watchlist_repo.entry_by_id(conn, "nope") is None
