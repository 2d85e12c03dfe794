"""Downlink state kept across restarts, read and written inside the transaction that applies a message."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from garita.station.storage.lane_store import LaneStore, Tx

REMEMBER = timedelta(days=30)  # how long an applied id is kept when its message sets no expiry


def keep_until(expires_at: datetime | None, now: datetime) -> datetime:
    """Until when an applied id is kept: its expiry (after that the downlink refuses it anyway)."""
    return expires_at or now + REMEMBER


def already_applied(tx: Tx, message_id: str) -> bool:
    row = tx.conn.execute("SELECT 1 FROM downlink_applied WHERE message_id = ?", (message_id,)).fetchone()
    return row is not None


def mark_applied(tx: Tx, message_id: str, kind: str, now: datetime, expires_at: datetime) -> None:
    """Remember an applied message until it expires (after that the downlink refuses it as expired)."""
    tx.conn.execute("INSERT INTO downlink_applied (message_id, kind, applied_at, expires_at) VALUES (?, ?, ?, ?)",
                    (message_id, kind, now.isoformat(), expires_at.isoformat()))


def forget_expired(tx: Tx, now: datetime) -> int:
    return tx.conn.execute("DELETE FROM downlink_applied WHERE expires_at < ?", (now.isoformat(),)).rowcount


def declaration_version(tx: Tx, declaration_id: str) -> int | None:
    """The last version applied of a declaration, held or removed; None when never seen."""
    row = tx.conn.execute("SELECT MAX(version) FROM (SELECT version FROM declaration_versions WHERE id = ?"
                          " UNION ALL SELECT version FROM declarations WHERE id = ?)",
                          (declaration_id, declaration_id)).fetchone()
    return row[0] if row else None


def set_declaration_version(tx: Tx, declaration_id: str, version: int, removed: bool) -> None:
    tx.conn.execute("INSERT INTO declaration_versions (id, version, removed) VALUES (?, ?, ?)"
                    " ON CONFLICT(id) DO UPDATE SET version = excluded.version, removed = excluded.removed",
                    (declaration_id, version, int(removed)))


def forget_declaration_versions(tx: Tx) -> None:
    """A declarations snapshot is the whole truth: the versions it holds start afresh."""
    tx.conn.execute("DELETE FROM declaration_versions")


def add_counters(tx: Tx, deltas: Mapping[str, int]) -> None:
    tx.conn.executemany("INSERT INTO counters (name, value) VALUES (?, ?)"
                        " ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
                        [(name, n) for name, n in deltas.items() if n])


def counters(store: LaneStore, prefix: str) -> dict[str, int]:
    rows = store.query("SELECT name, value FROM counters WHERE name LIKE ? || '%'", (prefix,))
    return {row["name"][len(prefix):]: row["value"] for row in rows}
