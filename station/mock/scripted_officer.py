"""The scripted officer of mock mode: decides each crossing as the scenario says."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from garita.station.ops.event_log import log_event
from garita.station.storage.lane_store import LaneStore

if TYPE_CHECKING:
    from garita.hardware_mocks.scenario import Scenario, Vehicle

log = logging.getLogger("garita.auto_officer")

# SETTLE_S (scenario time) after the vehicle's last scripted read, and then only once every read of it has
# reached its crossing (its tags, scans, documents and a camera image), or SETTLE_S of real time later: on a
# busy machine a device's read lags its script by more than a scaled pause, and a decision before it would
# send the read on to a crossing of its own (the decided vehicle's tag is then "the next vehicle").
SETTLE_S = 0.8
Decide = Callable[[str, str, str, str], str]  # (crossing id, action, officer id, reason) -> decision id


class ScriptedLane(Protocol):
    """What the scripted officer asks of the mock lane (``hardware_mocks.mock_lane.MockLane``)."""

    @property
    def scenario(self) -> Scenario: ...

    def arrival_of(self, vehicle_id: str) -> datetime | None: ...

    def vehicle_at(self, when: datetime) -> Vehicle | None: ...


def last_read_offset(vehicle: Vehicle) -> float:
    """Seconds after arrival of the vehicle's last scripted read."""
    offsets = [0.6, float(vehicle.rfid_at)]  # camera settle and the first RFID poll, the tags
    offsets += [float(scan.at) for scan in vehicle.scans]
    offsets += [float(doc.at) for doc in vehicle.documents]
    return max(offsets)


def _carries(vehicle: Vehicle, value: str) -> bool:
    """Whether a read value can only come from this vehicle: a tag EPC, or text in its scans or MRZ."""
    if not value:
        return False
    if value.upper() in (tag.upper() for tag in vehicle.rfid_tags):
        return True
    texts = [scan.data for scan in vehicle.scans]
    texts += ["".join(doc.mrz) for doc in vehicle.documents]
    return any(value in text for text in texts)


def reads_in(vehicle: Vehicle, reads: list[dict]) -> bool:
    """Whether each scripted read of the vehicle (every tag, scan and document, and an image) is among ``reads``."""
    values = [str(read["value"]) for read in reads]
    found = all(any(value.upper() == tag.upper() for value in values) for tag in vehicle.rfid_tags)
    found = found and all(scan.data in values for scan in vehicle.scans)
    found = found and all(any(value and value in "".join(doc.mrz) for value in values)
                          for doc in vehicle.documents)
    return found and any(read["kind"] == "image" for read in reads)


def identify(vehicles: Sequence[Vehicle], read_values: list[str], decided: set[str] = frozenset()) -> Vehicle | None:
    """The scripted vehicle the crossing's reads point to; an undecided one wins a tie."""
    candidates = [v for v in vehicles if any(_carries(v, value) for value in read_values)]
    candidates.sort(key=lambda v: (v.id not in decided, v.arrive_at))
    return candidates[-1] if candidates else None


class AutoOfficer:
    """Decides open crossings once their vehicle's reads are in (a lane plugin).

    The vehicle is recognised by what was read (tag, scan, document); a crossing with only
    camera images falls back to the vehicle at the lane when it opened. Each vehicle is
    decided once.
    """

    def __init__(self, mock_lane: ScriptedLane, speed: float, store: LaneStore, decide: Decide,
                 officer_fallback: str = "mock-officer"):
        self.mock_lane = mock_lane
        self.speed = speed
        self.store = store
        self.decide = decide
        self.officer_fallback = officer_fallback
        self.decided: set[str] = set()

    @property
    def all_decided(self) -> bool:
        """True once every vehicle of the scenario has its decision."""
        return {v.id for v in self.mock_lane.scenario.vehicles} <= self.decided

    async def tick(self) -> None:
        now = datetime.now(UTC)
        for crossing in self.store.crossings_in_state("open"):
            reads = self.store.reads_of(crossing["id"])
            vehicle = self._vehicle_of(crossing, reads)
            if vehicle is None or vehicle.id in self.decided:
                continue  # not (or no longer) a scripted vehicle: left to the idle flag, as a real lane would
            arrived = self.mock_lane.arrival_of(vehicle.id) or datetime.fromisoformat(crossing["opened_at"])
            scripted = arrived + timedelta(seconds=(last_read_offset(vehicle) + SETTLE_S) / self.speed)
            if now >= scripted and (reads_in(vehicle, reads) or now >= scripted + timedelta(seconds=SETTLE_S)):
                self._decide(crossing["id"], vehicle)

    async def aclose(self) -> None:
        """Nothing to close: an undecided vehicle stays open, as with a real officer."""

    def _vehicle_of(self, crossing: dict, reads: list[dict]) -> Vehicle | None:
        values = [read["value"] for read in reads]
        found = identify(self.mock_lane.scenario.vehicles, values, self.decided)
        return found or self.mock_lane.vehicle_at(datetime.fromisoformat(crossing["opened_at"]))

    def _decide(self, crossing_id: str, vehicle: Vehicle) -> None:
        officer = vehicle.officer or self.officer_fallback
        reason = vehicle.reason or "scripted"
        self.decide(crossing_id, str(vehicle.decision), officer, f"{reason} (vehicle {vehicle.id})")
        self.decided.add(vehicle.id)
        log_event(log, "auto_officer.decided", crossing=crossing_id, vehicle=vehicle.id)
