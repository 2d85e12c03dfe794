"""Scenario controls for the technician view in mock mode: start, pause, inject a vehicle or a fault.

Works on the mock lane that ``garita run --mock`` builds, seen through :class:`ControllableLane`
(what these controls use of ``hardware_mocks.mock_lane.MockLane``); hardware_mocks is imported
only for type checking here, so a real lane never loads it.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping, Sized
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from garita.hardware_mocks.scenario import Scenario, Vehicle


class ControllableLane(Protocol):
    """The mock lane as the technician's controls drive it."""

    @property
    def scenario(self) -> Scenario: ...

    @property
    def devices(self) -> Mapping[str, object]: ...

    @property
    def faults(self) -> Mapping[str, Collection[str]]: ...

    @property
    def events_log(self) -> Sized: ...

    def schedule(self) -> Sized: ...

    def play(self, stop: threading.Event) -> None: ...

    def play_vehicle(self, vehicle: Vehicle) -> None: ...

    def inject(self, device: str, fault: str) -> None: ...


class MockControlError(ValueError):
    """A control the mock lane cannot do (unknown vehicle, device or fault)."""


def _state(paused: bool, run: int, steps: int) -> str:
    """playing, paused or finished: what the technician sees of the scenario (steps run of its schedule)."""
    if paused:
        return "paused"
    return "finished" if run >= steps else "playing"


class MockControls:
    def __init__(self, mock_lane: ControllableLane, running: threading.Event | None = None):
        self.mock_lane = mock_lane
        # The scenario thread that mock mode started stops when this event is set.
        self._stop = running or threading.Event()
        self._thread: threading.Thread | None = None

    def describe(self) -> dict[str, Any]:
        scenario = self.mock_lane.scenario
        steps, run = len(self.mock_lane.schedule()), len(self.mock_lane.events_log)
        paused = self._stop.is_set()
        return {"scenario": scenario.name, "vehicles": [v.id for v in scenario.vehicles],
                "devices": sorted(self.mock_lane.devices), "paused": paused,
                "state": _state(paused, run, steps), "steps": steps, "steps_run": min(run, steps),
                "faults": {name: sorted(faults) for name, faults in self.mock_lane.faults.items()}}

    def start(self) -> None:
        """Play the scenario from its start (after a pause, or again after it ended)."""
        if self._thread is not None and self._thread.is_alive() and not self._stop.is_set():
            return
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.mock_lane.play, args=(self._stop,), daemon=True,
                                        name="scenario-tech")
        self._thread.start()

    def pause(self) -> None:
        self._stop.set()

    def fault(self, device: str, fault: str) -> None:
        if device not in self.mock_lane.devices:
            raise MockControlError("unknown_device")
        if fault not in self.mock_lane.faults.get(device, ()):
            raise MockControlError("unknown_fault")
        try:
            self.mock_lane.inject(device, fault)
        except (AttributeError, KeyError):
            raise MockControlError("unknown_fault") from None

    def vehicle(self, vehicle_id: str) -> None:
        """Send one scenario vehicle through the lane now, on its own timeline."""
        chosen = next((v for v in self.mock_lane.scenario.vehicles if v.id == vehicle_id), None)
        if chosen is None:
            raise MockControlError("unknown_vehicle")
        # The mock lane plays that vehicle's own steps, with their real timing and protocols.
        threading.Thread(target=self.mock_lane.play_vehicle, args=(chosen,), daemon=True,
                         name="inject-vehicle").start()
