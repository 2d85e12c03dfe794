"""What ``garita run --mock`` is asked to do, and which RFID reader the mock lane emulates."""

from __future__ import annotations

from dataclasses import dataclass

from garita.station.config.lane_config import LaneConfig


@dataclass(frozen=True)
class MockOptions:
    scenario: str = "default"
    speed: float = 1.0
    auto_decide: bool = False
    until_done: bool = False


def mock_rfid_protocol(config: LaneConfig) -> str:
    """Which reader the mock lane should emulate as "rfid-1": the protocol its driver speaks."""
    driver = next((d.driver for d in config.devices if d.name == "rfid-1" and d.enabled), "alien")
    return "llrp" if driver == "llrp" else "alien"
