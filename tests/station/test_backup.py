"""`garita init`, `backup`, `restore` and `migrate` as port IT runs them, against real lane processes."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from garita.station.storage.audit_chain import chain_existing, verify
from garita.station.storage.migrations import LATEST, NOTES, migrate
from tests.station.test_cli import garita
from tests.station.test_metrics import stop, wait_for
from tests.station.test_mock_run import start_mock


def decisions(data_dir: Path) -> int:
    try:
        with sqlite3.connect(data_dir / "garita.db", timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def audit_verdict(data_dir: Path) -> dict:
    result = garita("audit", "verify", "--json", "--data-dir", str(data_dir))
    return {**json.loads(result.stdout), "rc": result.returncode}


def test_a_backup_taken_mid_run_restores_with_its_audit_chain(tmp_path):
    live, backup_file = tmp_path / "live", tmp_path / "mid-run.db"
    process = start_mock(live, "--speed", "3")
    try:
        wait_for(lambda: decisions(live) >= 2, timeout=90)
        taken = garita("backup", str(backup_file), "--data-dir", str(live))
        assert taken.returncode == 0, taken.stderr
        head = taken.stdout.split("audit head ")[1].strip()
        refused = garita("restore", str(backup_file), "--data-dir", str(live), "--yes")
        assert refused.returncode == 75 and "the lane is running" in refused.stderr
        wait_for(lambda: decisions(live) >= 4, timeout=90)  # the lane went on writing after the backup
    finally:
        stop(process)
    assert not (tmp_path / "mid-run.db.partial").exists()
    restored = tmp_path / "restored"
    result = garita("restore", str(backup_file), "--data-dir", str(restored))
    assert result.returncode == 0, result.stderr
    assert f"audit head {head}" in result.stdout and "OK, taken" in result.stdout
    verdict = audit_verdict(restored)
    assert verdict["rc"] == 0 and verdict["head"] == head
    assert verdict["entries"] < audit_verdict(live)["entries"]
    with sqlite3.connect(restored / "garita.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert not db.execute("SELECT name FROM sqlite_master WHERE name = 'garita_backup'").fetchall()
    # Restoring over the live lane's database keeps the one it replaces.
    again = garita("restore", str(backup_file), "--data-dir", str(live), "--yes")
    assert again.returncode == 0, again.stderr
    kept = next(live.glob("garita.db.before-restore-*"))
    with sqlite3.connect(kept) as db:
        assert verify(db).entries > verdict["entries"]
    assert audit_verdict(live)["head"] == head


def tamper(path: Path, sql: str) -> None:
    with sqlite3.connect(path) as db:
        db.executescript("DROP TRIGGER audit_sealed; DROP TRIGGER audit_never_deleted;" + sql)


@pytest.mark.parametrize(("damage", "message"), [
    ("UPDATE audit SET detail = '{}' WHERE id = 2;", "audit trail is broken at entry 2"),
    ("DELETE FROM audit WHERE id = (SELECT MAX(id) FROM audit);", "does not end where the backup recorded"),
    ("DELETE FROM audit WHERE action = 'crossing.read' AND id = (SELECT MAX(id) FROM audit WHERE action ="
     " 'crossing.read');", "audit trail is broken at"),
    (None, "not a usable SQLite database"),
])
def test_restore_refuses_a_backup_that_does_not_vouch_for_itself(tmp_path, store, data_dir, damage, message):
    from garita.station.core.lifecycle import Lifecycle, ReadIn

    lifecycle = Lifecycle(store, "lane-t", 300)
    for value in ("ABC123", "XYZ789", "QQQ111"):
        lifecycle.record_read(ReadIn("rfid-1", "rfid", value, {}, datetime.now(UTC)))
    with store.transaction() as tx:  # the newest entry vouches for no record: only the head shows it cut off
        tx.audit(datetime.now(UTC), "lane", "lane.note", None, {})
    backup_file = tmp_path / "b.db"
    assert garita("backup", str(backup_file), "--data-dir", str(data_dir)).returncode == 0
    if damage:
        tamper(backup_file, damage)
    else:
        backup_file.write_bytes(b"SQLite format 3\x00" + b"\xff" * 3000)
    target = tmp_path / "target"
    result = garita("restore", str(backup_file), "--data-dir", str(target), "--yes")
    assert result.returncode == 65, result.stdout + result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (target / "garita.db").exists()


def previous_release_database(data_dir: Path, version: int) -> None:
    """A database as an older garita left it: schema `version`, a crossing, a read, a decision and their audit."""
    data_dir.mkdir()
    conn = sqlite3.connect(data_dir / "garita.db", isolation_level=None)
    migrate(conn, target=version)
    now = datetime.now(UTC).isoformat()
    conn.execute("INSERT INTO crossings (id, lane_id, state, trigger, opened_at, last_activity_at, closed_at)"
                 " VALUES ('c1', 'lane-t', 'closed', 'read:rfid', ?, ?, ?)", (now, now, now))
    conn.execute("INSERT INTO reads (crossing_id, device, kind, value, read_at) VALUES ('c1', 'rfid-1', 'rfid',"
                 " 'E200', ?)", (now,))
    conn.execute("INSERT INTO decisions (id, crossing_id, action, officer_id, decided_at) VALUES"
                 " ('d1', 'c1', 'release', 'o1', ?)", (now,))
    (read_id,) = conn.execute("SELECT id FROM reads").fetchone()
    for action, detail in (("crossing.opened", {}), ("crossing.read", {"read_id": read_id}),
                           ("crossing.decided", {"decision_id": "d1"})):
        conn.execute("INSERT INTO audit (at, actor, action, crossing_id, detail) VALUES (?, 'lane', ?, 'c1', ?)",
                     (now, action, json.dumps(detail)))
    if version >= 6:  # from schema 6 on, a release chained each entry as it wrote it
        chain_existing(conn)
    conn.close()


@pytest.mark.parametrize("version", [LATEST - 1, 1])
def test_migrate_upgrades_a_previous_release_database_after_a_backup(tmp_path, version):
    data_dir = tmp_path / "data"
    previous_release_database(data_dir, version)
    check = garita("migrate", "--check", "--data-dir", str(data_dir))
    assert check.returncode == 1, check.stdout + check.stderr
    assert f"schema {version}; this garita: {LATEST}" in check.stdout
    assert f"  {LATEST}: {NOTES[LATEST - 1][:40]}" in check.stdout
    applied = garita("migrate", "--data-dir", str(data_dir))
    assert applied.returncode == 0, applied.stderr
    assert f"now at schema {LATEST}" in applied.stdout
    pre = data_dir / f"garita.db.pre-v{LATEST}"
    with sqlite3.connect(pre) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == version  # the backup is the old database
    verdict = audit_verdict(data_dir)
    assert verdict["rc"] == 0 and verdict["entries"] == 3
    shown = garita("show", "c1", "--json", "--data-dir", str(data_dir))
    assert shown.returncode == 0 and json.loads(shown.stdout)["decision"]["action"] == "release"
    again = garita("migrate", "--check", "--data-dir", str(data_dir))
    assert again.returncode == 0 and "nothing to do" in again.stdout
    # Rolling back is restoring the pre-upgrade backup (for the older garita to open).
    assert garita("restore", "--check", str(pre)).returncode == 0


def test_a_newer_database_is_refused_with_the_way_back(tmp_path):
    data_dir = tmp_path / "data"
    previous_release_database(data_dir, LATEST)
    with sqlite3.connect(data_dir / "garita.db") as db:
        db.execute(f"PRAGMA user_version = {LATEST + 1}")
    result = garita("migrate", "--check", "--data-dir", str(data_dir))
    assert result.returncode == 73 and "knows up to" in result.stderr and "restoring" in result.stderr


def test_init_creates_the_database_so_officers_can_be_added_before_the_first_start(tmp_path):
    config = tmp_path / "lane.toml"
    data_dir = tmp_path / "var" / "garita"
    config.write_text(f'[lane]\nid = "lane-1"\nport_code = "2504"\ndirection = "northbound"\n'
                      f'[storage]\ndata_dir = "{data_dir}"\n')
    before = garita("officer", "list", "--config", str(config))
    assert before.returncode == 73 and "garita init" in before.stderr
    made = garita("init", "--config", str(config))
    assert made.returncode == 0, made.stderr
    assert f"created {data_dir / 'garita.db'} (schema {LATEST})" in made.stdout
    added = garita("officer", "add", "o-1", "--name", "Ana Ruiz", "--pin", "4812", "--config", str(config))
    assert added.returncode == 0, added.stderr
    assert "o-1" in garita("officer", "list", "--config", str(config)).stdout
    assert "kept" in garita("init", "--config", str(config)).stdout
    nowhere = garita("init", "--config", str(config), "--owner", "no-such-user-here")
    assert nowhere.returncode == 73 and "no user 'no-such-user-here'" in nowhere.stderr
