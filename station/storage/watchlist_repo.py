"""The SQL of a watchlist snapshot file: its schema, meta, entries with their match keys, and history.

One SQLite file per snapshot (``station.watchlist.watchlist_store`` keeps the files); these functions
take the connection to one. Lookups go through ``idx(k, n)``: every read the lane sees is matched.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple, TypedDict, cast

from garita.station.watchlist.entries import Entry

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

EntryRow = tuple[int, str, str, str]  # (n, id, kind, data as the feed line)
KeyRow = tuple[str, int]  # (match key, n)


class WatchlistMeta(TypedDict, total=False):
    """The held version and its provenance (``snapshot_version``: the snapshot the deltas build on)."""

    version: int
    snapshot_version: int
    created_at: str
    applied_at: str
    key_id: str


class StoredEntry(NamedTuple):
    n: int
    entry: Entry


def connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    """A connection to a snapshot file (read-only ones cannot take the write lock by mistake)."""
    uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache: the hot index pages stay resident
    if not readonly:
        conn.execute("PRAGMA synchronous=FULL")
    return conn


def create_snapshot(path: Path) -> sqlite3.Connection:
    """A new, empty snapshot file set up for a bulk load.

    The file is not live until renamed, so the load needs no journal: a crash just leaves a
    file that the next import deletes."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-131072;" + SCHEMA)
    return conn


@contextmanager
def bulk_load(conn: sqlite3.Connection) -> Iterator[None]:
    """One transaction for the whole load; the finished file is switched to WAL for the lane's readers."""
    conn.execute("BEGIN")
    yield
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode=WAL")


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT on the live file: a delta lands whole or not at all."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def insert_entries(conn: sqlite3.Connection, rows: list[EntryRow], key_rows: list[KeyRow]) -> None:
    """A batch of the bulk load: entries as their feed lines, and their match keys."""
    conn.executemany("INSERT INTO entries (n, id, kind, data) VALUES (?, ?, ?, ?)", rows)
    conn.executemany("INSERT INTO idx (k, n) VALUES (?, ?)", key_rows)


def build_indexes(conn: sqlite3.Connection) -> None:
    """Index the loaded file; raises sqlite3.IntegrityError when two entries share an id."""
    for statement in INDEXES.split(";"):
        conn.execute(statement)


def read_meta(conn: sqlite3.Connection) -> WatchlistMeta:
    """The held version and its provenance."""
    return cast(WatchlistMeta, {key: json.loads(value) for key, value in conn.execute("SELECT key, value FROM meta")})


def write_meta(conn: sqlite3.Connection, meta: WatchlistMeta) -> None:
    conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                     [(key, json.dumps(value, default=str)) for key, value in meta.items()])


def add_history(conn: sqlite3.Connection, version: int, kind: str, created_at: str, applied_at: str, key_id: str,
                lines: int) -> None:
    """One history row per applied snapshot or delta."""
    conn.execute("INSERT INTO history (version, kind, created_at, applied_at, key_id, lines) VALUES (?,?,?,?,?,?)",
                 (version, kind, created_at, applied_at, key_id, lines))


def counts_by_kind(conn: sqlite3.Connection) -> dict[str, int]:
    return dict(conn.execute("SELECT kind, COUNT(*) FROM entries GROUP BY kind ORDER BY kind").fetchall())


def entries_under(conn: sqlite3.Connection, keys: list[str]) -> list[Entry]:
    """The entries filed under any of ``keys`` (each once): the lookup every read goes through."""
    marks = ",".join("?" * len(keys))
    rows = conn.execute(
        f"SELECT data FROM entries WHERE n IN (SELECT n FROM idx WHERE k IN ({marks}))", keys).fetchall()
    return [Entry.model_validate_json(row[0]) for row in rows]


def entry_by_id(conn: sqlite3.Connection, entry_id: str) -> StoredEntry | None:
    row = conn.execute("SELECT n, data FROM entries WHERE id = ?", (entry_id,)).fetchone()
    return StoredEntry(row[0], Entry.model_validate_json(row[1])) if row is not None else None


def delete_entry(conn: sqlite3.Connection, n: int, keys: Iterable[str]) -> None:
    """Drop entry ``n`` and the match keys it was filed under."""
    conn.executemany("DELETE FROM idx WHERE k = ? AND n = ?", [(k, n) for k in keys])
    conn.execute("DELETE FROM entries WHERE n = ?", (n,))


def insert_entry(conn: sqlite3.Connection, entry: Entry, keys: Iterable[str]) -> int:
    """Store an entry filed under each of ``keys``; returns its row number."""
    cursor = conn.execute("INSERT INTO entries (id, kind, data) VALUES (?, ?, ?)",
                          (entry.id, entry.kind, entry.model_dump_json(exclude_none=True)))
    n = int(cursor.lastrowid)
    conn.executemany("INSERT INTO idx (k, n) VALUES (?, ?)", [(k, n) for k in keys])
    return n


def entry_lines_of_kind(conn: sqlite3.Connection, kind: str) -> list[str]:
    """Every entry of one kind as stored (JSON), in load order."""
    return [row[0] for row in conn.execute("SELECT data FROM entries WHERE kind = ? ORDER BY n", (kind,))]
