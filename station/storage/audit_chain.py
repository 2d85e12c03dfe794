"""The audit trail as a hash chain: each entry carries the hash of the one before it.

Editing, deleting or reordering any entry changes a hash that a later entry vouches for, so
`garita audit verify` finds the first entry that no longer fits. (Cutting entries off the end
leaves a shorter valid chain; every entry also goes upstream through the outbox, so the central holds
a copy to compare against.)
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, replace

GENESIS = "0" * 64
# The columns each covered record is hashed over (fixed, so a later added column does not change old hashes).
COVERED = {
    "reads": ("id", "crossing_id", "device", "kind", "value", "data", "read_at", "received_at", "image_path"),
    "decisions": ("id", "crossing_id", "action", "officer_id", "reason", "decided_at", "second_officer_id",
                  "recommendation", "override", "notes", "basis"),
}
# The entries that vouch for a row; a read moved to another crossing is vouched for again by its move.
COVERING = {"crossing.read": ("reads", "read_id"), "read.moved": ("reads", "read_id"),
            "crossing.decided": ("decisions", "decision_id")}


def row_hash(conn: sqlite3.Connection, table: str, key: object) -> str | None:
    """SHA-256 of one record's covered columns as stored; None when the row is not there."""
    columns = COVERED[table]
    row = conn.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id = ?", (key,)).fetchone()
    if row is None:
        return None
    return hashlib.sha256(json.dumps(list(row), separators=(",", ":"), default=str).encode()).hexdigest()


def entry_hash(prev_hash: str, entry_id: int, at: str, actor: str, action: str, crossing_id: str | None,
               detail: str) -> str:
    """SHA-256 over the previous hash and every field of the entry, in a fixed JSON form."""
    body = json.dumps([prev_hash, entry_id, at, actor, action, crossing_id, detail], separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def head(conn: sqlite3.Connection) -> str:
    """Hash of the newest entry (the genesis value for an empty trail)."""
    row = conn.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    return row[0] if row and row[0] else GENESIS


def head_entry(conn: sqlite3.Connection) -> dict[str, object]:
    """The newest entry's id and hash, as lane.metrics reports them (id 0 and the genesis value when empty)."""
    row = conn.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    return {"entry_id": row[0], "hash": row[1]} if row else {"entry_id": 0, "hash": GENESIS}


def hashes(conn: sqlite3.Connection) -> dict[int, str]:
    """entry id -> hash, for comparing with the central's copy of the chain."""
    return {entry_id: digest for entry_id, digest in conn.execute("SELECT id, hash FROM audit")}


@dataclass(frozen=True)
class Link:
    """Where a new entry sits in the chain."""

    entry_id: int
    prev_hash: str
    hash: str


def append(conn: sqlite3.Connection, at: str, actor: str, action: str, crossing_id: str | None,
           detail: str) -> Link:
    """Insert one chained entry; call inside the caller's write transaction."""
    prev = head(conn)
    cursor = conn.execute("INSERT INTO audit (at, actor, action, crossing_id, detail, prev_hash) "
                          "VALUES (?, ?, ?, ?, ?, ?)", (at, actor, action, crossing_id, detail, prev))
    entry_id = int(cursor.lastrowid or 0)
    digest = entry_hash(prev, entry_id, at, actor, action, crossing_id, detail)
    conn.execute("UPDATE audit SET hash = ? WHERE id = ?", (digest, entry_id))
    return Link(entry_id, prev, digest)


def chain_existing(conn: sqlite3.Connection) -> None:
    """Migration step: chain the entries written before the trail was chained, in id order."""
    prev = GENESIS
    rows = conn.execute("SELECT id, at, actor, action, crossing_id, detail FROM audit ORDER BY id").fetchall()
    for entry_id, at, actor, action, crossing_id, detail in rows:
        digest = entry_hash(prev, entry_id, at, actor, action, crossing_id, detail)
        conn.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, entry_id))
        prev = digest


@dataclass(frozen=True)
class Verdict:
    entries: int
    head: str
    first_bad: int | None = None
    why: str = ""
    rows: int = 0  # reads and decisions whose stored content their audit entry vouches for
    bad_row: str | None = None  # "decisions/ID" or "reads/ID": changed, or its entry is gone
    legacy_rows: int = 0  # recorded before entries carried row hashes: covered by the chain only

    @property
    def ok(self) -> bool:
        return self.first_bad is None and self.bad_row is None


def verify(conn: sqlite3.Connection) -> Verdict:
    """Walk the whole trail; the first entry whose links or hash do not fit is named."""
    prev, count = GENESIS, 0
    query = "SELECT id, at, actor, action, crossing_id, detail, prev_hash, hash FROM audit ORDER BY id"
    for entry_id, at, actor, action, crossing_id, detail, prev_hash, digest in conn.execute(query):
        count += 1
        if prev_hash != prev:
            return Verdict(count, prev, entry_id, "does not follow the entry before it (one was removed or changed)")
        if digest != entry_hash(prev, entry_id, at, actor, action, crossing_id, detail):
            return Verdict(count, prev, entry_id, "its content does not match its hash (it was edited)")
        prev = digest
    return _check_rows(conn, Verdict(count, prev))


def _vouched(conn: sqlite3.Connection) -> dict[tuple[str, str], str | None]:
    """(table, row id) -> the row hash its audit entry carries (None: an entry from before row hashes)."""
    vouched: dict[tuple[str, str], str | None] = {}
    marks = ", ".join("?" * len(COVERING))
    for action, detail in conn.execute(f"SELECT action, detail FROM audit WHERE action IN ({marks}) ORDER BY id",
                                       tuple(COVERING)):  # the latest entry for a row is what vouches for it
        table, key = COVERING[action]
        try:
            fields = json.loads(detail)
            vouched[(table, str(fields[key]))] = fields.get("row_sha256")
        except (ValueError, KeyError, TypeError):
            continue  # an entry edited into nonsense is the chain walk's finding, not this one's
    return vouched


def _check_rows(conn: sqlite3.Connection, verdict: Verdict) -> Verdict:
    """Every read and decision must be vouched for by its audit entry, with the hash of what is stored."""
    vouched, rows, legacy = _vouched(conn), 0, 0
    for table in COVERED:
        for (key,) in conn.execute(f"SELECT id FROM {table} ORDER BY rowid"):
            if (table, str(key)) not in vouched:
                return replace(verdict, rows=rows, bad_row=f"{table}/{key}", legacy_rows=legacy,
                               why=f"{table} row {key} has no audit entry (the entry was removed)")
            expected = vouched[(table, str(key))]
            if expected is None:
                legacy += 1
            elif expected != row_hash(conn, table, key):
                return replace(verdict, rows=rows, bad_row=f"{table}/{key}", legacy_rows=legacy,
                               why=f"{table} row {key} differs from what its audit entry recorded (it was edited)")
            else:
                rows += 1
    return replace(verdict, rows=rows, legacy_rows=legacy)
