"""What every booth request handler needs, built once when the booth starts."""

from __future__ import annotations

from dataclasses import dataclass, field

from garita.station.booth.badges import BadgeGate
from garita.station.booth.event_stream import EventHub
from garita.station.booth.failed_signins import FailedSignins
from garita.station.booth.services import BoothServices
from garita.station.booth.sessions import SessionStore
from garita.station.booth.throttle import PinThrottle
from garita.station.config.lane_config import BoothSection
from garita.station.storage.lane_store import LaneStore


@dataclass
class BoothContext:
    services: BoothServices  # what the booth may use of the lane
    store: LaneStore
    config: BoothSection
    sessions: SessionStore
    hub: EventHub
    badges: BadgeGate
    secret: bytes
    failures: FailedSignins
    throttle: PinThrottle = field(default_factory=PinThrottle)
