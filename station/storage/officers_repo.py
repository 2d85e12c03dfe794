"""The ``officers`` and ``booth_sessions`` tables: who may sign in at the booth, and who is signed in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from garita.station.storage.lane_store import LaneStore, Tx

Role = Literal["officer", "supervisor", "technician"]


@dataclass(frozen=True)
class Officer:
    """One officers row (the PIN only as its salted hash)."""

    id: str
    name: str
    role: Role
    pin_hash: str | None
    badge_epc: str | None
    language: str
    active: bool
    agency: str = ""  # US or MX on a joint lane; '' for an officer of no agency


@dataclass(frozen=True)
class SessionRow:
    """One booth_sessions row: a sign-in, kept by the hash of its cookie token."""

    token_hash: str
    officer_id: str
    created_at: float
    last_active: float
    locked: bool
    language: str


def _officer(row: dict) -> Officer:
    return Officer(row["id"], row["name"], row["role"], row["pin_hash"], row["badge_epc"],
                   row["language"], bool(row["active"]), row.get("agency") or "")


def officer(store: LaneStore, officer_id: str) -> Officer | None:
    """The officer with this id, active or not."""
    rows = store.query("SELECT * FROM officers WHERE id = ?", (officer_id,))
    return _officer(rows[0]) if rows else None


def active_officer_by_badge(store: LaneStore, epc: str) -> Officer | None:
    """The active officer whose badge is ``epc`` (already normalised)."""
    rows = store.query("SELECT * FROM officers WHERE badge_epc = ? AND active = 1", (epc,))
    return _officer(rows[0]) if rows else None


def all_officers(store: LaneStore) -> list[Officer]:
    """Every officer, by id."""
    return [_officer(row) for row in store.query("SELECT * FROM officers ORDER BY id")]


def save_officer(tx: Tx, officer_id: str, name: str, role: Role, pin_hash: str | None, badge_epc: str | None,
                 language: str, created_at: str) -> None:
    """Create an officer or update one (active again); a missing PIN hash or badge keeps the stored one."""
    tx.conn.execute(
        "INSERT INTO officers (id, name, role, pin_hash, badge_epc, language, active, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name,"
        " role = excluded.role, pin_hash = COALESCE(excluded.pin_hash, officers.pin_hash),"
        " badge_epc = COALESCE(excluded.badge_epc, officers.badge_epc), language = excluded.language,"
        " active = 1",
        (officer_id, name, role, pin_hash, badge_epc, language, created_at),
    )


def session(store: LaneStore, token_hash: str) -> SessionRow | None:
    """The session kept under this token hash."""
    rows = store.query("SELECT * FROM booth_sessions WHERE token_hash = ?", (token_hash,))
    if not rows:
        return None
    row = rows[0]
    return SessionRow(row["token_hash"], row["officer_id"], row["created_at"], row["last_active"],
                      bool(row["locked"]), row["language"])


def start_session(tx: Tx, row: SessionRow) -> None:
    """Store a new session; the same officer's older sessions end with it (one booth, one seat)."""
    tx.conn.execute("DELETE FROM booth_sessions WHERE officer_id = ?", (row.officer_id,))
    tx.conn.execute(
        "INSERT INTO booth_sessions (token_hash, officer_id, created_at, last_active, locked, language)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (row.token_hash, row.officer_id, row.created_at, row.last_active, int(row.locked), row.language))


def touch_session(tx: Tx, token_hash: str, last_active: float) -> None:
    tx.conn.execute("UPDATE booth_sessions SET last_active = ? WHERE token_hash = ?", (last_active, token_hash))


def lock_session(tx: Tx, token_hash: str) -> None:
    tx.conn.execute("UPDATE booth_sessions SET locked = 1 WHERE token_hash = ?", (token_hash,))


def unlock_session(tx: Tx, token_hash: str, last_active: float) -> None:
    tx.conn.execute("UPDATE booth_sessions SET locked = 0, last_active = ? WHERE token_hash = ?",
                    (last_active, token_hash))


def set_session_language(tx: Tx, token_hash: str, language: str) -> None:
    tx.conn.execute("UPDATE booth_sessions SET language = ? WHERE token_hash = ?", (language, token_hash))


def end_session(tx: Tx, token_hash: str) -> None:
    tx.conn.execute("DELETE FROM booth_sessions WHERE token_hash = ?", (token_hash,))
