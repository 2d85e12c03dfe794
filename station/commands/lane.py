"""`garita run`, `check-config` and `install-service`: running and installing the lane."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from garita.station.commands.common_options import DATA_DIR
from garita.station.config.device_sections import MOCK_ADDRESS
from garita.station.config.lane_config import LaneConfig
from garita.station.config.loader import EX_CONFIG, ConfigError, load_config
from garita.station.config.referenced_files import check_files
from garita.station.mock.mock_options import MockOptions
from garita.station.runner import run_lane
from garita.station.wiring import build_devices, warn_missing_ports


@click.command()
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="Lane config (default /etc/garita/lane.toml; with --mock the packaged mock lane).")
@DATA_DIR
@click.option("--mock", is_flag=True, help="Run against emulated devices (mock-hardware mode).")
@click.option("--scenario", default="default", show_default=True, help="Mock scenario name or TOML path.")
@click.option("--speed", type=click.FloatRange(0.1, 20), default=1.0, show_default=True,
              help="Mock scenario time factor (2 = twice as fast).")
@click.option("--auto-decide", is_flag=True, help="Mock: a scripted officer decides each crossing.")
@click.option("--until-done", is_flag=True, help="Mock: exit 0 when the scenario is over and every crossing is closed.")
def run(config_path: Path | None, data_dir: Path | None, mock: bool, scenario: str, speed: float,
        auto_decide: bool, until_done: bool) -> None:
    """Run the lane daemon (systemd starts this)."""
    options = MockOptions(scenario, speed, auto_decide, until_done) if mock else None
    if not mock and (auto_decide or until_done or scenario != "default"):
        raise click.UsageError("--scenario, --auto-decide and --until-done need --mock")
    sys.exit(run_lane(config_path, data_dir, options))


STAND_IN = "tcp://127.0.0.1:1"  # an address every driver accepts; check-config opens nothing


def mock_stand_ins(config: LaneConfig) -> dict[str, str] | None:
    """For a mock lane's config (every device at ``mock:NAME``), an address per device to build it at."""
    enabled = [d for d in config.devices if d.enabled]
    if not enabled or not all((d.port or d.url or "").startswith(MOCK_ADDRESS) for d in enabled):
        return None
    return {d.name: STAND_IN for d in enabled}


@click.command("check-config")
@click.argument("file", type=click.Path(path_type=Path))
def check_config(file: Path) -> None:
    """Validate a lane config: prints OK, or every problem with its key and line (exit 78)."""
    try:
        config = load_config(file)
        check_files(config, file)
        stand_ins = mock_stand_ins(config)
        build_devices(config, endpoints=stand_ins)
        if config.webhook.enabled and config.webhook.secret_file:
            from garita.station.links.webhook import load_secret

            load_secret(config.webhook.secret_file)
    except ConfigError as exc:
        click.echo(exc.render())
        sys.exit(EX_CONFIG)
    for warning in warn_missing_ports(config):
        click.echo(f"warning: {warning}", err=True)
    click.echo("OK (a mock lane: `garita run --mock` fills in the device addresses)" if stand_ins else "OK")


@click.command("install-service")
@click.option("--root", type=click.Path(path_type=Path), default=Path("/"), show_default=True,
              help="Install under another root (for images and tests).")
@click.option("--user", default="garita", show_default=True, help="Dedicated system user.")
@click.option("--force", is_flag=True, help="Overwrite an existing lane config.")
def install_service(root: Path, user: str, force: bool) -> None:
    """Write the systemd unit and a config skeleton for port IT."""
    from garita.station.ops.install_service import install

    for line in install(root, user, force, sys.executable):
        click.echo(line)

