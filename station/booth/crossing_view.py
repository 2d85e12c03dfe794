"""One crossing as the booth screen shows it: reads grouped by kind, flags, decision, assessment."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from garita.station.booth.risk_panel import assessment_of
from garita.station.booth.services import BoothServices
from garita.station.core.joint_decision import current_state
from garita.station.storage import crossings_repo
from garita.station.storage.crossings_repo import CrossingRow
from garita.station.storage.joint_decisions import record_of
from garita.station.storage.lane_store import LaneStore

# Raw reader internals a booth officer never needs (they stay in the technician view).
_HIDDEN = {"raw", "lines", "reader_discovered", "reader_last_seen", "first_seen", "last_seen"}


def current_crossing_id(store: LaneStore) -> str | None:
    """The vehicle the officer decides now: the oldest undecided crossing (open or flagged idle)."""
    waiting = undecided(store)
    return waiting[0]["id"] if waiting else None


def undecided(store: LaneStore) -> list[CrossingRow]:
    """Undecided crossings in arrival order: the head is at the booth, the rest are the queue."""
    return crossings_repo.undecided(store)


def queue_view(store: LaneStore) -> list[dict[str, Any]]:
    """The vehicles waiting behind the current one, each with what names it (plates, tags) so far."""
    waiting = undecided(store)[1:]
    out = []
    for crossing in waiting:
        reads = crossings_repo.read_names(store, crossing["id"])
        out.append({"id": crossing["id"], "opened_ms": epoch_ms(crossing["opened_at"]),
                    "plates": list(dict.fromkeys(r["value"] for r in reads if r["kind"] == "plate")),
                    "documents": sum(r["kind"] == "document" for r in reads), "reads": len(reads),
                    "present": crossing["departed_at"] is None})
    return out


def epoch_ms(iso: str | None) -> float | None:
    """ISO-8601 (as stored) to milliseconds since the epoch, for the browser's clock."""
    if not iso:
        return None
    moment = datetime.fromisoformat(iso)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp() * 1000


def document_flags(data: dict[str, Any], today: date) -> dict[str, bool]:
    """A document with a failed check digit, or past its expiry date, is flagged on screen."""
    checks = data.get("checks") or {}
    bad_check = data.get("valid") is False or any(v is False for v in checks.values())
    expiry = data.get("expiry_date")
    expired = bool(expiry) and str(expiry) < today.isoformat()
    return {"bad_check_digit": bad_check, "expired": expired}


def _read_view(row: dict[str, Any], today: date) -> dict[str, Any]:
    data = {k: v for k, v in (row["data"] or {}).items() if k not in _HIDDEN}
    view = {"id": row["id"], "device": row["device"], "kind": row["kind"], "value": row["value"],
            "data": data, "received_ms": epoch_ms(row.get("received_at")),
            "image": bool(row.get("image_path")), "rule": row.get("rule", ""),
            "ambiguous": bool(row.get("ambiguous"))}
    if row["kind"] == "document":
        view["flags"] = document_flags(data, today)
    return view


def crossing_detail(services: BoothServices, crossing_id: str, today: date | None = None) -> dict[str, Any] | None:
    """Everything the screen shows for one crossing; None if it does not exist."""
    store = services.store
    crossing = store.crossing(crossing_id)
    if crossing is None:
        return None
    day = today or datetime.now(UTC).date()
    reads = [_read_view(row, day) for row in store.reads_of(crossing_id)]
    decision = store.decision_of(crossing_id)
    assessment = assessment_of(services, crossing_id)
    view = _decision_view(decision)
    if view is not None:
        view["joint"] = record_of(store, crossing_id)
    return {
        "id": crossing["id"], "state": crossing["state"], "trigger": crossing["trigger"],
        "opened_ms": epoch_ms(crossing["opened_at"]), "flagged": crossing["state"] == "flagged_idle",
        "reads": reads, "decision": view, "assessment": assessment,
        "previous": previous_crossings(store, crossing_id),
        "joint": joint_view(store, crossing_id, assessment["recommendation"] if assessment else None)
        if decision is None else None,
    }


def joint_view(store: LaneStore, crossing_id: str, recommendation: str | None) -> dict[str, Any] | None:
    """Where the crossing's joint decision stands: the proposal waiting for the other agency (with its deadline),
    the disagreement waiting for a supervisor, or a proposal that lapsed; None before any proposal."""
    state = current_state(store, crossing_id, datetime.now(UTC), recommendation)
    proposal = state.proposal
    if proposal is None or state.phase == "none":
        return None
    view = {"phase": state.phase, "proposal_id": proposal["id"], "action": proposal["action"],
            "officer_id": proposal["officer_id"], "officer_name": proposal["officer_name"] or proposal["officer_id"],
            "agency": proposal["agency"], "reason": proposal["reason"], "awaiting": state.awaiting_agency,
            "expires_ms": epoch_ms(proposal["expires_at"])}
    if state.phase == "disputed":
        view["answer"] = {"officer_id": proposal["answer_officer_id"], "agency": proposal["answer_agency"],
                          "officer_name": proposal["answer_officer_name"] or proposal["answer_officer_id"],
                          "action": proposal["answer_action"], "reason": proposal["answer_reason"]}
    return view


PREVIOUS_LIMIT = 5


def previous_crossings(store: LaneStore, crossing_id: str) -> list[dict[str, Any]]:
    """This plate's and these travellers' earlier crossings at this lane (newest first), with their decisions."""
    rows = crossings_repo.earlier_sightings(store, crossing_id, PREVIOUS_LIMIT * 3)
    seen: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = seen.setdefault(row["id"], {"id": row["id"], "opened_ms": epoch_ms(row["opened_at"]),
                                            "action": row["action"], "override": bool(row["override"]),
                                            "matched": []})
        if row["value"] not in entry["matched"]:
            entry["matched"].append(row["value"])
    return list(seen.values())[:PREVIOUS_LIMIT]


def _decision_view(decision: dict[str, Any] | None) -> dict[str, Any] | None:
    if decision is None:
        return None
    return {"action": decision["action"], "officer_id": decision["officer_id"], "reason": decision["reason"],
            "decided_ms": epoch_ms(decision["decided_at"])}
