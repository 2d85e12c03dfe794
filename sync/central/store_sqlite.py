"""The central's embedded SQLite file (demo and field-check central, one process): the same interface as
the PostgreSQL store, so the consumer cannot tell them apart."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from garita.sync.central.event_store import AuditHead, Due, LaneKey, LaneVersion, assemble_crossings, match_kinds
from garita.sync.central.gaps import GapWatch
from garita.sync.envelope import UplinkEvent
from garita.sync.signing import canonical, now_iso

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    arrival INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    port TEXT NOT NULL, lane TEXT NOT NULL, seq INTEGER NOT NULL,
    kind TEXT NOT NULL, created_at TEXT NOT NULL, payload TEXT NOT NULL,
    stale INTEGER NOT NULL DEFAULT 0, received_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_lane_seq ON events(port, lane, seq);
CREATE INDEX IF NOT EXISTS events_created ON events(created_at);
CREATE INDEX IF NOT EXISTS events_read_value ON events(json_extract(payload, '$.value')) WHERE kind = 'read';
CREATE INDEX IF NOT EXISTS events_crossing ON events(json_extract(payload, '$.crossing_id'));
CREATE TABLE IF NOT EXISTS presence (
    port TEXT NOT NULL, lane TEXT NOT NULL, state TEXT NOT NULL, at TEXT NOT NULL, received_at TEXT NOT NULL,
    PRIMARY KEY (port, lane)
);
CREATE TABLE IF NOT EXISTS published (port TEXT PRIMARY KEY, version INTEGER NOT NULL, at TEXT NOT NULL);
"""


class SqliteStore:
    """Thread-safe (the consumer's writer thread writes, callers read); duplicates are dropped by message id."""

    def __init__(self, path: Path | str):
        self.conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(_SCHEMA)
        self.lock = threading.Lock()
        self.duplicates = 0
        # Per lane, every seq up to here is stored: a gap pass reads only what came after (a lane with a million
        # events took 0.2-0.4 s a pass, under the lock incoming messages wait on, when rescanned whole).
        self._complete: dict[LaneKey, int] = {}
        self._gaps: dict[LaneKey, list[tuple[int, int]]] = {}
        self._changed: set[LaneKey] = set(self.lanes())  # what the file held before this run is looked at once too

    def add(self, events: list[UplinkEvent]) -> int:
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
            self._changed.update((e.port, e.lane) for e in events)
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

    def claim_gaps(self, watch: GapWatch) -> list[Due]:
        """One process owns this file, so the claim is the in-memory ``watch``'s schedule."""
        with self.lock:  # only lanes that sent events since the last pass are scanned again
            changed, self._changed = self._changed, set()
        for key in changed:
            gaps, highest = self.scan(*key, first=self._complete.get(key, 0) + 1)
            self._gaps[key] = gaps
            self._complete[key] = gaps[0][0] - 1 if gaps else highest
        due = [Due(port, lane, watch.due((port, lane), gaps)) for (port, lane), gaps in self._gaps.items()]
        return [d for d in due if d.ranges]

    def lanes(self) -> list[LaneKey]:
        """Every (port, lane) that has sent something."""
        return [(port, lane) for port, lane in self._query("SELECT DISTINCT port, lane FROM events", ())]

    def events(self, port: str, lane: str) -> list[dict[str, Any]]:
        """In lane sequence order (live messages may have arrived earlier than older backlog)."""
        with self.lock:
            cursor = self.conn.execute("SELECT * FROM events WHERE port = ? AND lane = ? ORDER BY seq", (port, lane))
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def record_published(self, port: str, version: int) -> None:
        with self.lock:
            self.conn.execute("INSERT OR REPLACE INTO published VALUES (?, ?, ?)", (port, version, now_iso()))

    def lane_versions(self) -> list[LaneVersion]:
        rows = self._query(
            "SELECT l.port, l.lane, json_extract(m.payload, '$.watchlist.version'), m.created_at, p.version"
            " FROM (SELECT port, lane, MAX(CASE WHEN kind = 'lane.metrics' THEN seq END) AS metrics_seq"
            "       FROM events GROUP BY port, lane) AS l"
            " LEFT JOIN events AS m ON m.port = l.port AND m.lane = l.lane AND m.seq = l.metrics_seq"
            "  AND m.kind = 'lane.metrics'"
            " LEFT JOIN published AS p ON p.port = l.port ORDER BY l.port, l.lane", ())
        return [LaneVersion(*row) for row in rows]

    def crossings(self, *, plate: str | None = None, document: str | None = None, container: str | None = None,
                  since: datetime | None = None, until: datetime | None = None,
                  limit: int = 100) -> list[dict[str, Any]]:
        value, kinds = match_kinds(plate, document, container)
        low = (since or datetime(1970, 1, 1, tzinfo=UTC)).isoformat()
        high = (until or datetime(9999, 1, 1, tzinfo=UTC)).isoformat()
        marks = ",".join("?" * len(kinds))
        rows = self._query(
            "SELECT port, lane, json_extract(payload, '$.crossing_id'), kind, created_at, payload FROM events"
            " WHERE kind IN ('crossing.opened', 'read', 'decision') AND json_extract(payload, '$.crossing_id') IN"
            " (SELECT json_extract(payload, '$.crossing_id') FROM events WHERE kind = 'read'"
            f"  AND json_extract(payload, '$.value') = ? AND json_extract(payload, '$.kind') IN ({marks})"
            "  AND created_at BETWEEN ? AND ?) ORDER BY seq", (value, *kinds, low, high))
        return assemble_crossings([(*row[:5], json.loads(row[5])) for row in rows], limit)

    def audit_heads(self) -> list[AuditHead]:
        rows = self._query(
            "SELECT port, lane, seq, json_extract(payload, '$.entry_id'), json_extract(payload, '$.hash'),"
            " json_extract(payload, '$.at') FROM events WHERE kind = 'audit' AND seq = (SELECT MAX(seq) FROM events"
            " AS later WHERE later.port = events.port AND later.lane = events.lane AND later.kind = 'audit')"
            " ORDER BY port, lane", ())
        return [AuditHead(*row) for row in rows]

    def audit_breaks(self, port: str, lane: str) -> list[tuple[int, str]]:
        rows = self._query(
            "SELECT seq, entry_id FROM (SELECT seq, json_extract(payload, '$.entry_id') AS entry_id,"
            " json_extract(payload, '$.prev_hash') AS prev, lag(json_extract(payload, '$.hash')) OVER (ORDER BY seq)"
            " AS before FROM events WHERE port = ? AND lane = ? AND kind = 'audit')"
            " WHERE before IS NOT NULL AND prev IS NOT before ORDER BY seq", (port, lane))
        return [(seq, entry_id) for seq, entry_id in rows]

    def prune(self, keep_days: int) -> int:
        cutoff = (datetime.now(UTC) - timedelta(days=keep_days)).isoformat()
        with self.lock:
            return self.conn.execute("DELETE FROM events WHERE created_at < ?", (cutoff,)).rowcount

    def _query(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def close(self) -> None:
        self.conn.close()

