"""The officers table: who may sign in at the booth, with which role, PIN hash and badge."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from garita.station.booth.pins import DECOY_HASH, hash_pin, verify_pin
from garita.station.booth.throttle import PinThrottle, Throttled
from garita.station.storage.joint_decisions import set_agency
from garita.station.storage.lane_store import LaneStore

Role = Literal["officer", "supervisor", "technician"]
ROLES: tuple[Role, ...] = ("officer", "supervisor", "technician")
DECIDING_ROLES = frozenset({"officer", "supervisor"})
AGENCIES = ("US", "MX")  # of a joint lane; '' is an officer of no agency (a single-agency lane)


@dataclass(frozen=True)
class Officer:
    id: str
    name: str
    role: Role
    pin_hash: str | None
    badge_epc: str | None
    language: str
    active: bool
    agency: str = ""


def normalise_epc(epc: str) -> str:
    """Badges are matched like crossing tags: hex, upper case, no spaces."""
    return "".join(epc.split()).upper()


def _officer(row: dict) -> Officer:
    return Officer(row["id"], row["name"], row["role"], row["pin_hash"], row["badge_epc"],
                   row["language"], bool(row["active"]), row.get("agency") or "")


def get_officer(store: LaneStore, officer_id: str) -> Officer | None:
    rows = store.query("SELECT * FROM officers WHERE id = ?", (officer_id,))
    return _officer(rows[0]) if rows else None


def officer_by_badge(store: LaneStore, epc: str) -> Officer | None:
    rows = store.query("SELECT * FROM officers WHERE badge_epc = ? AND active = 1", (normalise_epc(epc),))
    return _officer(rows[0]) if rows else None


def list_officers(store: LaneStore) -> list[Officer]:
    return [_officer(row) for row in store.query("SELECT * FROM officers ORDER BY id")]


def add_officer(store: LaneStore, officer_id: str, name: str, role: Role, pin: str | None,
                badge: str | None = None, language: str = "", agency: str = "") -> None:
    """Create or replace an officer; the PIN is kept only as its salted hash. Audited."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if agency not in ("", *AGENCIES):
        raise ValueError(f"agency must be one of {', '.join(AGENCIES)}")
    if not officer_id.strip() or not name.strip():
        raise ValueError("an officer needs an id and a name")
    pin_hash = hash_pin(pin) if pin else None
    epc = normalise_epc(badge) if badge else None
    now = datetime.now(UTC)
    with store.transaction() as tx:
        tx.conn.execute(
            "INSERT INTO officers (id, name, role, pin_hash, badge_epc, language, active, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name,"
            " role = excluded.role, pin_hash = COALESCE(excluded.pin_hash, officers.pin_hash),"
            " badge_epc = COALESCE(excluded.badge_epc, officers.badge_epc), language = excluded.language,"
            " active = 1",
            (officer_id, name, role, pin_hash, epc, language, now.isoformat()),
        )
        set_agency(tx.conn, officer_id, agency)
        tx.audit(now, "admin", "officer.saved", None,
                 {"officer_id": officer_id, "role": role, "pin": bool(pin), "badge": bool(epc), "agency": agency})


async def pin_matches(officer: Officer | None, pin: str) -> bool:
    """An active officer with this PIN; scrypt (~50 ms) runs off the event loop so reads keep flowing.

    An unknown, inactive or PIN-less id is checked against a decoy hash: it costs the same time
    as a real one, so the answer's timing does not tell which ids exist."""
    real = officer is not None and officer.active and officer.pin_hash is not None
    matched = await asyncio.to_thread(verify_pin, pin, officer.pin_hash if real else DECOY_HASH)
    return real and matched


async def checked_pin(
    store: LaneStore, throttle: PinThrottle, officer_id: str, pin: str, client: str = "",
    eligible: Callable[[Officer], bool] = lambda officer: True,
) -> Officer | None:
    """The officer when eligible and the PIN matches, else None; raises Throttled when over a limit.

    The attempt is counted before the slow check, so concurrent guesses get no extra tries.
    (Sign-in and the supervisor co-sign both go through here.)"""
    throttle.begin(officer_id, client)
    try:
        async with throttle.slot():
            officer = get_officer(store, officer_id)
            ok = await pin_matches(officer, pin) and officer is not None and eligible(officer)
    except Throttled:
        throttle.refund(officer_id, client)
        raise
    if ok:
        throttle.succeeded(officer_id, client)
    return officer if ok else None
