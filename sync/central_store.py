"""The central side's own SQLite file: every uplink event once, lane presence, sequence gaps."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

from sync.envelope import UplinkEvent
from sync.signing import canonical, now_iso

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    arrival INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    port TEXT NOT NULL, lane TEXT NOT NULL, seq INTEGER NOT NULL,
    kind TEXT NOT NULL, created_at TEXT NOT NULL, payload TEXT NOT NULL,
    stale INTEGER NOT NULL DEFAULT 0, received_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_lane_seq ON events(port, lane, seq);
CREATE TABLE IF NOT EXISTS presence (
    port TEXT NOT NULL, lane TEXT NOT NULL, state TEXT NOT NULL, at TEXT NOT NULL, received_at TEXT NOT NULL,
    PRIMARY KEY (port, lane)
);
"""


class CentralStore:
    """Thread-safe (the MQTT thread writes, callers read); duplicates are dropped by message id."""

    def __init__(self, path: Path | str):
        self.conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(_SCHEMA)
        self.lock = threading.Lock()
        self.duplicates = 0

    def add(self, events: list[UplinkEvent]) -> int:
        """Store the events not seen before (one transaction); returns how many were new."""
        rows = [(e.id, e.port, e.lane, e.seq, e.kind, e.created_at, canonical(e.payload).decode(), int(e.stale),
                 now_iso()) for e in events]
        with self.lock:
            before = self.conn.total_changes
            self.conn.execute("BEGIN")
            self.conn.executemany("INSERT OR IGNORE INTO events (id, port, lane, seq, kind, created_at, payload,"
                                  " stale, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            self.conn.execute("COMMIT")
            new = self.conn.total_changes - before
            self.duplicates += len(rows) - new
        return new

    def set_presence(self, port: str, lane: str, state: str, at: str) -> None:
        with self.lock:
            self.conn.execute("INSERT OR REPLACE INTO presence VALUES (?, ?, ?, ?, ?)",
                              (port, lane, state, at, now_iso()))

    def presence(self, port: str, lane: str) -> str | None:
        row = self._query("SELECT state FROM presence WHERE port = ? AND lane = ?", (port, lane))
        return row[0][0] if row else None

    def seqs(self, port: str, lane: str, *, by_arrival: bool = False) -> list[int]:
        order = "arrival" if by_arrival else "seq"
        return [r[0] for r in self._query(f"SELECT seq FROM events WHERE port = ? AND lane = ? ORDER BY {order}",
                                          (port, lane))]

    def count(self) -> int:
        return self._query("SELECT COUNT(*) FROM events", ())[0][0]

    def gaps(self, port: str, lane: str, first: int = 1) -> list[tuple[int, int]]:
        """Missing sequence ranges (inclusive) from ``first`` to the highest seen."""
        return self.scan(port, lane, first)[0]

    def scan(self, port: str, lane: str, first: int = 1) -> tuple[list[tuple[int, int]], int]:
        """(gaps from ``first``, the highest seq they were computed up to); only seqs >= first are read."""
        lowest, highest, count = self._query(
            "SELECT MIN(seq), MAX(seq), COUNT(DISTINCT seq) FROM events WHERE port = ? AND lane = ? AND seq >= ?",
            (port, lane, first))[0]
        if lowest is None:
            return [], first - 1
        head = [(first, lowest - 1)] if lowest > first else []
        if count == highest - lowest + 1:  # the common case, from the index alone: nothing missing inside
            return head, highest
        inner = self._query("SELECT seq + 1, next - 1 FROM (SELECT seq, LEAD(seq) OVER (ORDER BY seq) AS next"
                            " FROM events WHERE port = ? AND lane = ? AND seq BETWEEN ? AND ?) WHERE next > seq + 1",
                            (port, lane, first, highest))
        return head + [(low, high) for low, high in inner], highest

    def lanes(self) -> list[tuple[str, str]]:
        """Every (port, lane) that has sent something."""
        return [(port, lane) for port, lane in self._query("SELECT DISTINCT port, lane FROM events", ())]

    def events(self, port: str, lane: str) -> list[dict[str, Any]]:
        """In lane sequence order (live messages may have arrived earlier than older backlog)."""
        with self.lock:
            cursor = self.conn.execute("SELECT * FROM events WHERE port = ? AND lane = ? ORDER BY seq", (port, lane))
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _query(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def close(self) -> None:
        self.conn.close()
