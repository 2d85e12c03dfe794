"""Reads and writes of the lane's records; every change commits with its audit and outbox rows."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlite_utils

from garita.station.core.ids import uuid7
from garita.station.storage import audit_chain

# Backlog, after the decisions it vouches for. (Retention never sheds audit rows, by kind: sync.retention keep_kinds.)
PRIORITY_AUDIT = 4


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))


class Tx:
    """One open transaction: the only way the lifecycle writes."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def insert_crossing(self, row: dict[str, Any]) -> None:
        self.conn.execute(
            "INSERT INTO crossings (id, lane_id, state, trigger, opened_at, last_activity_at)"
            " VALUES (:id, :lane_id, :state, :trigger, :opened_at, :last_activity_at)",
            row,
        )

    def update_crossing(self, crossing_id: str, **fields: Any) -> None:
        sets = ", ".join(f"{name} = :{name}" for name in fields)
        self.conn.execute(f"UPDATE crossings SET {sets} WHERE id = :id", {**fields, "id": crossing_id})

    def insert_read(self, row: dict[str, Any]) -> int:
        cursor = self.conn.execute(
            "INSERT INTO reads (crossing_id, device, kind, value, data, read_at, received_at, image_path, rule,"
            " ambiguous) VALUES (:crossing_id, :device, :kind, :value, :data, :read_at, :received_at, :image_path,"
            " :rule, :ambiguous)",
            {"rule": "", "ambiguous": 0, **row, "data": _json(row.get("data", {}))},
        )
        return int(cursor.lastrowid)

    def move_read(self, read_id: int, crossing_id: str, rule: str) -> None:
        """Re-attach a read (an officer's correction); the audit row says where it was."""
        self.conn.execute("UPDATE reads SET crossing_id = ?, rule = ?, ambiguous = 0 WHERE id = ?",
                          (crossing_id, rule, read_id))

    def insert_decision(self, row: dict[str, Any]) -> None:
        row = {"second_officer_id": None, "recommendation": None, "override": 0, "notes": "", "basis": {}, **row}
        self.conn.execute(
            "INSERT INTO decisions (id, crossing_id, action, officer_id, reason, decided_at, second_officer_id,"
            " recommendation, override, notes, basis) VALUES (:id, :crossing_id, :action, :officer_id, :reason,"
            " :decided_at, :second_officer_id, :recommendation, :override, :notes, :basis)",
            {**row, "basis": _json(row["basis"])},
        )

    def row_hash(self, table: str, key: object) -> str | None:
        """The hash an audit entry records to vouch for one read or decision row as stored."""
        return audit_chain.row_hash(self.conn, table, key)

    def audit(self, at: datetime, actor: str, action: str, crossing_id: str | None, detail: dict) -> None:
        """Chain one audit entry and queue it upstream: the central holds the whole trail, so an entry cut
        off the end of the lane's chain (which the chain alone cannot show) is still on record there."""
        link = audit_chain.append(self.conn, at.isoformat(), actor, action, crossing_id, _json(detail))
        self.outbox(at, "audit", {"entry_id": link.entry_id, "at": at.isoformat(), "actor": actor, "action": action,
                                  "crossing_id": crossing_id, "detail": detail, "prev_hash": link.prev_hash,
                                  "hash": link.hash}, PRIORITY_AUDIT)

    def outbox(self, at: datetime, kind: str, payload: dict, priority: int = 5) -> str:
        """Queue a message for the central system; it leaves only when the uplink confirms it."""
        message_id = uuid7()
        self.conn.execute(
            "INSERT INTO outbox (id, kind, payload, created_at, priority) VALUES (?, ?, ?, ?, ?)",
            (message_id, kind, _json(payload), at.isoformat(), priority),
        )
        return message_id


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

    def query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(row) for row in self.db.query(sql, params)]

    def crossing(self, crossing_id: str) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM crossings WHERE id = ?", (crossing_id,))
        return rows[0] if rows else None

    def find_crossing(self, prefix: str) -> dict[str, Any] | None:
        """A crossing by full id or by a unique prefix (people type short ids)."""
        rows = self.query("SELECT * FROM crossings WHERE id LIKE ? || '%' LIMIT 2", (prefix,))
        return rows[0] if len(rows) == 1 else None

    def check_writable(self) -> None:
        """Take the write lock and let it go: raises sqlite3.Error when a commit could not happen now."""
        with self._lock:
            self.db.conn.execute("BEGIN IMMEDIATE")
            self.db.conn.execute("ROLLBACK")

    def latest_recommendation(self, crossing_id: str) -> str | None:
        rows = self.query("SELECT recommendation FROM assessments WHERE crossing_id = ?"
                          " ORDER BY assessed_at DESC, rowid DESC LIMIT 1", (crossing_id,))
        return rows[0]["recommendation"] if rows else None

    def crossings_matching(self, prefix: str, limit: int = 10) -> list[dict[str, Any]]:
        """Crossings whose id starts with ``prefix`` (at most ``limit``), oldest first."""
        return self.query("SELECT * FROM crossings WHERE substr(id, 1, length(?)) = ?"
                          " ORDER BY opened_at LIMIT ?", (prefix, prefix, limit))

    def crossings_in_state(self, state: str) -> list[dict[str, Any]]:
        return self.query("SELECT * FROM crossings WHERE state = ? ORDER BY opened_at", (state,))

    def segment_view(self, limit: int, include: str | None = None) -> list[dict[str, Any]]:
        """The newest crossings (oldest first) with the plates and tags read on each, for segmentation."""
        rows = self.query("SELECT id, state, departed_at, last_activity_at, opened_at, closed_at FROM crossings"
                          " ORDER BY opened_at DESC, rowid DESC LIMIT ?", (limit,))
        if include and include not in {r["id"] for r in rows}:
            rows += self.query("SELECT id, state, departed_at, last_activity_at, opened_at, closed_at FROM crossings"
                               " WHERE id = ?", (include,))
        rows.sort(key=lambda r: r["opened_at"])
        ids = [r["id"] for r in rows]
        marks = ",".join("?" * len(ids))
        seen = self.query(f"SELECT crossing_id, kind, value FROM reads WHERE kind IN ('plate', 'rfid')"
                          f" AND crossing_id IN ({marks})", ids) if ids else []
        for row in rows:
            row["plates"] = [s["value"] for s in seen if s["crossing_id"] == row["id"] and s["kind"] == "plate"]
            row["tags"] = [s["value"] for s in seen if s["crossing_id"] == row["id"] and s["kind"] == "rfid"]
        return rows

    def read(self, read_id: int) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM reads WHERE id = ?", (read_id,))
        if rows:
            rows[0]["data"] = json.loads(rows[0]["data"])
        return rows[0] if rows else None

    def reads_of(self, crossing_id: str) -> list[dict[str, Any]]:
        rows = self.query("SELECT * FROM reads WHERE crossing_id = ? ORDER BY id", (crossing_id,))
        for row in rows:
            row["data"] = json.loads(row["data"])
        return rows

    def decision_of(self, crossing_id: str) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM decisions WHERE crossing_id = ?", (crossing_id,))
        return rows[0] if rows else None

    def recent_crossings(self, limit: int = 20, since: str | None = None) -> list[dict[str, Any]]:
        """Newest first, each with its decision and a summary of its reads."""
        rows = self.query(
            "SELECT c.*, d.action, d.officer_id, d.reason, d.decided_at,"
            " (SELECT COUNT(*) FROM reads r WHERE r.crossing_id = c.id) AS read_count"
            " FROM crossings c LEFT JOIN decisions d ON d.crossing_id = c.id"
            " WHERE (? IS NULL OR c.opened_at >= ?) ORDER BY c.opened_at DESC, c.id DESC LIMIT ?",
            (since, since, limit),
        )
        return rows

    def counts(self) -> dict[str, int]:
        tables = ("crossings", "reads", "decisions", "outbox", "audit")
        return {table: self.query(f"SELECT COUNT(*) AS n FROM {table}")[0]["n"] for table in tables}
