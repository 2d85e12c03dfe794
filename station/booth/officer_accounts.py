"""Officer accounts: who may sign in at the booth, with which role, PIN and badge (rows: storage.officers_repo)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from garita.station.booth.pins import DECOY_HASH, hash_pin, verify_pin
from garita.station.booth.throttle import PinThrottle, Throttled
from garita.station.storage import officers_repo
from garita.station.storage.joint_decisions import set_agency
from garita.station.storage.lane_store import LaneStore
from garita.station.storage.officers_repo import Officer, Role

ROLES: tuple[Role, ...] = ("officer", "supervisor", "technician")
DECIDING_ROLES = frozenset({"officer", "supervisor"})
AGENCIES = ("US", "MX")  # of a joint lane; '' is an officer of no agency (a single-agency lane)


def normalise_epc(epc: str) -> str:
    """Badges are matched like crossing tags: hex, upper case, no spaces."""
    return "".join(epc.split()).upper()


def get_officer(store: LaneStore, officer_id: str) -> Officer | None:
    return officers_repo.officer(store, officer_id)


def officer_by_badge(store: LaneStore, epc: str) -> Officer | None:
    return officers_repo.active_officer_by_badge(store, normalise_epc(epc))


def list_officers(store: LaneStore) -> list[Officer]:
    return officers_repo.all_officers(store)


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
        officers_repo.save_officer(tx, officer_id, name, role, pin_hash, epc, language, now.isoformat())
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
