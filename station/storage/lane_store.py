"""The lane's database handle: one lock, one write transaction at a time, and the records' common reads.

The SQL of each table family is in its repository module (``crossings_repo``, ``decisions_repo``,
``outbox_repo``, ``audit_repo``, ``assessments_repo``); the methods here are the short forms the
lane's parts have always called.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from garita.station.storage import assessments_repo, audit_chain, crossings_repo, decisions_repo, outbox_repo
from garita.station.storage.crossings_repo import CrossingRow, NewCrossing, NewRead, ReadRow, RecentRow, SegmentRow
from garita.station.storage.decisions_repo import DecisionRow, NewDecision
from garita.station.storage.json_columns import JsonObject, to_json

# Backlog, after the decisions it vouches for. (Retention never sheds audit rows, by kind: sync.retention keep_kinds.)
PRIORITY_AUDIT = 4


class Tx:
    """One open transaction: the only way the lifecycle writes."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def insert_crossing(self, row: NewCrossing) -> None:
        crossings_repo.insert(self, row)

    def update_crossing(self, crossing_id: str, **fields: str | None) -> None:
        crossings_repo.update(self, crossing_id, **fields)

    def insert_read(self, row: NewRead) -> int:
        return crossings_repo.insert_read(self, row)

    def move_read(self, read_id: int, crossing_id: str, rule: str) -> None:
        """Re-attach a read (an officer's correction); the audit row says where it was."""
        crossings_repo.move_read(self, read_id, crossing_id, rule)

    def insert_decision(self, row: NewDecision) -> None:
        decisions_repo.insert(self, row)

    def row_hash(self, table: str, key: object) -> str | None:
        """The hash an audit entry records to vouch for one read or decision row as stored."""
        return audit_chain.row_hash(self.conn, table, key)

    def audit(self, at: datetime, actor: str, action: str, crossing_id: str | None, detail: JsonObject) -> None:
        """Chain one audit entry and queue it upstream: the central holds the whole trail, so an entry cut
        off the end of the lane's chain (which the chain alone cannot show) is still on record there."""
        link = audit_chain.append(self.conn, at.isoformat(), actor, action, crossing_id, to_json(detail))
        self.outbox(at, "audit", {"entry_id": link.entry_id, "at": at.isoformat(), "actor": actor, "action": action,
                                  "crossing_id": crossing_id, "detail": detail, "prev_hash": link.prev_hash,
                                  "hash": link.hash}, PRIORITY_AUDIT)

    def outbox(self, at: datetime, kind: str, payload: JsonObject, priority: int = 5) -> str:
        """Queue a message for the central system; it leaves only when the uplink confirms it."""
        return outbox_repo.insert(self, at, kind, payload, priority)


class LaneStore:
    """The lane's database, shared by the core (writes) and read-only queries."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """BEGIN IMMEDIATE ... COMMIT: all of it lands on disk, or none of it."""
        with self._lock:
            conn = self.db.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def query(self, sql: str, params: Sequence[object] | Mapping[str, object] = ()) -> list[dict[str, Any]]:
        """Rows as dicts, under the store's lock (for the repository modules of this package)."""
        with self._lock:
            return [dict(row) for row in self.db.query(sql, params)]

    def path(self) -> Path:
        """The database file (for messages that tell an operator which file to check)."""
        with self._lock:
            return Path(self.db.conn.execute("PRAGMA database_list").fetchone()[2])

    def check_writable(self) -> None:
        """Take the write lock and let it go: raises sqlite3.Error when a commit could not happen now."""
        with self._lock:
            self.db.conn.execute("BEGIN IMMEDIATE")
            self.db.conn.execute("ROLLBACK")

    def crossing(self, crossing_id: str) -> CrossingRow | None:
        return crossings_repo.crossing(self, crossing_id)

    def find_crossing(self, prefix: str) -> CrossingRow | None:
        """A crossing by full id or by a unique prefix (people type short ids)."""
        return crossings_repo.find(self, prefix)

    def latest_recommendation(self, crossing_id: str) -> str | None:
        latest = assessments_repo.latest(self, crossing_id)
        return latest.recommendation if latest else None

    def crossings_matching(self, prefix: str, limit: int = 10) -> list[CrossingRow]:
        """Crossings whose id starts with ``prefix`` (at most ``limit``), oldest first."""
        return crossings_repo.matching(self, prefix, limit)

    def crossings_in_state(self, state: str) -> list[CrossingRow]:
        return crossings_repo.in_state(self, state)

    def segment_view(self, limit: int, include: str | None = None) -> list[SegmentRow]:
        """The newest crossings (oldest first) with the plates and tags read on each, for segmentation."""
        return crossings_repo.segment_view(self, limit, include)

    def read(self, read_id: int) -> ReadRow | None:
        return crossings_repo.read(self, read_id)

    def reads_of(self, crossing_id: str) -> list[ReadRow]:
        return crossings_repo.reads_of(self, crossing_id)

    def decision_of(self, crossing_id: str) -> DecisionRow | None:
        return decisions_repo.decision_of(self, crossing_id)

    def recent_crossings(self, limit: int = 20, since: str | None = None) -> list[RecentRow]:
        """Newest first, each with its decision and a summary of its reads."""
        return crossings_repo.recent(self, limit, since)

    def counts(self) -> dict[str, int]:
        tables = ("crossings", "reads", "decisions", "outbox", "audit")
        return {table: self.query(f"SELECT COUNT(*) AS n FROM {table}")[0]["n"] for table in tables}
