"""The crossing state machine: one vehicle at the lane, from first read to one decision.

States and the only transitions allowed::

    (none) --open--> open --read--> open
    open --decide--> closed
    open --flag_idle--> flagged_idle --decide--> closed

A crossing is one vehicle: station/core/segmentation.py decides which crossing each read joins, and
a read of the next vehicle opens the next crossing, which queues behind any undecided one (the
booth shows the queue). A flagged crossing is never dropped: it waits for an officer's decision.
Every transition is written with its audit and outbox rows
in one transaction, so the database never holds a change the central system won't hear of.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from garita.station.core.ids import uuid7
from garita.station.core.segmentation import DERIVED, MOVED, Candidate, Incoming, place
from garita.station.storage.lane_store import LaneStore, Tx
from garita.station.watchlist import normalise


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
SEGMENT_WINDOW = 12  # crossings the segmentation rules look back over


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


def _when(iso: str | None) -> datetime | None:
    if not iso:
        return None
    moment = datetime.fromisoformat(iso)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _identity(read: ReadIn) -> str:
    """What names the vehicle in a read: a plate, or a tag's EPC; '' for everything else."""
    if read.kind == "plate":
        return normalise.plate(read.value)
    return normalise.epc(read.value) if read.kind == "rfid" else ""


class Lifecycle:
    """Applies lane events to crossings through :data:`TRANSITIONS`, persisting each one."""

    def __init__(self, store: LaneStore, lane_id: str, idle_timeout_s: float,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC), *,
                 presence: bool = False, late_read_s: float = 5.0):
        self.store = store
        self.lane_id = lane_id
        self.idle_timeout = timedelta(seconds=idle_timeout_s)
        self.clock = clock
        # With a presence source, departures come from it; without one, the next plate, a decision
        # or the idle flag is where one vehicle ends (station/core/segmentation.py).
        self.presence = presence
        self.late_read_s = late_read_s

    def current_open(self) -> dict[str, Any] | None:
        """The newest crossing still collecting reads."""
        rows = self.store.crossings_in_state(State.OPEN)
        return rows[-1] if rows else None

    def record_read(self, read: ReadIn, into: str | None = None) -> Recorded:
        """Attach a read to its vehicle's crossing (station/core/segmentation.py), opening one if it is the next.

        ``into`` names the crossing of the image a read was derived from (a plate read from a camera
        image): it joins that crossing whatever its state, because it describes the same vehicle,
        unless that crossing already has another plate. A late read never reopens a closed crossing.
        """
        now = self.clock()
        with self.store.transaction() as tx:
            recent = self._candidates(into)
            if into and into not in {c.id for c in recent}:
                raise KeyError(f"no crossing {into}")
            placement = place(Incoming(read.kind, _identity(read), into), recent, now,
                              presence=self.presence, late_s=self.late_read_s)
            opened = placement.crossing_id is None
            crossing_id = self._open(tx, now, f"read:{read.kind}") if opened else placement.crossing_id
            read_id = tx.insert_read({
                "crossing_id": crossing_id, "device": read.device, "kind": read.kind,
                "value": read.value, "data": read.data, "read_at": _iso(read.read_at),
                "received_at": _iso(now), "image_path": read.image_path, "rule": placement.rule,
                "ambiguous": int(placement.ambiguous),
            })
            tx.update_crossing(crossing_id, last_activity_at=_iso(now))
            detail = {"read_id": read_id, "device": read.device, "kind": read.kind, "value": read.value,
                      "rule": placement.rule, "ambiguous": placement.ambiguous}
            tx.audit(now, f"device:{read.device}", "crossing.read", crossing_id,
                     {**detail, "row_sha256": tx.row_hash("reads", read_id)})
            tx.outbox(now, "read", {**detail, "crossing_id": crossing_id, "lane": self.lane_id,
                                    "data": read.data, "read_at": _iso(read.read_at)}, PRIORITY_READ)
            if into and crossing_id != into:
                self._follow_plate(tx, now, read.data.get("image_read_id"), into, crossing_id)
        return Recorded(crossing_id, opened, read_id)

    def _candidates(self, include: str | None = None) -> list[Candidate]:
        rows = self.store.segment_view(SEGMENT_WINDOW, include)
        return [Candidate(r["id"], _when(r["closed_at"]), _when(r["departed_at"]),
                          _when(r["last_activity_at"]) or datetime.min.replace(tzinfo=UTC),
                          frozenset(filter(None, map(normalise.plate, r["plates"]))),
                          frozenset(filter(None, map(normalise.epc, r["tags"])))) for r in rows]

    def _follow_plate(self, tx: Tx, now: datetime, image_read_id: Any, source: str, target: str) -> None:
        """The image a plate was read from belongs to the plate's vehicle: it moves with the plate."""
        image = self.store.read(image_read_id) if isinstance(image_read_id, int) else None
        if image is None or image["crossing_id"] != source:
            return
        tx.move_read(image["id"], target, DERIVED)
        tx.audit(now, "lane", "read.moved", target, {"read_id": image["id"], "from": source, "rule": DERIVED,
                                                     "row_sha256": tx.row_hash("reads", image["id"])})

    def open_on_presence(self, source: str) -> str:
        """A vehicle arrived (loop, light curtain, motion): a new crossing unless one is at the lane."""
        now = self.clock()
        with self.store.transaction() as tx:
            present = self._present()
            if present is not None:
                return present["id"]
            return self._open(tx, now, f"presence:{source}")

    def vehicle_left(self, source: str, epc: str | None = None) -> str | None:
        """A presence source says the vehicle left (an EPC: the vehicle carrying that tag); returns its crossing."""
        now = self.clock()
        with self.store.transaction() as tx:
            present = self._present()
            if present is None:
                return None
            if epc is not None:
                tags = {normalise.epc(r["value"]) for r in self.store.reads_of(present["id"]) if r["kind"] == "rfid"}
                if normalise.epc(epc) not in tags:
                    return None  # a tag of an earlier vehicle, or one never attached
            self._depart(tx, now, present["id"], f"presence:{source}")
            return present["id"]

    def _present(self) -> dict[str, Any] | None:
        rows = self.store.query("SELECT * FROM crossings WHERE departed_at IS NULL ORDER BY opened_at DESC LIMIT 1")
        return rows[0] if rows else None

    def _depart(self, tx: Tx, now: datetime, crossing_id: str, why: str) -> None:
        tx.update_crossing(crossing_id, departed_at=_iso(now))
        tx.audit(now, "lane", "crossing.departed", crossing_id, {"why": why})
        tx.outbox(now, "crossing.departed", {"crossing_id": crossing_id, "lane": self.lane_id, "why": why,
                                             "at": _iso(now)}, PRIORITY_LIFECYCLE)

    def move_read(self, read_id: int, to: str | None, actor: str, reason: str = "") -> str:
        """An officer moves a read to another undecided crossing (None: a crossing of its own)."""
        now = self.clock()
        with self.store.transaction() as tx:
            read = self.store.read(read_id)
            if read is None:
                raise KeyError(f"no read {read_id}")
            for crossing_id in filter(None, (read["crossing_id"], to)):
                if self._state_of(crossing_id) is State.CLOSED:
                    raise IllegalTransition(f"crossing {crossing_id} is decided; its reads stay as decided")
            target = to or self._open(tx, now, f"moved:{read_id}", depart_others=False)
            if target == read["crossing_id"]:
                return target
            tx.move_read(read_id, target, MOVED)
            tx.update_crossing(target, last_activity_at=_iso(now))
            detail = {"read_id": read_id, "from": read["crossing_id"], "to": target, "reason": reason}
            tx.audit(now, actor, "read.moved", target, {**detail, "row_sha256": tx.row_hash("reads", read_id)})
            tx.outbox(now, "read.moved", {**detail, "lane": self.lane_id, "at": _iso(now)}, PRIORITY_LIFECYCLE)
        return target

    def _open(self, tx: Tx, now: datetime, trigger: str, *, depart_others: bool = True) -> str:
        crossing_id = uuid7()
        next_state(None, "open")
        if depart_others:  # one vehicle at the lane: the next one's arrival means the last one left
            present = self._present()
            if present is not None:
                self._depart(tx, now, present["id"], "next_vehicle")
        tx.insert_crossing({"id": crossing_id, "lane_id": self.lane_id, "state": State.OPEN,
                            "trigger": trigger, "opened_at": _iso(now), "last_activity_at": _iso(now)})
        if not depart_others:
            tx.update_crossing(crossing_id, departed_at=_iso(now))
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
            waiting = basis.get("waiting_for") or []
            if action is Action.RELEASE and waiting and not reason.strip():
                raise OverrideNeedsReason(f"releasing before the expected reads are in (waiting for: "
                                          f"{', '.join(waiting)}) needs a reason")
            decision_id = uuid7()
            tx.insert_decision({"id": decision_id, "crossing_id": crossing_id, "action": action,
                                "officer_id": officer_id, "reason": reason, "decided_at": _iso(now),
                                "second_officer_id": second_officer_id, "recommendation": recommendation,
                                "override": int(override), "notes": notes, "basis": basis})
            tx.update_crossing(crossing_id, state=State.CLOSED, closed_at=_iso(now), last_activity_at=_iso(now))
            if not self.presence and self._present_id() == crossing_id:
                self._depart(tx, now, crossing_id, "decided")  # no sensor: the decision sends it on
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
                "reasons": detail.get("reasons", []), "waiting_for": detail.get("waiting_for", []),
                "watchlist_version": row["watchlist_version"],
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
                if crossing["departed_at"] is None:  # nothing read for that long: the vehicle is not there
                    self._depart(tx, now, crossing["id"], "idle")
                flagged.append(crossing["id"])
        return flagged

    def _present_id(self) -> str | None:
        present = self._present()
        return present["id"] if present else None

    def _state_of(self, crossing_id: str) -> State:
        crossing = self.store.crossing(crossing_id)
        if crossing is None:
            raise UnknownCrossing(f"no crossing {crossing_id}")
        return State(crossing["state"])
