"""``garita run --mock``: emulated devices on ptys and loopback, a scenario, a live table.

Mock mode is wiring: the same drivers are pointed at the mock lane's endpoints, and the scenario
player, the scripted officer, the live view and the technician's scenario controls are added to
the lane :func:`garita.station.wiring.wire_lane` builds.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from garita.station.booth.mock_controls import MockControls
from garita.station.config.lane_config import LaneConfig
from garita.station.config.loader import EX_CONFIG, ConfigError
from garita.station.config.shipped_files import packaged_file
from garita.station.core.daemon import LaneDaemon
from garita.station.mock.demo_feeds import publish_demo_feeds
from garita.station.mock.live_view import LiveView
from garita.station.mock.mock_options import MockOptions, mock_rfid_protocol
from garita.station.mock.scripted_officer import AutoOfficer
from garita.station.ops.event_log import log_event, setup_logging
from garita.station.storage.lane_store import LaneStore
from garita.station.wiring import build_devices, wire_lane

if TYPE_CHECKING:
    from garita.drivers.events import Device
    from garita.hardware_mocks.mock_lane import MockLane

log = logging.getLogger("garita.mock")

# The lane is empty before the first vehicle: give the camera time to learn the empty scene,
# or a vehicle present from the first frame becomes the "background" its departure fires on.
LEAD_IN_S = 1.5
CONNECT_WAIT_S = 10.0


def _play_when_ready(mock_lane: MockLane, devices: list[Device], stop: threading.Event) -> None:
    """Start the scenario once every driver is connected and the lead-in has passed."""
    deadline = time.monotonic() + CONNECT_WAIT_S
    while not all(device.health.connected for device in devices) and time.monotonic() < deadline:
        if stop.wait(0.05):
            return
    missing = [device.name for device in devices if not device.health.connected]
    if missing:
        log_event(log, "mock.devices_not_connected", logging.WARNING, devices=",".join(missing))
    if not stop.wait(LEAD_IN_S):
        mock_lane.play(stop)


def run_in_thread_until(target: Callable[[threading.Event], None], stop: threading.Event) -> threading.Thread:
    """Start ``target(stop)`` as a daemon thread (the mock lane's scenario player)."""
    thread = threading.Thread(target=target, args=(stop,), name="scenario", daemon=True)
    thread.start()
    return thread


def _start_mock_lane(data_dir: Path, options: MockOptions, rfid_protocol: str) -> MockLane:
    # Imported here: the mocks are a test and demo tool, not needed to run a real lane.
    from garita.hardware_mocks.mock_lane import MockLane
    from garita.hardware_mocks.scenario import load_scenario

    scenario = load_scenario(options.scenario)
    lane = MockLane(scenario, data_dir / "mock-devices", speed=options.speed, rfid_protocol=rfid_protocol)
    lane.start()
    return lane


def where_things_are(config: LaneConfig, log_path: Path | None) -> str:
    """One line for the top of the view: where the logs go, the booth address, how to stop."""
    booth = config.booth
    shown = (f"booth http://{booth.host}:{booth.port}/" if booth.enabled
             else "booth off ([booth] enabled = false)")
    logs = f"logs → {log_path}" if log_path else "logs → stderr"
    return f"{logs} · {shown} · Ctrl-C stops"


def run_mock(config: LaneConfig, data_dir: Path, store: LaneStore, options: MockOptions) -> int:
    """Run the lane against the mock devices; with until_done, exit 0 once every vehicle is done."""
    view = LiveView(store)
    log_file = None
    if view.console.is_terminal:  # keep log lines from tearing the live table
        log_file = open(data_dir / "garita.log", "a", encoding="utf-8")  # noqa: SIM115
    # Piped, stdout is the table's rows only; the log lines go to stderr.
    setup_logging(config.logging.format, config.logging.level, stream=log_file or sys.stderr)
    view.recognises = config.vision.enabled
    view.where = where_things_are(config, data_dir / "garita.log" if log_file else None)
    if not view.console.is_terminal:
        print(view.where, file=sys.stderr, flush=True)
    publish_demo_feeds(packaged_file("mock-central.toml"), data_dir, store, config.trust.ring())
    try:
        mock_lane = _start_mock_lane(data_dir, options, mock_rfid_protocol(config))
    except ValueError as exc:
        print(f"garita: scenario {options.scenario!r}: {exc}", flush=True)
        return EX_CONFIG
    try:
        return _run_with(config, data_dir, store, options, mock_lane, view)
    except ConfigError as exc:
        print(exc.render(), flush=True)
        return EX_CONFIG
    finally:
        mock_lane.stop()
        if log_file:
            log_file.close()


def _scaled(config: LaneConfig, speed: float) -> LaneConfig:
    """Scenario time runs `speed` x: so does the window in which a late read still joins its crossing."""
    lifecycle = config.lifecycle.model_copy(update={"late_read_s": config.lifecycle.late_read_s / speed})
    return config.model_copy(update={"lifecycle": lifecycle})


def _done_when(player: threading.Thread, officer: AutoOfficer | None, store: LaneStore,
               lane: LaneDaemon) -> Callable[[], bool]:
    """Done when the script has played, every vehicle is decided and every image has been read (on a slow
    machine a plate may land after the decision; stopping then would lose it); a stray open crossing
    (a read no scripted vehicle explains) stays open for the next run's idle flag."""
    return lambda: not player.is_alive() and not lane.in_flight and (
        officer.all_decided if officer else not store.crossings_in_state("open"))


def _run_with(config: LaneConfig, data_dir: Path, store: LaneStore, options: MockOptions, mock_lane: MockLane,
              view: LiveView) -> int:
    devices = build_devices(config, endpoints=mock_lane.endpoints)
    stop_scenario = threading.Event()
    # [mqtt] is honoured in mock mode too: the emulated lane syncs like a real one.
    wired = wire_lane(_scaled(config, options.speed), data_dir, store, devices,
                      mock=MockControls(mock_lane, stop_scenario))  # the booth's technician scenario controls
    lane = wired.daemon
    mqtt = config.mqtt
    log_event(log, "mock.mqtt", state="on" if mqtt.enabled else "off",
              broker=f"{mqtt.host}:{mqtt.port}" if mqtt.enabled else "none (outbox kept for a later sync)")
    player = run_in_thread_until(lambda stop: _play_when_ready(mock_lane, devices, stop), stop_scenario)
    log_event(log, "mock.started", scenario=options.scenario, speed=options.speed,
              endpoints=",".join(f"{k}={v}" for k, v in mock_lane.endpoints.items()))
    officer = AutoOfficer(mock_lane, options.speed, store, lane.decide) if options.auto_decide else None
    if officer:
        wired.hooks.add_plugin(officer)
    wired.hooks.subscribe(view)
    with view:
        code = asyncio.run(lane.run(_done_when(player, officer, store, lane) if options.until_done else None))
    stop_scenario.set()
    player.join(timeout=5)
    log_event(log, "mock.finished", crossings=lane.stats.crossings_opened, decisions=lane.stats.decisions)
    return code
