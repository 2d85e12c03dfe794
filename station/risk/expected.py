"""What a crossing still lacks before its recommendation is final (the lane's ``[risk.expected]``)."""

from __future__ import annotations

from garita.station.config.lane_config import ExpectedReads, Need
from garita.station.core.crossing_facts import Observed


def crossing_kind(observed: Observed, lane_type: str) -> str:
    """A truck shows freight (shipment number, pedimento, container) or uses a commercial lane; else a car."""
    return "truck" if observed.commercial or lane_type == "commercial" else "car"


def _has(need: Need, observed: Observed, declaration_found: bool) -> bool:
    return {
        "plate": bool(observed.plates), "document": bool(observed.documents), "rfid": bool(observed.epcs),
        "container": bool(observed.containers), "shipment": bool(observed.scns or observed.pedimentos),
        "declaration": declaration_found,
    }[need]


def waiting_for(observed: Observed, kind: str, expected: ExpectedReads, declaration_found: bool) -> list[str]:
    """The needs of this kind of crossing not yet met, in the configured order."""
    needs: list[Need] = getattr(expected, kind)
    return [need for need in needs if not _has(need, observed, declaration_found)]
