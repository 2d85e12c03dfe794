"""Which crossing a read belongs to: one vehicle, one crossing.

A pure rule table, so it can be tested over random interleavings of scripted vehicles. The lane
knows, for each recent crossing, its plates and tags and whether its vehicle has left (a presence
source said so, or the next vehicle's crossing opened). The rules, first match wins:

1. A derived read (a plate read from a stored image) goes to its image's crossing, unless that
   crossing already carries a different plate: then it is placed as a plate read of its own.
2. A plate or tag already seen on a recent crossing joins it (a re-read of the same vehicle), even
   after that crossing was decided: the record of that vehicle grows, nothing reopens. A plate one
   OCR slip away from the plate of the vehicle at the lane joins it, marked.
3. With a decided vehicle not yet seen leaving (the decision sends it on; its presence source may lag
   or have failed): a new plate, tag, or a document past ``late_s`` is the next vehicle; a document
   within ``late_s`` of the decision joins it, marked; images join it.
   With an undecided vehicle at the lane (a crossing whose vehicle has not left):
   - a plate that differs from its plate: without a presence source the plate itself is the boundary
     (next vehicle); with one, the vehicle is still there, so it joins, marked for the officer;
   - anything else joins it (documents, scans, images, further tags of its occupants).
4. No vehicle at the lane: a document or scan within ``late_s`` of the last departure joins that
   crossing, marked (it may be a late read or the next vehicle's); otherwise the read opens the
   next crossing, which queues behind any undecided one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rapidfuzz.distance import Levenshtein

# Rule names, stored with each read (the booth shows why a read is where it is).
DERIVED = "from_image"
SAME_PLATE = "same_plate"
SIMILAR_PLATE = "similar_plate"
SAME_TAG = "same_tag"
PRESENT = "vehicle_present"
SECOND_PLATE = "second_plate_while_present"
AFTER_DEPARTURE = "after_departure"
AFTER_DECISION = "after_decision"
NEW_VEHICLE = "new_vehicle"
MOVED = "moved_by_officer"

BOOTH_KINDS = frozenset({"document", "barcode"})
REMATCH_WINDOW = timedelta(minutes=10)  # a plate seen again after this is a new visit, not a re-read


@dataclass(frozen=True)
class Candidate:
    """A recent crossing as the rules see it."""

    id: str
    decided_at: datetime | None
    departed_at: datetime | None
    last_activity_at: datetime
    plates: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()

    @property
    def present(self) -> bool:
        return self.departed_at is None


@dataclass(frozen=True)
class Incoming:
    """A read to place: its kind, its normalised identity (plate or EPC, else ''), and its image's crossing."""

    kind: str
    identity: str = ""
    derived_from: str | None = None


@dataclass(frozen=True)
class Placement:
    """Where the read goes: an existing crossing, or None for a new one; the rule; whether it is a guess."""

    crossing_id: str | None
    rule: str
    ambiguous: bool = False


def place(read: Incoming, recent: list[Candidate], now: datetime, *, presence: bool,
          late_s: float) -> Placement:
    """The placement of one read among the lane's recent crossings (oldest first)."""
    by_id = {c.id: c for c in recent}
    hint = by_id.get(read.derived_from) if read.derived_from else None
    if hint is not None and not (read.kind == "plate" and hint.plates and read.identity not in hint.plates):
        return Placement(hint.id, DERIVED)
    if read.identity:
        known = _known(read, recent, now)
        if known is not None:
            return known
    present = next((c for c in reversed(recent) if c.present), None)
    if present is not None and present.decided_at is not None:
        return _decided_at_lane(read, present, now, late_s) or _lane_empty(read, recent, now, late_s)
    if present is not None:
        return _at_lane(read, present, presence)
    return _lane_empty(read, recent, now, late_s)


def _decided_at_lane(read: Incoming, present: Candidate, now: datetime, late_s: float) -> Placement | None:
    """Decided but not yet seen leaving: the decision sent it on, so a new plate or tag is the next
    vehicle; a document or scan soon after the decision still joins it, marked (a watchlist hit on it
    then alerts on the decided crossing). None: treat the lane as empty."""
    if read.kind in BOOTH_KINDS and now - present.decided_at <= timedelta(seconds=late_s):
        return Placement(present.id, AFTER_DECISION, ambiguous=True)
    if read.identity or read.kind in BOOTH_KINDS:
        return Placement(None, NEW_VEHICLE)
    return Placement(present.id, PRESENT)


def _known(read: Incoming, recent: list[Candidate], now: datetime) -> Placement | None:
    """Rule 2: the same plate or tag on a recent crossing (newest first); a near-identical plate is marked."""
    live = [c for c in reversed(recent) if c.present or now - c.last_activity_at <= REMATCH_WINDOW]
    if read.kind == "rfid":
        match = next((c for c in live if read.identity in c.tags), None)
        return Placement(match.id, SAME_TAG) if match else None
    if read.kind != "plate":
        return None
    match = next((c for c in live if read.identity in c.plates), None)
    if match is not None:
        return Placement(match.id, SAME_PLATE)
    # Only the vehicle at the lane: two cars in a row may well have plates one character apart.
    present = next((c for c in live if c.present), None)
    if present is not None and any(_similar(read.identity, p) for p in present.plates):
        return Placement(present.id, SIMILAR_PLATE, ambiguous=True)
    return None


def _similar(a: str, b: str) -> bool:
    """One OCR slip apart (a substituted, dropped or extra character) on a plate of some length."""
    return min(len(a), len(b)) >= 5 and Levenshtein.distance(a, b, score_cutoff=1) <= 1


def _at_lane(read: Incoming, present: Candidate, presence: bool) -> Placement:
    """Rule 3: a vehicle is at the lane."""
    if read.kind == "plate" and present.plates and read.identity not in present.plates:
        if not presence:
            return Placement(None, NEW_VEHICLE)
        return Placement(present.id, SECOND_PLATE, ambiguous=True)
    return Placement(present.id, PRESENT)


def _lane_empty(read: Incoming, recent: list[Candidate], now: datetime, late_s: float) -> Placement:
    """Rule 4: every vehicle has left; a late booth read joins the last one, marked."""
    departed = [c for c in recent if c.departed_at is not None]
    last = max(departed, key=lambda c: c.departed_at, default=None)
    if (read.kind in BOOTH_KINDS and last is not None
            and now - last.departed_at <= timedelta(seconds=late_s)):
        return Placement(last.id, AFTER_DEPARTURE, ambiguous=True)
    return Placement(None, NEW_VEHICLE)
