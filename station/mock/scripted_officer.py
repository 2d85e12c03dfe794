"""The scripted officer of mock mode: decides each crossing as the scenario says."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from garita.station.ops.event_log import log_event

if TYPE_CHECKING:
    from garita.station.core.daemon import LaneDaemon

log = logging.getLogger("garita.auto_officer")

# SETTLE_S (scenario time) after the vehicle's last scripted read, and then only once every read of it has
# reached its crossing (its tags, scans, documents and a camera image), or SETTLE_S of real time later: on a
# busy machine a device's read lags its script by more than a scaled pause, and a decision before it would
# send the read on to a crossing of its own (the decided vehicle's tag is then "the next vehicle").
SETTLE_S = 0.8


def last_read_offset(vehicle: Any) -> float:
    """Seconds after arrival of the vehicle's last scripted read."""
    offsets = [0.6]  # camera settle and the first RFID poll
    offsets += [float(getattr(vehicle, "rfid_at", 0.3))]
    offsets += [float(scan.at) for scan in getattr(vehicle, "scans", [])]
    offsets += [float(doc.at) for doc in getattr(vehicle, "documents", [])]
    return max(offsets)


def _carries(vehicle: Any, value: str) -> bool:
    """Whether a read value can only come from this vehicle: a tag EPC, or text in its scans or MRZ."""
    if not value:
        return False
    if value.upper() in (tag.upper() for tag in getattr(vehicle, "rfid_tags", [])):
        return True
    texts = [scan.data for scan in getattr(vehicle, "scans", [])]
    texts += ["".join(doc.mrz) for doc in getattr(vehicle, "documents", [])]
    return any(value in text for text in texts)


def reads_in(vehicle: Any, reads: list[dict]) -> bool:
    """Whether each scripted read of the vehicle (every tag, scan and document, and an image) is among ``reads``."""
    values = [str(read["value"]) for read in reads]
    wanted = [{tag.upper()} for tag in getattr(vehicle, "rfid_tags", [])]
    found = all(any(value.upper() in tags for value in values) for tags in wanted)
    found = found and all(scan.data in values for scan in getattr(vehicle, "scans", []))
    found = found and all(any(value and value in "".join(doc.mrz) for value in values)
                          for doc in getattr(vehicle, "documents", []))
    return found and any(read["kind"] == "image" for read in reads)


def identify(vehicles: list[Any], read_values: list[str], decided: set[str] = frozenset()) -> Any | None:
    """The scripted vehicle the crossing's reads point to; an undecided one wins a tie."""
    candidates = [v for v in vehicles if any(_carries(v, value) for value in read_values)]
    candidates.sort(key=lambda v: (v.id not in decided, v.arrive_at))
    return candidates[-1] if candidates else None


class AutoOfficer:
    """Decides open crossings once their vehicle's reads are in.

    The vehicle is recognised by what was read (tag, scan, document); a crossing with only
    camera images falls back to the vehicle at the lane when it opened. Each vehicle is
    decided once.
    """

    def __init__(self, mock_lane: Any, speed: float, officer_fallback: str = "mock-officer"):
        self.mock_lane = mock_lane
        self.speed = speed
        self.officer_fallback = officer_fallback
        self.decided: set[str] = set()

    @property
    def all_decided(self) -> bool:
        """True once every vehicle of the scenario has its decision."""
        return {v.id for v in self.mock_lane.scenario.vehicles} <= self.decided

    async def tick(self, lane: LaneDaemon) -> None:
        now = datetime.now(UTC)
        for crossing in lane.store.crossings_in_state("open"):
            reads = lane.store.reads_of(crossing["id"])
            vehicle = self._vehicle_of(crossing, reads)
            if vehicle is None or vehicle.id in self.decided:
                continue  # not (or no longer) a scripted vehicle: left to the idle flag, as a real lane would
            arrived = self.mock_lane.arrival_of(vehicle.id) or datetime.fromisoformat(crossing["opened_at"])
            scripted = arrived + timedelta(seconds=(last_read_offset(vehicle) + SETTLE_S) / self.speed)
            if now >= scripted and (reads_in(vehicle, reads) or now >= scripted + timedelta(seconds=SETTLE_S)):
                self._decide(lane, crossing["id"], vehicle)

    def _vehicle_of(self, crossing: dict, reads: list[dict]) -> Any | None:
        values = [read["value"] for read in reads]
        found = identify(self.mock_lane.scenario.vehicles, values, self.decided)
        return found or self.mock_lane.vehicle_at(datetime.fromisoformat(crossing["opened_at"]))

    def _decide(self, lane: LaneDaemon, crossing_id: str, vehicle: Any) -> None:
        officer = getattr(vehicle, "officer", None) or self.officer_fallback
        reason = getattr(vehicle, "reason", "") or "scripted"
        lane.decide(crossing_id, str(vehicle.decision), officer, f"{reason} (vehicle {vehicle.id})")
        self.decided.add(vehicle.id)
        log_event(log, "auto_officer.decided", crossing=crossing_id, vehicle=vehicle.id)
