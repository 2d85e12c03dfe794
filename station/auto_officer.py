"""The scripted officer of mock mode: decides each crossing as the scenario says."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from station.logs import log_event

if TYPE_CHECKING:
    from station.daemon import LaneDaemon

log = logging.getLogger("garita.auto_officer")

SETTLE_S = 0.8  # after the vehicle's last scripted read, so no read of it lands after the decision


def last_read_offset(vehicle: Any) -> float:
    """Seconds after arrival of the vehicle's last scripted read."""
    offsets = [0.6]  # camera settle and the first RFID poll
    offsets += [float(getattr(vehicle, "rfid_at", 0.3))]
    offsets += [float(scan.at) for scan in getattr(vehicle, "scans", [])]
    offsets += [float(doc.at) for doc in getattr(vehicle, "documents", [])]
    return max(offsets)


class AutoOfficer:
    """Decides open crossings once their vehicle's reads are in, using ``lane.vehicle_at``."""

    def __init__(self, mock_lane: Any, speed: float, officer_fallback: str = "mock-officer"):
        self.mock_lane = mock_lane
        self.speed = speed
        self.officer_fallback = officer_fallback

    async def tick(self, lane: LaneDaemon) -> None:
        now = datetime.now(UTC)
        for crossing in lane.store.crossings_in_state("open"):
            opened = datetime.fromisoformat(crossing["opened_at"])
            vehicle = self.mock_lane.vehicle_at(opened)
            if vehicle is None:
                continue  # not a scripted vehicle: left to the idle flag, as a real lane would
            due = opened + timedelta(seconds=(last_read_offset(vehicle) + SETTLE_S) / self.speed)
            if now >= due:
                self._decide(lane, crossing["id"], vehicle)

    def _decide(self, lane: LaneDaemon, crossing_id: str, vehicle: Any) -> None:
        officer = getattr(vehicle, "officer", None) or self.officer_fallback
        reason = getattr(vehicle, "reason", "") or "scripted"
        lane.decide(crossing_id, str(vehicle.decision), officer, f"{reason} (vehicle {vehicle.id})")
        log_event(log, "auto_officer.decided", crossing=crossing_id, vehicle=vehicle.id)
