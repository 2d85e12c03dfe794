"""Where the watchlist lives: ``DATA_DIR/watchlist/``, one SQLite file per snapshot, ``CURRENT`` naming the live one.

A snapshot is built into a new file and becomes live by atomically replacing ``CURRENT``, so a crash
while importing leaves the previous version in force. Deltas change the live file in one transaction.
It is kept apart from ``garita.db`` so a million-row import never holds the lane's write lock.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE entries (n INTEGER PRIMARY KEY, id TEXT NOT NULL, kind TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE idx (k TEXT NOT NULL, n INTEGER NOT NULL);
CREATE TABLE history (version INTEGER NOT NULL, kind TEXT NOT NULL, created_at TEXT NOT NULL,
                      applied_at TEXT NOT NULL, key_id TEXT NOT NULL, lines INTEGER NOT NULL)
"""
# Built after the bulk load: sorting once is far faster than growing a B-tree row by row.
INDEXES = """
CREATE UNIQUE INDEX entries_id ON entries(id);
CREATE INDEX idx_k ON idx(k, n)
"""


def watchlist_dir(data_dir: Path) -> Path:
    return data_dir / "watchlist"


def fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def current_file(directory: Path) -> Path | None:
    """The live snapshot file, or None before the first import."""
    pointer = directory / "CURRENT"
    try:
        name = pointer.read_text().strip()
    except FileNotFoundError:
        return None
    return directory / name if name else None


def set_current(directory: Path, name: str) -> None:
    """Point ``CURRENT`` at ``name`` atomically and durably."""
    tmp = directory / "CURRENT.tmp"
    with tmp.open("w") as out:
        out.write(name + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, directory / "CURRENT")
    fsync_dir(directory)


def connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    """A connection to a snapshot file (read-only ones cannot take the write lock by mistake)."""
    uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache: the hot index pages stay resident
    if not readonly:
        conn.execute("PRAGMA synchronous=FULL")
    return conn


def read_meta(conn: sqlite3.Connection) -> dict[str, Any]:
    """The held version and its provenance."""
    return {key: json.loads(value) for key, value in conn.execute("SELECT key, value FROM meta")}


def write_meta(conn: sqlite3.Connection, **values: Any) -> None:
    conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                     [(key, json.dumps(value, default=str)) for key, value in values.items()])


def held_version(directory: Path) -> int | None:
    """The version now in force, or None when no snapshot was ever imported."""
    path = current_file(directory)
    if path is None or not path.exists():
        return None
    conn = connect(path, readonly=True)
    try:
        return read_meta(conn).get("version")
    finally:
        conn.close()


def counts_by_kind(conn: sqlite3.Connection) -> dict[str, int]:
    return dict(conn.execute("SELECT kind, COUNT(*) FROM entries GROUP BY kind ORDER BY kind").fetchall())


def remove_stale_files(directory: Path, keep: set[str]) -> None:
    """Delete snapshot files other than ``keep`` (the live one and the one before, for a quick rollback)."""
    for path in directory.glob("wl-*.db*"):
        if path.name.split(".db")[0] + ".db" not in keep:
            path.unlink(missing_ok=True)
