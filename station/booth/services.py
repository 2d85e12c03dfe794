"""What the booth screen may use of the lane, handed to it by the wiring (never the daemon itself).

Each field is one thing a route or the event hub needs: the store to read, the lane's decide and
move-read actions, its status, the cameras that can give a snapshot, the risk engine's view of a
crossing, the status strip's extras, the mock lane's controls (mock mode only), and the hooks the
booth plugs its event listener, badge tap and ticks into once it has started.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from garita.drivers.events import Snapshotter
from garita.station.booth.mock_controls import MockControls
from garita.station.config.lane_config import BoothSection, JointSection, LaneSection
from garita.station.core.decision_service import Recorder
from garita.station.core.lane_hooks import Listener, Plugin, ReadTap
from garita.station.storage.lane_store import LaneStore

AssessmentSource = Callable[[str], dict[str, Any] | None]  # crossing id -> the risk engine's view, or None
MoveRead = Callable[[int, str | None, str, str], str]  # (read id, to crossing or None, actor, reason) -> target
StatusExtrasSource = Callable[[], Mapping[str, Mapping[str, object]]]  # {"watchlist": {...}, "uplink": {...}}


class BoothHooks(Protocol):
    """Where the booth plugs in once its port is bound (the lane's :class:`LaneHooks`)."""

    def subscribe(self, listener: Listener) -> None: ...

    def add_read_tap(self, tap: ReadTap) -> None: ...

    def add_plugin(self, plugin: Plugin) -> None: ...

    def tell(self, event: str, detail: dict[str, object]) -> None: ...


def _no_extras() -> Mapping[str, Mapping[str, object]]:
    return {}


@dataclass(frozen=True)
class BoothServices:
    lane: LaneSection  # the lane's identity on the page
    config: BoothSection
    store: LaneStore
    data_dir: Path  # evidence images are served from under it
    decide: Recorder
    move_read: MoveRead
    lane_status: Callable[[], dict[str, Any]]  # counters and each device's health
    hooks: BoothHooks
    mqtt_enabled: bool = False
    cameras: Mapping[str, Snapshotter] = field(default_factory=dict)
    assessment: AssessmentSource | None = None  # None: no risk engine, the panel stays empty
    status_extras: StatusExtrasSource = _no_extras
    mock: MockControls | None = None  # the technician's scenario controls, mock mode only
    joint: JointSection = field(default_factory=JointSection)  # the joint-decision rule of this lane
