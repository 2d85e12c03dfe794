"""Queries that other threads (the metrics scrape, the webhook sender) run on their own read-only connection.

WAL lets them read while the lane commits, so neither waits on the lane's lock nor holds it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from garita.station.storage.database import DB_NAME


def connect_readonly(data_dir: Path) -> sqlite3.Connection:
    """A read-only connection to the lane database, for the calling thread only."""
    return sqlite3.connect(f"file:{data_dir / DB_NAME}?mode=ro", uri=True, timeout=2)


def undecided_by_state(conn: sqlite3.Connection) -> dict[str, int]:
    return dict(conn.execute("SELECT state, COUNT(*) FROM crossings WHERE state != 'closed' GROUP BY state"))


def crossings_total(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COUNT(*) FROM crossings").fetchone()[0]


def decision_counts(conn: sqlite3.Connection) -> list[tuple[str, bool, int]]:
    """(action, override, count) over every decision recorded."""
    rows = conn.execute("SELECT action, override, COUNT(*) FROM decisions GROUP BY action, override")
    return [(action, bool(override), count) for action, override, count in rows]


def outbox_pending(conn: sqlite3.Connection) -> tuple[int, str | None]:
    """(rows not yet sent upstream, created_at of the oldest)."""
    depth, oldest = conn.execute("SELECT COUNT(*), MIN(created_at) FROM outbox WHERE sent_at IS NULL").fetchone()
    return depth, oldest


def booth_sessions(conn: sqlite3.Connection, created_after: float) -> dict[bool, int]:
    """Sign-ins not yet expired, by whether they are locked."""
    rows = conn.execute("SELECT locked, COUNT(*) FROM booth_sessions WHERE created_at > ? GROUP BY locked",
                        (created_after,))
    return {bool(locked): count for locked, count in rows}


def outbox_after(conn: sqlite3.Connection, seq: int, kinds: tuple[str, ...], limit: int) -> list[tuple]:
    """(seq, id, kind, payload, created_at) of the events of these kinds after ``seq``, in order."""
    marks = ",".join("?" * len(kinds))
    return conn.execute(f"SELECT seq, id, kind, payload, created_at FROM outbox WHERE seq > ? AND kind IN"
                        f" ({marks}) ORDER BY seq LIMIT ?", (seq, *kinds, limit)).fetchall()


def outbox_count_after(conn: sqlite3.Connection, seq: int, kinds: tuple[str, ...]) -> int:
    marks = ",".join("?" * len(kinds))
    return conn.execute(f"SELECT COUNT(*) FROM outbox WHERE seq > ? AND kind IN ({marks})",
                        (seq, *kinds)).fetchone()[0]
