"""``garita run``: load the config, open storage, build devices, run the core, map failures to exit codes."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from garita.drivers.events import Device
from garita.station.config.lane_config import LaneConfig
from garita.station.config.loader import EX_CONFIG, ConfigError, ConfigProblem, load_config
from garita.station.config.referenced_files import check_files
from garita.station.core.daemon import LaneDaemon
from garita.station.ops.event_log import log_event, setup_logging
from garita.station.storage.database import StorageError, open_database
from garita.station.storage.lane_store import LaneStore
from garita.station.storage.migrations import SchemaTooNew

EX_CANTCREAT = 73  # sysexits.h: the data directory or database cannot be used
DEFAULT_CONFIG = Path("/etc/garita/lane.toml")
log = logging.getLogger("garita.run")


@dataclass(frozen=True)
class MockOptions:
    scenario: str = "default"
    speed: float = 1.0
    auto_decide: bool = False
    until_done: bool = False


def packaged_file(name: str) -> Path:
    """A file shipped in the wheel from the repo's config/ folder."""
    return Path(str(resources.files("garita.station.lane_files").joinpath(name)))


def resolve_data_dir(cli_value: Path | None, config: LaneConfig | None) -> Path:
    """--data-dir, then GARITA_DATA_DIR, then the config file, then ./.garita."""
    if cli_value is not None:
        return cli_value
    if os.environ.get("GARITA_DATA_DIR"):
        return Path(os.environ["GARITA_DATA_DIR"])
    if config is not None:
        return config.storage.data_dir
    return Path(".garita")


def mock_rfid_protocol(config: LaneConfig) -> str:
    """Which reader the mock lane should emulate as "rfid-1": the protocol its driver speaks."""
    driver = next((d.driver for d in config.devices if d.name == "rfid-1" and d.enabled), "alien")
    return "llrp" if driver == "llrp" else "alien"


def build_devices(config: LaneConfig, endpoints: dict[str, str] | None = None) -> list[Device]:
    """Instantiate every enabled device's driver; bad driver names or options are config errors."""
    from garita.drivers.registry import build_device

    devices, problems = [], []
    for index, section in enumerate(config.devices):
        if not section.enabled:
            continue
        port, url = section.port, section.url
        if endpoints is not None:
            if section.name not in endpoints:
                problems.append(ConfigProblem(f"devices[{index}].name",
                                              f"the mock lane has no device {section.name!r}"))
                continue
            port = url = endpoints[section.name]
        try:
            devices.append(build_device(section.name, section.kind, section.driver, port, url, section.options))
        except ValueError as exc:
            problems.append(ConfigProblem(f"devices[{index}]", str(exc)))
    if problems:
        raise ConfigError(Path("(devices)"), problems)
    return devices


def warn_missing_ports(config: LaneConfig) -> list[str]:
    """A serial port that is not there is reported, and the driver keeps retrying it."""
    missing = []
    for section in config.devices:
        port = section.port or ""
        if section.enabled and port.startswith("/") and not os.path.exists(port):
            missing.append(f"device {section.name}: port {port} does not exist "
                           "(check the cable/USB adapter or the port in the config); will retry")
    return missing


def run_lane(config_path: Path | None, data_dir: Path | None, mock: MockOptions | None) -> int:
    """Everything ``garita run`` does; returns the process exit code."""
    if config_path is None:
        config_path = packaged_file("mock-lane.toml") if mock else DEFAULT_CONFIG
    try:
        config = load_config(config_path)
        check_files(config, config_path)
    except ConfigError as exc:
        print(exc.render(), flush=True)
        return EX_CONFIG
    data_dir = resolve_data_dir(data_dir, config)
    try:
        store = LaneStore(open_database(data_dir, check=True))
    except (StorageError, SchemaTooNew) as exc:
        print(f"garita: {exc}", flush=True)
        return EX_CANTCREAT
    if mock:
        from garita.station.mock.mock_mode import run_mock

        return run_mock(config, data_dir, store, mock)
    setup_logging(config.logging.format, config.logging.level)
    try:
        devices = build_devices(config)
    except ConfigError as exc:
        print(exc.render(), flush=True)
        return EX_CONFIG
    for line in warn_missing_ports(config):
        log_event(log, "device.port_missing", logging.WARNING, detail=line)
    try:
        lane = LaneDaemon(config, data_dir, store, devices)
    except ConfigError as exc:  # a file the config names cannot be used (the webhook secret)
        print(exc.render(), flush=True)
        return EX_CONFIG
    attach_uplink(lane)
    return asyncio.run(lane.run())


def attach_uplink(lane: LaneDaemon) -> None:
    """With `[mqtt] enabled`, the sync link runs beside the core: outbox up, verified feeds down."""
    if not lane.config.mqtt.enabled:
        return
    from garita.station.links.downlink_apply import DownlinkApplier
    from garita.station.links.mqtt_uplink import UplinkPlugin, build_link

    link = build_link(lane.config, lane.store, DownlinkApplier(lane.data_dir, lane.store))
    plugin = UplinkPlugin(link, lane.config.mqtt.metrics_every_s)
    lane.plugins.append(plugin)
    lane.uplink = plugin


def run_in_thread_until(target, stop: threading.Event) -> threading.Thread:
    """Start ``target(stop)`` as a daemon thread (the mock lane's scenario player)."""
    thread = threading.Thread(target=target, args=(stop,), name="scenario", daemon=True)
    thread.start()
    return thread
