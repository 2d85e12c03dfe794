"""Open the lane's SQLite database with the settings a power cut demands."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Literal

import sqlite_utils

from garita.station.storage.migrations import migrate

DB_NAME = "garita.db"


class StorageError(Exception):
    """The data directory or database cannot be used; the message says what to do."""


def prepare_data_dir(data_dir: Path) -> Path:
    """Create the data directory if needed and prove it is writable."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"data directory {data_dir} cannot be created ({exc.strerror}); "
                           "create it or pass --data-dir") from None
    if not os.access(data_dir, os.W_OK | os.X_OK):
        raise StorageError(f"data directory {data_dir} is not writable by this user; "
                           "fix its owner/permissions or pass --data-dir") from None
    return data_dir


def open_database(data_dir: Path, *, create: bool = True, check: bool = False) -> sqlite_utils.Database:
    """Open (and migrate) ``garita.db``: WAL, foreign keys on, synchronous=FULL.

    synchronous is a per-connection setting in SQLite, not per table; FULL on the one
    connection covers decisions, outbox and audit, which must survive a power cut.
    ``check`` reads every page first (PRAGMA quick_check): the lane does at start.
    """
    path = data_dir / DB_NAME
    if not create and not path.exists():
        raise StorageError(f"no database at {path}; "
                           "run `garita init --config FILE` (or start the lane) first, or pass --data-dir")
    if create:
        prepare_data_dir(data_dir)
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        if check:
            _quick_check(conn, path)
        migrate(conn)
    except sqlite3.DatabaseError as exc:
        if "readonly" in str(exc):
            raise StorageError(f"database {path} cannot be opened: {exc} (the data directory or database is not "
                               "writable by this user)") from None
        raise damaged(path, str(exc)) from None
    return sqlite_utils.Database(conn)


def set_synchronous(db: sqlite_utils.Database, mode: Literal["FULL", "NORMAL"]) -> None:
    """Change the durability of this connection (benchmarks compare FULL, the lane's, against NORMAL)."""
    if mode not in ("FULL", "NORMAL"):
        raise ValueError(f"synchronous is FULL or NORMAL, not {mode!r}")
    db.conn.execute(f"PRAGMA synchronous={mode}")


def _quick_check(conn: sqlite3.Connection, path: Path) -> None:
    rows = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
    if rows != ["ok"]:
        raise damaged(path, "; ".join(rows))


def damaged(path: Path, detail: str) -> StorageError:
    """The message for a database SQLite cannot trust: what it found, how to confirm, how to restore."""
    detail = "; ".join(line.strip() for line in detail.splitlines() if line.strip())
    return StorageError(
        f"database {path} cannot be opened: it is damaged ({detail[:300]}). Stop the lane and confirm with: "
        f"sqlite3 {path} 'PRAGMA integrity_check'. To restore, move {path.name} and its -wal/-shm files "
        f"aside and put the last good backup of {path.name} in {path.parent}; the central system holds "
        f"every event the lane delivered, and events not yet delivered are in the damaged copy.")
