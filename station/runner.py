"""``garita run``: load the config, open storage, wire the lane, run it, map failures to exit codes."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

from garita.station.config.lane_config import LaneConfig
from garita.station.config.loader import EX_CONFIG, ConfigError, load_config
from garita.station.config.referenced_files import check_files
from garita.station.config.shipped_files import packaged_file
from garita.station.mock.mock_options import MockOptions
from garita.station.ops.event_log import log_event, setup_logging
from garita.station.storage.database import StorageError, open_database
from garita.station.storage.lane_store import LaneStore
from garita.station.storage.migrations import SchemaTooNew
from garita.station.wiring import build_devices, warn_missing_ports, wire_lane

EX_CANTCREAT = 73  # sysexits.h: the data directory or database cannot be used
DEFAULT_CONFIG = Path("/etc/garita/lane.toml")
log = logging.getLogger("garita.run")


def resolve_data_dir(cli_value: Path | None, config: LaneConfig | None) -> Path:
    """--data-dir, then GARITA_DATA_DIR, then the config file, then ./.garita."""
    if cli_value is not None:
        return cli_value
    if os.environ.get("GARITA_DATA_DIR"):
        return Path(os.environ["GARITA_DATA_DIR"])
    if config is not None:
        return config.storage.data_dir
    return Path(".garita")


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
        from garita.station.mock.mock_mode import run_mock  # the mocks are a test and demo tool

        return run_mock(config, data_dir, store, mock)
    setup_logging(config.logging.format, config.logging.level)
    try:
        devices = build_devices(config)
        for line in warn_missing_ports(config):
            log_event(log, "device.port_missing", logging.WARNING, detail=line)
        lane = wire_lane(config, data_dir, store, devices)
    except ConfigError as exc:  # a driver option, or a file the config names cannot be used (the webhook secret)
        print(exc.render(), flush=True)
        return EX_CONFIG
    return asyncio.run(lane.daemon.run())
