"""A whole mock lane: the four devices, driven by a scenario in (scaled) real time.

Device names are fixed: "plate-cam" (MJPEG camera), "rfid-1" (Alien reader, pty or TCP; or an
LLRP reader on a loopback TCP port with ``rfid_protocol="llrp"``),
"scanner-1" (barcode scanner) and "docs-1" (passport reader). Serial devices appear as
symlinks under ``workdir/dev/``.
"""

from __future__ import annotations

import logging
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np

from garita.hardware_mocks.alien_rfid_reader import AlienRfidReader
from garita.hardware_mocks.barcode_emulator import BarcodeScanner
from garita.hardware_mocks.camera_frames import encode_jpeg
from garita.hardware_mocks.llrp_reader import FAULTS as LLRP_FAULTS
from garita.hardware_mocks.llrp_reader import LlrpReaderMock
from garita.hardware_mocks.mjpeg_camera import MjpegCamera
from garita.hardware_mocks.passport_reader import PassportReader
from garita.hardware_mocks.pty_port import GARBAGE, Faults, PtyPort
from garita.hardware_mocks.scenario import FAULTS_BY_DEVICE, MIN_GAP_S, Fault, Scenario, Vehicle
from garita.hardware_mocks.scenario import PTY_FAULTS as SERIAL_FAULTS
from garita.hardware_mocks.synthetic_images import vehicle_with_plate

log = logging.getLogger(__name__)
DEPARTURE_GRACE = timedelta(seconds=1)  # a read just after departure still belongs to the car
# The empty lane between two vehicles, in real time, at any speed (see MockLane.timeline): the gap the scenario
# format requires, so that "who was at the lane" stays as unambiguous played fast as at speed 1.
MIN_REAL_GAP_S = MIN_GAP_S

PTY_FAULTS: dict[str, Callable[[], Faults]] = {
    "garbage": lambda: Faults(garbage=GARBAGE, remaining=1),
    "split": lambda: Faults(split_parts=3, split_delay_s=0.05, remaining=1),
    "merge": lambda: Faults(merge=True, remaining=2),  # hold one frame, send with the next
    "slow": lambda: Faults(byte_delay_s=0.002, remaining=1),
    "bad_bcc": lambda: Faults(bad_bcc=True, remaining=1),
}


@dataclass(frozen=True)
class LaneEvent:
    """One thing the lane did, for technicians and tests."""

    at: float  # scenario seconds (unscaled)
    wall: datetime  # UTC time it happened
    kind: str  # arrive | rfid_in | scan | document | fault | depart | error
    device: str
    vehicle_id: str | None
    detail: str


@dataclass(frozen=True)
class _Step:
    """A scheduled action."""

    at: float
    kind: str
    device: str
    vehicle_id: str | None
    detail: str
    action: Callable[[], None]


@dataclass
class _Visit:
    """When a vehicle really was at the lane."""

    vehicle: Vehicle
    arrived: datetime
    departed: datetime | None = None


def vehicle_image(vehicle: Vehicle, scenario: Scenario) -> np.ndarray:
    """The camera view of a vehicle: its photo if given and readable, else a synthetic one."""
    if vehicle.plate_image:
        path = scenario.resolve(vehicle.plate_image)
        image = cv2.imread(str(path))
        if image is not None:
            return image
        log.warning("%s: cannot read %s, drawing a synthetic vehicle", vehicle.id, path)
    seed = zlib.crc32(vehicle.id.encode())  # stable across runs, unlike hash()
    return vehicle_with_plate(
        vehicle.plate, vehicle.kind, seed, vehicle.plate_state, vehicle.containers
    )


class MockLane:
    """Four mock devices playing a scenario."""

    def __init__(
        self, scenario: Scenario, workdir: Path, speed: float = 1.0, tcp_rfid: bool = False,
        rfid_protocol: str = "alien",
    ) -> None:
        """Create (but do not start) the devices; ``rfid_protocol`` is "alien" or "llrp"."""
        if speed <= 0:
            raise ValueError("speed must be > 0")
        if rfid_protocol not in ("alien", "llrp"):
            raise ValueError(f"rfid_protocol must be 'alien' or 'llrp', not {rfid_protocol!r}")
        self.scenario = scenario
        self.workdir = Path(workdir)
        self.speed = speed
        # Played faster, the camera serves frames faster too (up to the 20 a second a camera driver looks at), so
        # a vehicle's dwell keeps enough frames to settle on; the empty lane between two keeps MIN_REAL_GAP_S.
        self.camera = MjpegCamera("plate-cam", fps=min(10.0 * max(speed, 1.0), 20.0))
        self.rfid: AlienRfidReader | LlrpReaderMock = (
            LlrpReaderMock("rfid-1") if rfid_protocol == "llrp"
            else AlienRfidReader("rfid-1", self.workdir, tcp=tcp_rfid))  # fmt: skip
        self.scanner = BarcodeScanner("scanner-1", self.workdir)
        self.docs = PassportReader("docs-1", self.workdir)
        self.events_log: list[LaneEvent] = []
        self._visits: list[_Visit] = []
        self._images: dict[str, bytes] = {}  # JPEG: encoding at show() time would delay an arrival
        self._lock = threading.Lock()
        self._started = False

    @property
    def devices(self) -> dict[str, MjpegCamera | AlienRfidReader | LlrpReaderMock | BarcodeScanner | PassportReader]:
        """Device name -> emulator."""
        return {"plate-cam": self.camera, "rfid-1": self.rfid,
                "scanner-1": self.scanner, "docs-1": self.docs}  # fmt: skip

    @property
    def faults(self) -> dict[str, set[str]]:
        """Device name -> the faults its emulator can take (the RFID reader's depend on its protocol)."""
        faults = {name: set(kinds) for name, kinds in FAULTS_BY_DEVICE.items()}
        llrp = isinstance(self.rfid, LlrpReaderMock)
        faults["rfid-1"] = ({"unplug", "replug", *LLRP_FAULTS} if llrp else SERIAL_FAULTS | {"unplug", "replug"})
        return faults

    @property
    def endpoints(self) -> dict[str, str]:
        """Device name -> pty symlink path or URL."""
        return {name: dev.endpoint for name, dev in self.devices.items()}

    def start(self) -> None:
        """Open every device; the camera shows the empty lane."""
        (self.workdir / "dev").mkdir(parents=True, exist_ok=True)
        for vehicle in self.scenario.vehicles:  # render up front so play() keeps time
            self._images[vehicle.id] = encode_jpeg(vehicle_image(vehicle, self.scenario))
        for device in self.devices.values():
            device.start()
        self.camera.show_background()
        self._started = True

    def stop(self) -> None:
        """Close every device and join their threads; safe to call twice."""
        for device in self.devices.values():
            device.stop()
        self._started = False

    def __enter__(self) -> MockLane:
        """Start on entering a with-block."""
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop on leaving a with-block."""
        self.stop()

    # --- playing ---------------------------------------------------------------------

    def play(self, stop: threading.Event, start_at: float = 0.0) -> None:
        """Play the scenario in real time / speed; returns at the end or when stop is set.

        ``start_at`` (scenario seconds) skips the steps before it, so a probe of one device
        need not wait through the vehicles before that device's first event.
        """
        if not self._started:
            raise RuntimeError("MockLane.start() first")
        timeline = [(real, step) for real, step in self.timeline() if step.at >= start_at]
        if not timeline:
            return
        first_real, first = timeline[0]
        start = time.monotonic() - (first_real - (first.at - start_at) / self.speed)
        for real, step in timeline:
            delay = start + real - time.monotonic()
            if stop.wait(max(delay, 0.0)) or stop.is_set():
                return
            self._run(step)

    def play_vehicle(self, vehicle: Vehicle) -> None:
        """Send one vehicle through the lane now, on its own timeline (the technician's "inject vehicle")."""
        steps = sorted(self._vehicle_steps(vehicle), key=lambda s: s.at)
        start, first = time.monotonic(), steps[0].at
        for step in steps:
            time.sleep(max(start + (step.at - first) / self.speed - time.monotonic(), 0.0))
            self._run(step)

    def timeline(self) -> list[tuple[float, _Step]]:
        """Each step with its real-time offset: scenario seconds / speed, but no empty-lane gap under MIN_REAL_GAP_S.

        Played faster, the booth's work (dwell, the officer) compresses, but the physics of one vehicle
        pulling away and the next pulling up does not: 1 s between vehicles is 0.2 s at speed 5, a few
        frames of the camera (which cannot run 5 x faster), less than any real lane leaves. Later steps
        move back by what a gap is lifted.
        """
        shift, last_depart, out = 0.0, None, []
        for step in self.schedule():
            real = step.at / self.speed + shift
            if step.kind == "arrive" and last_depart is not None and real - last_depart < MIN_REAL_GAP_S:
                shift += MIN_REAL_GAP_S - (real - last_depart)
                real = last_depart + MIN_REAL_GAP_S
            if step.kind == "depart":
                last_depart = real
            out.append((real, step))
        return out

    def _run(self, step: _Step) -> None:
        """Run one step and log it; a failing step is logged, not fatal."""
        kind, detail = step.kind, step.detail
        try:
            step.action()
        except Exception as exc:
            log.exception("lane step %s failed", step)
            kind, detail = "error", f"{step.kind}: {exc}"
        event = LaneEvent(step.at, datetime.now(UTC), kind, step.device, step.vehicle_id, detail)
        with self._lock:
            self.events_log.append(event)

    def schedule(self) -> list[_Step]:
        """Every step of the scenario, in time order (ties keep file order)."""
        steps: list[_Step] = []
        for vehicle in self.scenario.vehicles:
            steps += self._vehicle_steps(vehicle)
        steps += [self._fault_step(f) for f in self.scenario.faults]
        return sorted(steps, key=lambda s: s.at)

    def _vehicle_steps(self, v: Vehicle) -> list[_Step]:
        """Arrival, tag reads, scans, documents and departure of one vehicle."""
        t0 = v.arrive_at
        steps = [_Step(t0, "arrive", "plate-cam", v.id, f"{v.kind} {v.plate}",
                       lambda: self._arrive(v))]  # fmt: skip
        if v.rfid_tags:
            tags = ",".join(v.rfid_tags)
            steps.append(_Step(t0 + v.rfid_at, "rfid_in", "rfid-1", v.id, tags,
                               lambda: self._tags_in(v)))  # fmt: skip
        for scan in v.scans:
            steps.append(_Step(t0 + scan.at, "scan", "scanner-1", v.id,
                               f"{scan.symbology}{scan.data[:40]!r}",
                               lambda s=scan: self.scanner.scan(s.data, s.symbology)))  # fmt: skip
        for doc in v.documents:
            steps.append(_Step(t0 + doc.at, "document", "docs-1", v.id,
                               f"{doc.mrz[0][:20]} -> {doc.decision}",
                               lambda d=doc: self.docs.present(d.mrz)))  # fmt: skip
        steps.append(_Step(v.depart_at, "depart", "plate-cam", v.id, f"{v.kind} {v.plate}",
                           lambda: self._depart(v)))  # fmt: skip
        return steps

    def _fault_step(self, fault: Fault) -> _Step:
        """A step injecting one fault."""
        return _Step(fault.at, "fault", fault.device, None, fault.fault,
                     lambda: self.inject(fault.device, fault.fault))  # fmt: skip

    def _arrive(self, v: Vehicle) -> None:
        """The vehicle pulls up: the camera sees it."""
        with self._lock:
            self._visits.append(_Visit(v, datetime.now(UTC)))
        self.camera.show(self._images[v.id])

    def _tags_in(self, v: Vehicle) -> None:
        """The vehicle's cards enter the reader's field."""
        first = 1 if isinstance(self.rfid, LlrpReaderMock) else 0  # LLRP antenna ports count from 1
        for i, epc in enumerate(v.rfid_tags):
            self.rfid.put_tag(epc, antenna=first + i % 2)

    def _depart(self, v: Vehicle) -> None:
        """The vehicle leaves: its tags leave the field, the camera sees the empty lane."""
        for epc in v.rfid_tags:
            self.rfid.remove_tag(epc)
        self.camera.show_background()
        with self._lock:
            for visit in self._visits:
                if visit.vehicle.id == v.id and visit.departed is None:
                    visit.departed = datetime.now(UTC)

    def inject(self, device: str, fault: str) -> None:
        """Inject a fault now (also usable by technicians outside a scenario)."""
        target = self.devices[device]
        if isinstance(target, MjpegCamera) or fault in ("unplug", "replug"):
            getattr(target, fault)()
            return
        if isinstance(target, LlrpReaderMock) or fault in LLRP_FAULTS:
            self._inject_llrp(target, device, fault)
            return
        port: PtyPort | None = getattr(target, "port", None)
        if port is None:
            log.warning("%s: fault %s needs a serial port; skipped (TCP reader)", device, fault)
        elif fault == "reset":
            port.reset()
        else:
            port.faults = PTY_FAULTS[fault]()

    @staticmethod
    def _inject_llrp(target: object, device: str, fault: str) -> None:
        """LLRP faults go to an LLRP reader; serial-line faults do not apply to it (and vice versa)."""
        if isinstance(target, LlrpReaderMock) and fault in LLRP_FAULTS:
            target.inject(fault)
        else:
            log.warning("%s: fault %s does not apply to this reader's protocol; skipped", device, fault)

    # --- questions ---------------------------------------------------------------------

    def arrival_of(self, vehicle_id: str) -> datetime | None:
        """When the vehicle last arrived at the lane; None if it has not yet."""
        with self._lock:
            arrivals = [v.arrived for v in self._visits if v.vehicle.id == vehicle_id]
        return max(arrivals) if arrivals else None

    def vehicle_at(self, when: datetime) -> Vehicle | None:
        """The vehicle at the lane at ``when`` (UTC aware); else the latest one before it."""
        with self._lock:
            visits = list(self._visits)
        before = [v for v in visits if v.arrived <= when]
        # The grace window of a leaver may overlap the next arrival: the newer one wins.
        present = [v for v in before if v.departed is None or when <= v.departed + DEPARTURE_GRACE]
        chosen = present or before
        return max(chosen, key=lambda v: v.arrived).vehicle if chosen else None
