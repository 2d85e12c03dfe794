"""`garita devices`, `probe`, `snapshot`: the field technician's tools."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import click

from garita.station.commands.common_options import CONFIG, DATA_DIR, MOCK, SCENARIO, lane_config
from garita.station.mock.mock_options import mock_rfid_protocol
from garita.station.runner import resolve_data_dir


@click.command()
@CONFIG
@DATA_DIR
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def devices(config_path: Path | None, data_dir: Path | None, as_json: bool) -> None:
    """Each configured device with its live health, from the running lane.

    Exit status: 0 healthy, 1 degraded (an optional device down, the watchlist stale),
    2 down (a required device down, the database not writable), 3 the lane is not running.
    """
    from garita.station.ops.device_report import devices_table
    from garita.station.ops.readiness import exit_code
    from garita.station.ops.status_file import read_status

    config = lane_config(config_path, mock=False) if config_path else None
    status, why = read_status(resolve_data_dir(data_dir, config))
    code = exit_code(status, running=not why)
    if as_json:
        click.echo(json.dumps({"live": not why, "why": why, "exit_code": code, "status": status}, indent=2))
        sys.exit(code)
    if why:
        click.echo(f"garita: {why}; showing the last known health" if status else f"garita: {why}", err=True)
    if status or config:  # with neither there is nothing to show but the message
        devices_table(config, status)
    if status and not why:
        click.echo(f"lane {(status.get('readiness') or {}).get('state', 'unknown')} (exit {code})")
    sys.exit(code)


@click.command()
@click.argument("device_name")
@CONFIG
@MOCK
@SCENARIO
@click.option("--seconds", type=click.FloatRange(0.5, 86400), default=30, show_default=True,
              help="How long to listen.")
@click.option("--raw", is_flag=True, help="Also print the raw bytes of each read.")
@click.option("--json", "as_json", is_flag=True,
              help="JSON lines: one per read (everything decoded, raw bytes as hex), then one with the health.")
def probe(device_name: str, config_path: Path | None, mock: bool, scenario: str, seconds: float, raw: bool,
          as_json: bool) -> None:
    """Open one device and print what it sends, decoded, live; then its health, taken while still open."""
    from garita.station.ops.device_tools import (
        TechnicianError,
        build_one,
        device_section,
        format_read,
        health_words,
        mock_endpoints,
        read_json,
    )
    from garita.station.ops.device_tools import probe as run_probe

    config = lane_config(config_path, mock)
    say = (lambda text: click.echo(text, err=True)) if as_json else click.echo
    try:
        section = device_section(config, device_name)
        skipped = lambda at: say(f"mock: starting scenario {scenario!r} at {at:g} s, just before {device_name}'s "  # noqa: E731
                                 "first event")
        mocked = (mock_endpoints(scenario, 1.0, device_name, skipped, rfid_protocol=mock_rfid_protocol(config)) if mock
                  else contextlib.nullcontext({}))
        with mocked as endpoints:
            device = build_one(section, endpoints.get(device_name))
            say(f"probing {device_name} ({section.kind}, {section.driver}) for {seconds:g} s; Ctrl-C stops")
            show = (lambda read: click.echo(read_json(read))) if as_json else (
                lambda read: click.echo(format_read(read, raw)))
            health = run_probe(device, seconds, show)
    except TechnicianError as exc:
        click.echo(f"garita: {exc}", err=True)
        sys.exit(1)
    stats = getattr(device, "stats", None)  # drivers that count more (LLRP: messages, keepalives, refusals)
    counters = stats if isinstance(stats, dict) else {}
    if as_json:
        click.echo(json.dumps({"health": health, "stats": counters}, default=str))
    else:
        click.echo(health_words(health))
        if counters:
            click.echo("stats: " + ", ".join(f"{k}={v}" for k, v in counters.items()))
    sys.exit(0 if health["connected"] else 1)


@click.command()
@click.argument("camera")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@CONFIG
@MOCK
@SCENARIO
@click.option("--timeout", "timeout_s", type=click.FloatRange(1, 120), default=10, show_default=True,
              help="Seconds to wait for a frame.")
def snapshot(camera: str, file: Path, config_path: Path | None, mock: bool, scenario: str, timeout_s: float) -> None:
    """Save the camera's newest frame as a JPEG file."""
    from garita.station.ops.device_tools import TechnicianError, build_one, device_section, mock_endpoints
    from garita.station.ops.device_tools import snapshot as take_snapshot

    config = lane_config(config_path, mock)
    try:
        section = device_section(config, camera)
        protocol = mock_rfid_protocol(config)
        mocked = mock_endpoints(scenario, 1.0, rfid_protocol=protocol) if mock else contextlib.nullcontext({})
        with mocked as endpoints:
            jpeg = take_snapshot(build_one(section, endpoints.get(camera)), timeout_s)
        file.write_bytes(jpeg)
    except (TechnicianError, OSError) as exc:
        click.echo(f"garita: {exc}", err=True)
        sys.exit(1)
    click.echo(f"{file}: {len(jpeg)} bytes")

