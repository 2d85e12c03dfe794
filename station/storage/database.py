"""Open the lane's SQLite database with the settings a power cut demands."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

from station.storage.migrations import migrate

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


def open_database(data_dir: Path, *, create: bool = True) -> sqlite_utils.Database:
    """Open (and migrate) ``garita.db``: WAL, foreign keys on, synchronous=FULL.

    synchronous is a per-connection setting in SQLite, not per table; FULL on the one
    connection covers decisions, outbox and audit, which must survive a power cut.
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
        migrate(conn)
    except sqlite3.DatabaseError as exc:
        hint = " (the data directory or database is not writable by this user)" if "readonly" in str(exc) else ""
        raise StorageError(f"database {path} cannot be opened: {exc}{hint}") from None
    return sqlite_utils.Database(conn)
