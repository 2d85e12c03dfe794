"""Database: pragmas, migrations from empty and from an older schema, and refusal of a newer one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from garita.station.storage.database import DB_NAME, StorageError, open_database
from garita.station.storage.migrations import LATEST, SchemaTooNew, migrate


def test_fresh_database_has_latest_schema_and_pragmas(data_dir: Path):
    db = open_database(data_dir)
    conn = db.conn
    assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert {"crossings", "reads", "decisions", "outbox", "audit"} <= set(db.table_names())
    db.conn.close()


def test_migrates_an_older_database_keeping_its_rows(data_dir: Path):
    conn = sqlite3.connect(data_dir / DB_NAME, isolation_level=None)
    migrate(conn, target=1)
    conn.execute("INSERT INTO crossings VALUES ('c1', 'l', 'open', 'presence', '2026-01-01', '2026-01-01', NULL, NULL)")
    conn.execute("INSERT INTO reads (crossing_id, device, kind, value, read_at) VALUES ('c1', 'd', 'rfid', 'E2', 't')")
    conn.close()
    db = open_database(data_dir)
    row = db.conn.execute("SELECT value, received_at, image_path FROM reads").fetchone()
    assert row == ("E2", "t", None)
    assert "priority" in db["outbox"].columns_dict
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
    db.conn.close()


def test_reopening_is_idempotent(data_dir: Path):
    open_database(data_dir).conn.close()
    conn = sqlite3.connect(data_dir / DB_NAME, isolation_level=None)
    assert migrate(conn) == []
    conn.close()


def test_newer_schema_is_refused_with_advice(data_dir: Path):
    conn = sqlite3.connect(data_dir / DB_NAME)
    conn.execute(f"PRAGMA user_version = {LATEST + 3}")
    conn.close()
    with pytest.raises(SchemaTooNew, match="upgrade garita"):
        open_database(data_dir)


def test_failed_migration_rolls_back(data_dir: Path, monkeypatch):
    from garita.station.storage import migrations

    conn = sqlite3.connect(data_dir / DB_NAME, isolation_level=None)
    migrate(conn, target=1)
    monkeypatch.setattr(migrations, "MIGRATIONS", [migrations.MIGRATIONS[0], "CREATE TABLE t (x); BOGUS SQL"])
    with pytest.raises(sqlite3.OperationalError):
        migrations.migrate(conn, target=2)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 't'").fetchone() is None


def test_unwritable_data_dir_is_a_clear_error(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="cannot be created"):
        open_database(blocker / "data")


def test_not_a_database_is_a_clear_error(data_dir: Path):
    (data_dir / DB_NAME).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match="cannot be opened"):
        open_database(data_dir)


def test_every_migration_has_its_note_for_migrate_check():
    from garita.station.storage.migrations import LATEST, MIGRATIONS, NOTES

    assert len(NOTES) == len(MIGRATIONS) == LATEST  # a migration added without its line breaks `garita migrate --check`
