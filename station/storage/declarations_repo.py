"""The ``declarations`` and ``declaration_keys`` tables, and ``feeds``: the version held of each signed feed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from garita.station.declarations.declaration import Declaration
from garita.station.storage.lane_store import LaneStore, Tx


def feed_version(store: LaneStore, feed: str) -> int | None:
    """The version held of a signed feed, or None before its first import."""
    rows = store.query("SELECT version FROM feeds WHERE feed = ?", (feed,))
    return rows[0]["version"] if rows else None


def record_feed(tx: Tx, feed: str, version: int, created_at: datetime, applied_at: datetime, key_id: str) -> None:
    """The version now held of a signed feed, and who signed it when."""
    tx.conn.execute("INSERT OR REPLACE INTO feeds (feed, version, created_at, applied_at, key_id)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (feed, version, created_at.isoformat(), applied_at.isoformat(), key_id))


def clear(tx: Tx) -> None:
    """Every declaration and match key goes (a snapshot replaces them all)."""
    tx.conn.execute("DELETE FROM declaration_keys")
    tx.conn.execute("DELETE FROM declarations")


def remove(tx: Tx, declaration_id: str) -> bool:
    """Drop one declaration and its match keys; False when it was not held."""
    gone = tx.conn.execute("DELETE FROM declarations WHERE id = ?", (declaration_id,)).rowcount
    tx.conn.execute("DELETE FROM declaration_keys WHERE declaration_id = ?", (declaration_id,))
    return gone > 0


def insert(tx: Tx, declaration: Declaration, keys: Iterable[str]) -> None:
    """Store a declaration filed under each of its match ``keys``."""
    tx.conn.execute("INSERT INTO declarations (id, version, data) VALUES (?, ?, ?)",
                    (declaration.id, declaration.version, declaration.model_dump_json()))
    tx.conn.executemany("INSERT INTO declaration_keys (k, declaration_id) VALUES (?, ?)",
                        [(k, declaration.id) for k in keys])


def filed_under(store: LaneStore, keys: set[str]) -> list[Declaration]:
    """Declarations filed under any of ``keys`` (each once)."""
    if not keys:
        return []
    marks = ",".join("?" * len(keys))
    rows = store.query(f"SELECT data FROM declarations WHERE id IN"
                       f" (SELECT declaration_id FROM declaration_keys WHERE k IN ({marks}))", sorted(keys))
    return [Declaration.model_validate_json(row["data"]) for row in rows]
