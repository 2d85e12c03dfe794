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
from dataclasses import dataclass

GENESIS = "0" * 64


def entry_hash(prev_hash: str, entry_id: int, at: str, actor: str, action: str, crossing_id: str | None,
               detail: str) -> str:
    """SHA-256 over the previous hash and every field of the entry, in a fixed JSON form."""
    body = json.dumps([prev_hash, entry_id, at, actor, action, crossing_id, detail], separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def head(conn: sqlite3.Connection) -> str:
    """Hash of the newest entry (the genesis value for an empty trail)."""
    row = conn.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    return row[0] if row and row[0] else GENESIS


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

    @property
    def ok(self) -> bool:
        return self.first_bad is None


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
    return Verdict(count, prev)
