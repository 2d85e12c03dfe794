"""The joint decision record and the hash-chained audit trail: tamper is found, records never change."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from garita.station.core.lifecycle import Lifecycle, OverrideNeedsReason, ReadIn
from garita.station.storage.audit_chain import verify
from garita.station.storage.database import DB_NAME
from garita.station.storage.migrations import migrate
from tests.station.test_cli import garita


def _read(value: str) -> ReadIn:
    return ReadIn("rfid-1", "rfid", value, {}, datetime.now(UTC))


def _assess(store, crossing_id: str, recommendation: str) -> None:
    with store.transaction() as tx:
        tx.conn.execute(
            "INSERT INTO assessments (id, crossing_id, recommendation, detail, watchlist_version, declaration_id,"
            " declaration_version, assessed_at) VALUES (?, ?, ?, ?, 41, 'decl-7', 3, ?)",
            (f"a-{crossing_id}", crossing_id, recommendation,
             json.dumps({"reasons": [{"code": "watchlist-hit"}]}), datetime.now(UTC).isoformat()))


def _tamper(store, sql: str, *params) -> None:
    conn = store.db.conn
    for trigger in ("audit_sealed", "audit_never_deleted"):
        conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")  # what someone editing the file directly would do
    conn.execute(sql, params)


def test_decision_record_names_recommendation_versions_and_second_officer(store):
    lifecycle = Lifecycle(store, "lane-a", 60)
    crossing = lifecycle.record_read(_read("E1")).crossing_id
    _assess(store, crossing, "secondary")
    with pytest.raises(OverrideNeedsReason, match="against the recommendation"):
        lifecycle.decide(crossing, "release", "us-1")
    lifecycle.decide(crossing, "release", "us-1", "documents checked by hand",
                     second_officer_id="mx-9", notes="driver cooperative")
    (row,) = store.query("SELECT * FROM decisions")
    assert (row["recommendation"], row["override"], row["second_officer_id"]) == ("secondary", 1, "mx-9")
    basis = json.loads(row["basis"])
    assert basis["watchlist_version"] == 41 and basis["declaration_version"] == 3
    assert basis["reasons"] == [{"code": "watchlist-hit"}]
    (message,) = store.query("SELECT payload FROM outbox WHERE kind = 'decision'")
    assert json.loads(message["payload"])["override"] is True


def test_decisions_are_never_updated_or_deleted(store):
    lifecycle = Lifecycle(store, "lane-a", 60)
    crossing = lifecycle.record_read(_read("E1")).crossing_id
    lifecycle.decide(crossing, "release", "us-1")
    with pytest.raises(sqlite3.IntegrityError, match="never updated"):
        store.db.conn.execute("UPDATE decisions SET action = 'detain'")
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        store.db.conn.execute("DELETE FROM decisions")
    with pytest.raises(sqlite3.IntegrityError, match="never updated"):
        store.db.conn.execute("UPDATE audit SET actor = 'someone-else'")


def _lane_with_history(store, vehicles: int = 3) -> None:
    lifecycle = Lifecycle(store, "lane-a", 60)
    for n in range(vehicles):
        crossing = lifecycle.record_read(_read(f"E{n}")).crossing_id
        lifecycle.record_read(_read(f"F{n}"))
        lifecycle.decide(crossing, "release", "us-1")


def test_an_untouched_trail_verifies(store):
    _lane_with_history(store)
    verdict = verify(store.db.conn)
    assert verdict.ok and verdict.entries == store.query("SELECT count(*) AS n FROM audit")[0]["n"]


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_any_edit_or_removal_is_found_at_that_entry(tmp_path_factory, data):
    from garita.station.storage.database import open_database
    from garita.station.storage.lane_store import LaneStore

    store = LaneStore(open_database(tmp_path_factory.mktemp("chain")))
    _lane_with_history(store, vehicles=2)
    ids = [r["id"] for r in store.query("SELECT id FROM audit ORDER BY id")]
    victim = data.draw(st.sampled_from(ids))
    if data.draw(st.booleans()):
        _tamper(store, "UPDATE audit SET detail = ? WHERE id = ?", '{"forged": true}', victim)
        expected = victim
    else:
        _tamper(store, "DELETE FROM audit WHERE id = ?", victim)
        later = [i for i in ids if i > victim]
        expected = later[0] if later else None  # cutting the tail is caught upstream, not by the chain
    assert verify(store.db.conn).first_bad == expected
    store.db.conn.close()


def test_migration_chains_an_older_trail(data_dir: Path):
    conn = sqlite3.connect(data_dir / DB_NAME, isolation_level=None)
    migrate(conn, target=4)
    conn.execute("INSERT INTO audit (at, actor, action, detail) VALUES ('2026-01-01', 'lane', 'old.entry', '{}')")
    migrate(conn)
    verdict = verify(conn)
    assert verdict.ok and verdict.entries == 1


def test_audit_verify_command(tmp_path, store, data_dir):
    _lane_with_history(store)
    ok = garita("audit", "verify", "--data-dir", str(data_dir))
    # per vehicle: opened, two reads, departed (the decision sends it on: no presence source), decided
    assert ok.returncode == 0 and ok.stdout.startswith("OK: 15 entries, chain unbroken"), ok.stdout + ok.stderr
    _tamper(store, "UPDATE audit SET actor = 'officer:nobody' WHERE id = 4")
    broken = garita("audit", "verify", "--data-dir", str(data_dir))
    assert broken.returncode == 1
    assert broken.stdout.startswith("BROKEN at entry 4: its content does not match its hash")


@pytest.mark.parametrize(("column", "value"), [
    ("at", "2026-01-01T00:00:00+00:00"),
    ("actor", "officer:nobody"),
    ("action", "decision.detain"),
    ("crossing_id", None),  # moved off its crossing (a foreign key keeps it from naming a made-up one)
    ("detail", '{"forged": true}'),
])
def test_every_field_of_an_entry_is_covered_by_its_hash(store, column, value):
    _lane_with_history(store, vehicles=1)
    victim = store.query("SELECT id FROM audit WHERE crossing_id IS NOT NULL ORDER BY id")[1]["id"]
    _tamper(store, f"UPDATE audit SET {column} = ? WHERE id = ?", value, victim)
    verdict = verify(store.db.conn)
    assert (verdict.first_bad, verdict.why) == (victim, "its content does not match its hash (it was edited)")


def test_the_chain_is_the_documented_sha256_form_from_an_all_zero_genesis(store):
    """The central recomputes the chain from the entries it received: the form must be exactly this."""
    import hashlib

    _lane_with_history(store, vehicles=1)
    prev = "0" * 64
    rows = store.query("SELECT id, at, actor, action, crossing_id, detail, prev_hash, hash FROM audit ORDER BY id")
    for row in rows:
        fields = [prev, row["id"], row["at"], row["actor"], row["action"], row["crossing_id"], row["detail"]]
        body = json.dumps(fields, separators=(",", ":")).encode()
        assert (row["prev_hash"], row["hash"]) == (prev, hashlib.sha256(body).hexdigest())
        prev = row["hash"]
    verdict = verify(store.db.conn)
    assert (verdict.entries, verdict.head, verdict.first_bad, verdict.why) == (len(rows), prev, None, "")


def test_a_removed_entry_is_named_as_a_break_in_the_links(store):
    _lane_with_history(store, vehicles=1)
    ids = [r["id"] for r in store.query("SELECT id FROM audit ORDER BY id")]
    _tamper(store, "DELETE FROM audit WHERE id = ?", ids[1])
    verdict = verify(store.db.conn)
    why = "does not follow the entry before it (one was removed or changed)"
    assert (verdict.first_bad, verdict.why) == (ids[2], why)
    assert verdict.entries == 2 and not verdict.ok


def test_migration_chains_several_older_entries_in_order(data_dir: Path):
    conn = sqlite3.connect(data_dir / DB_NAME, isolation_level=None)
    migrate(conn, target=4)
    for n in range(3):
        conn.execute("INSERT INTO audit (at, actor, action, detail) VALUES (?, 'lane', 'old.entry', '{}')",
                     (f"2026-01-0{n + 1}",))
    migrate(conn)
    links = conn.execute("SELECT prev_hash, hash FROM audit ORDER BY id").fetchall()
    assert [prev for prev, _ in links] == ["0" * 64, links[0][1], links[1][1]]
    assert verify(conn).ok and verify(conn).entries == 3


def _deliver_audit(store, central_db: Path) -> None:
    """What the uplink does for the audit rows: each goes to the central with its hash."""
    from garita.sync.central.store_sqlite import SqliteStore
    from garita.sync.envelope import UplinkEvent

    rows = store.query("SELECT id, seq, kind, created_at, payload FROM outbox WHERE kind = 'audit' ORDER BY seq")
    central = SqliteStore(central_db)
    central.add([UplinkEvent(r["id"], r["seq"], "2504", "lane-a", r["kind"], r["created_at"], json.loads(r["payload"]))
                 for r in rows])
    central.close()


def test_a_changed_decision_row_and_a_cut_tail_are_found(tmp_path, store, data_dir):
    """Issue 17 row 9: the decision rows are covered, and the head is anchored at the central."""
    _lane_with_history(store)
    central_db = tmp_path / "central.db"
    _deliver_audit(store, central_db)
    lane = ("--data-dir", str(data_dir), "--against-central", str(central_db), "--lane", "2504/lane-a")
    ok = garita("audit", "verify", *lane)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "9 reads and decisions match their entries" in ok.stdout  # 3 vehicles: 6 reads, 3 decisions
    entries = store.query("SELECT COUNT(*) AS n FROM audit")[0]["n"]  # opened, 2 reads, departed, decided a vehicle
    assert f"OK: matches the central's copy: {entries} entries there" in ok.stdout
    store.db.conn.execute("DROP TRIGGER decisions_never_updated")
    decision = store.query("SELECT id FROM decisions ORDER BY rowid")[1]["id"]
    store.db.conn.execute("UPDATE decisions SET officer_id = 'us-666' WHERE id = ?", (decision,))
    changed = garita("audit", "verify", "--data-dir", str(data_dir))
    assert changed.returncode == 1
    assert changed.stdout.startswith(f"BROKEN at decisions/{decision}: decisions row {decision} differs")
    store.db.conn.execute("UPDATE decisions SET officer_id = 'us-1' WHERE id = ?", (decision,))
    last_ten = [r["id"] for r in store.query("SELECT id FROM audit ORDER BY id DESC LIMIT 10")]
    _tamper(store, f"DELETE FROM audit WHERE id IN ({','.join(map(str, last_ten))})")
    cut = garita("audit", "verify", *lane)
    assert cut.returncode == 1
    assert "has no audit entry (the entry was removed)" in cut.stdout
    assert f"BROKEN: differs from the central's copy: 10 cut off the end (first {min(last_ten)})" in cut.stdout


def test_a_read_moved_by_an_officer_is_vouched_for_by_its_move(store):
    """A move changes the read's crossing: its audit entry carries the row as moved, and an edit after it shows."""
    lifecycle = Lifecycle(store, "lane-a", 60)
    read = lifecycle.record_read(_read("E1"))
    lifecycle.move_read(read.read_id, None, "officer:us-1", "not this vehicle's")
    assert verify(store.db.conn).ok
    _tamper(store, "UPDATE reads SET crossing_id = ? WHERE id = ?", read.crossing_id, read.read_id)
    verdict = verify(store.db.conn)
    assert verdict.bad_row == f"reads/{read.read_id}" and "edited" in verdict.why
