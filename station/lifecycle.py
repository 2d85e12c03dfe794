"""The crossing state machine: one vehicle at the lane, from first read to one decision.

States and the only transitions allowed::

    (none) --open--> open --read--> open
    open --decide--> closed
    open --flag_idle--> flagged_idle --decide--> closed

A read with no open crossing opens one. A flagged crossing is never dropped: it waits
for an officer's decision. Every transition is written with its audit and outbox rows
in one transaction, so the database never holds a change the central system won't hear of.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from station.ids import uuid7
from station.storage.lane_store import LaneStore, Tx


class State(StrEnum):
    OPEN = "open"
    FLAGGED_IDLE = "flagged_idle"
    CLOSED = "closed"


class Action(StrEnum):
    RELEASE = "release"
    SECONDARY = "secondary"
    DETAIN = "detain"


TRANSITIONS: dict[tuple[State | None, str], State] = {
    (None, "open"): State.OPEN,
    (State.OPEN, "read"): State.OPEN,
    (State.OPEN, "decide"): State.CLOSED,
    (State.OPEN, "flag_idle"): State.FLAGGED_IDLE,
    (State.FLAGGED_IDLE, "decide"): State.CLOSED,
}

# Uplink priorities: lower goes first, so decisions and alerts jump a backlog of reads.
PRIORITY_DECISION, PRIORITY_LIFECYCLE, PRIORITY_READ = 1, 3, 5


LATEST_ASSESSMENT = object()  # decide(): "the recommendation is the crossing's latest assessment"


class OverrideNeedsReason(ValueError):
    """An officer decided against the recommendation without saying why."""


class IllegalTransition(Exception):
    """An event that the crossing's state does not allow (e.g. a second decision)."""


class UnknownCrossing(Exception):
    """No crossing has that id."""


def next_state(state: State | None, event: str) -> State:
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        shown = state.value if state else "none"
        raise IllegalTransition(f"{event!r} is not allowed on a crossing that is {shown}") from None


@dataclass(frozen=True)
class ReadIn:
    """A read as the lifecycle needs it (the core converts driver events to this)."""

    device: str
    kind: str
    value: str
    data: dict[str, Any]
    read_at: datetime
    image_path: str | None = None


@dataclass(frozen=True)
class Recorded:
    crossing_id: str
    opened: bool
    read_id: int


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class Lifecycle:
    """Applies lane events to crossings through :data:`TRANSITIONS`, persisting each one."""

    def __init__(self, store: LaneStore, lane_id: str, idle_timeout_s: float,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.store = store
        self.lane_id = lane_id
        self.idle_timeout = timedelta(seconds=idle_timeout_s)
        self.clock = clock

    def current_open(self) -> dict[str, Any] | None:
        """The crossing now collecting reads (at most one per lane)."""
        rows = self.store.crossings_in_state(State.OPEN)
        return rows[-1] if rows else None

    def record_read(self, read: ReadIn, into: str | None = None) -> Recorded:
        """Attach a read to the open crossing, opening one if there is none.

        ``into`` names the crossing for a read derived from an earlier one (a plate read from a
        camera image): it joins that crossing whatever its state, because it describes the same
        vehicle; a late read does not reopen a closed crossing.
        """
        now = self.clock()
        with self.store.transaction() as tx:
            crossing = self.store.crossing(into) if into else self.current_open()
            if into and crossing is None:
                raise KeyError(f"no crossing {into}")
            opened = crossing is None
            crossing_id = self._open(tx, now, f"read:{read.kind}") if opened else crossing["id"]
            if opened or crossing["state"] == State.OPEN:
                next_state(State.OPEN, "read")
            read_id = tx.insert_read({
                "crossing_id": crossing_id, "device": read.device, "kind": read.kind,
                "value": read.value, "data": read.data, "read_at": _iso(read.read_at),
                "received_at": _iso(now), "image_path": read.image_path,
            })
            tx.update_crossing(crossing_id, last_activity_at=_iso(now))
            detail = {"read_id": read_id, "device": read.device, "kind": read.kind, "value": read.value}
            tx.audit(now, f"device:{read.device}", "crossing.read", crossing_id,
                     {**detail, "row_sha256": tx.row_hash("reads", read_id)})
            tx.outbox(now, "read", {**detail, "crossing_id": crossing_id, "lane": self.lane_id,
                                    "data": read.data, "read_at": _iso(read.read_at)}, PRIORITY_READ)
        return Recorded(crossing_id, opened, read_id)

    def open_on_presence(self, source: str) -> str:
        """A presence trigger opens a crossing unless one is already open."""
        now = self.clock()
        with self.store.transaction() as tx:
            crossing = self.current_open()
            if crossing is not None:
                return crossing["id"]
            return self._open(tx, now, f"presence:{source}")

    def _open(self, tx: Tx, now: datetime, trigger: str) -> str:
        crossing_id = uuid7()
        next_state(None, "open")
        tx.insert_crossing({"id": crossing_id, "lane_id": self.lane_id, "state": State.OPEN,
                            "trigger": trigger, "opened_at": _iso(now), "last_activity_at": _iso(now)})
        tx.audit(now, "lane", "crossing.opened", crossing_id, {"trigger": trigger})
        tx.outbox(now, "crossing.opened", {"crossing_id": crossing_id, "lane": self.lane_id,
                                           "trigger": trigger, "at": _iso(now)}, PRIORITY_LIFECYCLE)
        return crossing_id

    def decide(self, crossing_id: str, action: str, officer_id: str, reason: str = "", *,
               second_officer_id: str | None = None, notes: str = "",
               recommendation: str | object | None = LATEST_ASSESSMENT) -> str:
        """Record the one joint decision and close the crossing; returns the decision id.

        The record names both officers, the recommendation it accepts or overrides (the latest
        assessment's, unless the caller passes the one it showed the officer, or None for none),
        and the basis: the reasons and the watchlist and
        declaration versions behind that recommendation. An override needs a reason.
        """
        action = Action(action)
        if not officer_id.strip():
            raise ValueError("a decision needs the officer's id")
        now = self.clock()
        with self.store.transaction() as tx:
            state = self._state_of(crossing_id)
            next_state(state, "decide")
            basis = self._basis(crossing_id)
            if recommendation is LATEST_ASSESSMENT:
                recommendation = basis.get("recommendation")
            override = recommendation is not None and recommendation != action.value
            if override and not reason.strip():
                raise OverrideNeedsReason(f"deciding {action.value} against the recommendation "
                                          f"({recommendation}) needs a reason")
            decision_id = uuid7()
            tx.insert_decision({"id": decision_id, "crossing_id": crossing_id, "action": action,
                                "officer_id": officer_id, "reason": reason, "decided_at": _iso(now),
                                "second_officer_id": second_officer_id, "recommendation": recommendation,
                                "override": int(override), "notes": notes, "basis": basis})
            tx.update_crossing(crossing_id, state=State.CLOSED, closed_at=_iso(now), last_activity_at=_iso(now))
            detail = {"decision_id": decision_id, "action": action.value, "reason": reason, "was": state.value,
                      "recommendation": recommendation, "override": override,
                      "second_officer_id": second_officer_id}
            tx.audit(now, f"officer:{officer_id}", "crossing.decided", crossing_id,
                     {**detail, "row_sha256": tx.row_hash("decisions", decision_id)})
            tx.outbox(now, "decision", {**detail, "crossing_id": crossing_id, "lane": self.lane_id,
                                        "officer_id": officer_id, "notes": notes, "basis": basis,
                                        "at": _iso(now)}, PRIORITY_DECISION)
        return decision_id

    def _basis(self, crossing_id: str) -> dict[str, Any]:
        """What the latest assessment of the crossing rested on (empty without a risk engine)."""
        rows = self.store.query(
            "SELECT id, recommendation, detail, watchlist_version, declaration_id, declaration_version"
            " FROM assessments WHERE crossing_id = ? ORDER BY assessed_at DESC, rowid DESC LIMIT 1", (crossing_id,))
        if not rows:
            return {}
        row = rows[0]
        detail = json.loads(row["detail"]) if isinstance(row["detail"], str) else row["detail"]
        return {"assessment_id": row["id"], "recommendation": row["recommendation"],
                "reasons": detail.get("reasons", []), "watchlist_version": row["watchlist_version"],
                "declaration_id": row["declaration_id"], "declaration_version": row["declaration_version"]}

    def flag_idle(self) -> list[str]:
        """Flag every open crossing idle past the timeout; returns their ids."""
        now = self.clock()
        cutoff = _iso(now - self.idle_timeout)
        flagged = []
        with self.store.transaction() as tx:
            for crossing in self.store.crossings_in_state(State.OPEN):
                if crossing["last_activity_at"] > cutoff:
                    continue
                next_state(State.OPEN, "flag_idle")
                tx.update_crossing(crossing["id"], state=State.FLAGGED_IDLE, flagged_at=_iso(now))
                detail = {"idle_since": crossing["last_activity_at"], "timeout_s": self.idle_timeout.total_seconds()}
                tx.audit(now, "lane", "crossing.flagged_idle", crossing["id"], detail)
                tx.outbox(now, "crossing.flagged_idle", {**detail, "crossing_id": crossing["id"],
                                                         "lane": self.lane_id}, PRIORITY_LIFECYCLE)
                flagged.append(crossing["id"])
        return flagged

    def _state_of(self, crossing_id: str) -> State:
        crossing = self.store.crossing(crossing_id)
        if crossing is None:
            raise UnknownCrossing(f"no crossing {crossing_id}")
        return State(crossing["state"])
