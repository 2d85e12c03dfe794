"""Options and helpers every `garita` command shares: data directory, config, opening the store."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from garita.station.config.lane_config import LaneConfig
from garita.station.config.loader import EX_CONFIG, ConfigError, load_config
from garita.station.runner import EX_CANTCREAT, resolve_data_dir


class SummaryGroup(click.Group):
    """A command group whose help lists each command's whole first sentence, wrapped, not cut short."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, command.get_short_help_str(limit=10_000)) for name in self.list_commands(ctx)
                if (command := self.get_command(ctx, name)) is not None and not command.hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


DATA_DIR = click.option("--data-dir", type=click.Path(path_type=Path), default=None,
                        help="Data directory (default: $GARITA_DATA_DIR, the config's, or ./.garita).")
CONFIG = click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
                      help="Lane config TOML (used to find the data directory).")


def open_store(data_dir: Path | None, config_path: Path | None, check: bool = False):
    """The lane's store for a CLI command; ``check`` reads every page first (exit 73 when damaged)."""
    from garita.station.storage.database import StorageError, open_database
    from garita.station.storage.lane_store import LaneStore
    from garita.station.storage.migrations import SchemaTooNew

    config = load_config(config_path) if config_path else None
    try:
        return LaneStore(open_database(resolve_data_dir(data_dir, config), create=False, check=check))
    except (StorageError, SchemaTooNew) as exc:
        click.echo(f"garita: {exc}", err=True)
        sys.exit(EX_CANTCREAT)


MOCK = click.option("--mock", is_flag=True, help="Use the mock lane's emulated device (plays --scenario).")
SCENARIO = click.option("--scenario", default="default", show_default=True, help="Mock scenario name or TOML path.")


def lane_config(config_path: Path | None, mock: bool):
    """The lane config for technician commands; a bad one ends the command with exit 78."""
    from garita.station.config.shipped_files import packaged_file
    from garita.station.runner import DEFAULT_CONFIG

    path = config_path or (packaged_file("mock-lane.toml") if mock else DEFAULT_CONFIG)
    try:
        return load_config(path)
    except ConfigError as exc:
        click.echo(exc.render(), err=True)
        sys.exit(EX_CONFIG)


def lane_context(data_dir: Path | None, config_path: Path | None) -> tuple[Path, LaneConfig | None]:
    """The data directory and the lane config (None without --config); exits 78 on a bad config."""
    try:
        config = load_config(config_path) if config_path else None
    except ConfigError as exc:
        click.echo(exc.render())
        sys.exit(EX_CONFIG)
    return resolve_data_dir(data_dir, config), config


def watchlist_context(data_dir: Path | None, config_path: Path | None):
    """The data directory and ``[watchlist]`` section for the watchlist commands."""
    from garita.station.config.lane_config import WatchlistSection

    directory, config = lane_context(data_dir, config_path)
    return directory, config.watchlist if config else WatchlistSection()
