"""The ``garita`` command line: run the lane, check a config, look at crossings, install the service."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import click

from station.cli_audit import audit_group
from station.cli_vision import bench_vision, eval_group
from station.config_loader import EX_CONFIG, ConfigError, load_config
from station.runner import EX_CANTCREAT, MockOptions, build_devices, resolve_data_dir, run_lane, warn_missing_ports

DATA_DIR = click.option("--data-dir", type=click.Path(path_type=Path), default=None,
                        help="Data directory (default: $GARITA_DATA_DIR, the config's, or ./.garita).")
CONFIG = click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
                      help="Lane config TOML (used to find the data directory).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="garita")
def cli() -> None:
    """Garita: the lane software of a joint US-Mexico customs checkpoint."""


@cli.command()
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


@cli.command("check-config")
@click.argument("file", type=click.Path(path_type=Path))
def check_config(file: Path) -> None:
    """Validate a lane config: prints OK, or every problem with its key and line (exit 78)."""
    try:
        config = load_config(file)
        build_devices(config)
    except ConfigError as exc:
        click.echo(exc.render())
        sys.exit(EX_CONFIG)
    for warning in warn_missing_ports(config):
        click.echo(f"warning: {warning}", err=True)
    click.echo("OK")


def _open_store(data_dir: Path | None, config_path: Path | None):
    from station.storage.database import StorageError, open_database
    from station.storage.lane_store import LaneStore
    from station.storage.migrations import SchemaTooNew

    config = load_config(config_path) if config_path else None
    try:
        return LaneStore(open_database(resolve_data_dir(data_dir, config), create=False))
    except (StorageError, SchemaTooNew) as exc:
        click.echo(f"garita: {exc}", err=True)
        sys.exit(EX_CANTCREAT)


@cli.command()
@DATA_DIR
@CONFIG
@click.option("--limit", type=click.IntRange(1, 10000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one array) instead of a table.")
def crossings(data_dir: Path | None, config_path: Path | None, limit: int, as_json: bool) -> None:
    """Recent crossings, newest first, with their decisions."""
    from station.reports import crossings_json, crossings_table

    store = _open_store(data_dir, config_path)
    if as_json:
        click.echo(json.dumps(crossings_json(store, limit), indent=2))
    else:
        crossings_table(store, limit)


@cli.command()
@click.argument("crossing_id")
@DATA_DIR
@CONFIG
@click.option("--json", "as_json", is_flag=True)
def show(crossing_id: str, data_dir: Path | None, config_path: Path | None, as_json: bool) -> None:
    """Everything about one crossing (a unique id prefix is enough)."""
    from station.reports import crossing_detail, print_detail

    store = _open_store(data_dir, config_path)
    detail = crossing_detail(store, crossing_id)
    if detail is None:
        click.echo(f"garita: no crossing matches {crossing_id!r} (or the prefix is not unique)", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(detail, indent=2))
    else:
        print_detail(detail)


@cli.command()
@DATA_DIR
@CONFIG
@click.option("--since", default=None, help="ISO date or time (UTC), e.g. 2026-11-28 or 2026-11-28T10:00.")
def export(data_dir: Path | None, config_path: Path | None, since: str | None) -> None:
    """Crossings with their reads and decisions as JSON lines, oldest first."""
    from station.reports import export_lines

    store = _open_store(data_dir, config_path)
    for line in export_lines(store, since):
        click.echo(line)


@cli.command()
@click.argument("crossing_id")
@click.argument("action", type=click.Choice(["release", "secondary", "detain"]))
@click.option("--officer", required=True, help="Officer id (badge number).")
@click.option("--reason", default="", help="Why (needed to override the recommendation).")
@click.option("--second-officer", default=None, help="The other country's officer in a joint decision.")
@click.option("--notes", default="", help="Free-text notes kept with the decision.")
@DATA_DIR
@CONFIG
def decide(crossing_id: str, action: str, officer: str, reason: str, second_officer: str | None, notes: str,
           data_dir: Path | None, config_path: Path | None) -> None:
    """Record the joint decision for a crossing from the command line."""
    from station.lifecycle import IllegalTransition, Lifecycle

    store = _open_store(data_dir, config_path)
    crossing = store.find_crossing(crossing_id)
    if crossing is None:
        click.echo(f"garita: no crossing matches {crossing_id!r}", err=True)
        sys.exit(1)
    try:
        decision_id = Lifecycle(store, crossing["lane_id"], 300).decide(
            crossing["id"], action, officer, reason, second_officer_id=second_officer, notes=notes)
    except (IllegalTransition, ValueError) as exc:
        click.echo(f"garita: {exc}", err=True)
        sys.exit(1)
    click.echo(f"decision {decision_id} recorded: {action} for crossing {crossing['id']}")


@cli.command("install-service")
@click.option("--root", type=click.Path(path_type=Path), default=Path("/"), show_default=True,
              help="Install under another root (for images and tests).")
@click.option("--user", default="garita", show_default=True, help="Dedicated system user.")
@click.option("--force", is_flag=True, help="Overwrite an existing lane config.")
def install_service(root: Path, user: str, force: bool) -> None:
    """Write the systemd unit and a config skeleton for port IT."""
    from station.install_service import install

    for line in install(root, user, force, sys.executable):
        click.echo(line)


def main() -> None:
    cli()


@cli.group()
def bench() -> None:
    """Measure the lane on this machine (median, p95, rates, against a baseline)."""


bench.add_command(bench_vision)
cli.add_command(eval_group)
cli.add_command(audit_group)


@bench.command("lane")
@click.option("--vehicles", type=click.IntRange(20, 1_000_000), default=500, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array instead of a table.")
def bench_lane(vehicles: int, as_json: bool) -> None:
    """Reads and decisions recorded per second, durable (FULL) against the NORMAL baseline."""
    import json

    from station.bench_lane import run_bench

    results = run_bench(vehicles)
    if as_json:
        click.echo(json.dumps(results, indent=2))
        return
    click.echo(f"{'synchronous':<12}{'read p50':>10}{'read p95':>10}{'decide p50':>12}{'decide p95':>12}"
               f"{'reads/s':>10}{'crossings/min':>15}")
    for r in results:
        click.echo(f"{r['synchronous']:<12}{r['read_p50_ms']:>8.2f}ms{r['read_p95_ms']:>8.2f}ms"
                   f"{r['decision_p50_ms']:>10.2f}ms{r['decision_p95_ms']:>10.2f}ms"
                   f"{r['reads_per_s']:>10.0f}{r['crossings_per_min']:>15.0f}")


MOCK = click.option("--mock", is_flag=True, help="Use the mock lane's emulated device (plays --scenario).")
SCENARIO = click.option("--scenario", default="default", show_default=True, help="Mock scenario name or TOML path.")


def _lane_config(config_path: Path | None, mock: bool):
    """The lane config for technician commands; a bad one ends the command with exit 78."""
    from station.runner import DEFAULT_CONFIG, packaged_file

    path = config_path or (packaged_file("mock-lane.toml") if mock else DEFAULT_CONFIG)
    try:
        return load_config(path)
    except ConfigError as exc:
        click.echo(exc.render(), err=True)
        sys.exit(EX_CONFIG)


@cli.command()
@CONFIG
@DATA_DIR
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def devices(config_path: Path | None, data_dir: Path | None, as_json: bool) -> None:
    """Each configured device with its live health, from the running lane."""
    from station.device_report import devices_table
    from station.status_file import read_status

    config = _lane_config(config_path, mock=False) if config_path else None
    status, why = read_status(resolve_data_dir(data_dir, config))
    if as_json:
        click.echo(json.dumps({"live": not why, "why": why, "status": status}, indent=2))
        return
    if why:
        click.echo(f"garita: {why}; showing the last known health" if status else f"garita: {why}", err=True)
    devices_table(config, status)


@cli.command()
@click.argument("device_name")
@CONFIG
@MOCK
@SCENARIO
@click.option("--seconds", type=click.FloatRange(0.5, 86400), default=30, show_default=True)
@click.option("--raw", is_flag=True, help="Also print the raw bytes of each read.")
def probe(device_name: str, config_path: Path | None, mock: bool, scenario: str, seconds: float, raw: bool) -> None:
    """Open one device and print what it sends, decoded, live."""
    from station.technician import TechnicianError, build_one, device_section, format_read, mock_endpoints
    from station.technician import probe as run_probe

    config = _lane_config(config_path, mock)
    try:
        section = device_section(config, device_name)
        with mock_endpoints(scenario, 1.0) if mock else contextlib.nullcontext({}) as endpoints:
            device = build_one(section, endpoints.get(device_name))
            click.echo(f"probing {device_name} ({section.kind}, {section.driver}) for {seconds:g} s; Ctrl-C stops")
            health = run_probe(device, seconds, lambda read: click.echo(format_read(read, raw)))
    except TechnicianError as exc:
        click.echo(f"garita: {exc}", err=True)
        sys.exit(1)
    click.echo("health: " + ", ".join(f"{k}={v}" for k, v in health.items()))


@cli.command()
@click.argument("camera")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@CONFIG
@MOCK
@SCENARIO
@click.option("--timeout", "timeout_s", type=click.FloatRange(1, 120), default=10, show_default=True)
def snapshot(camera: str, file: Path, config_path: Path | None, mock: bool, scenario: str, timeout_s: float) -> None:
    """Save the camera's newest frame as a JPEG file."""
    from station.technician import TechnicianError, build_one, device_section, mock_endpoints
    from station.technician import snapshot as take_snapshot

    config = _lane_config(config_path, mock)
    try:
        section = device_section(config, camera)
        with mock_endpoints(scenario, 1.0) if mock else contextlib.nullcontext({}) as endpoints:
            jpeg = take_snapshot(build_one(section, endpoints.get(camera)), timeout_s)
        file.write_bytes(jpeg)
    except (TechnicianError, OSError) as exc:
        click.echo(f"garita: {exc}", err=True)
        sys.exit(1)
    click.echo(f"{file}: {len(jpeg)} bytes")


@bench.command("watchlist")
@click.option("--entries", type=click.IntRange(100, 5_000_000), default=100_000, show_default=True)
@click.option("--lookups", type=click.IntRange(10, 1_000_000), default=5000, show_default=True)
@click.option("--baseline-lookups", type=click.IntRange(1, 100_000), default=100, show_default=True,
              help="Reads for the naive scan (each scans every listed plate).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def bench_watchlist(entries: int, lookups: int, baseline_lookups: int, as_json: bool) -> None:
    """Import a synthetic signed snapshot and time plate lookups against a naive rapidfuzz scan."""
    from station.watchlist.bench import run_bench

    result = run_bench(entries, lookups, baseline_lookups)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(f"{entries} entries: snapshot import {result['import_s']:.1f} s "
               f"(peak RSS {result['import_peak_rss_mb']:.0f} MB, cache file {result['cache_file_mb']:.0f} MB)")
    click.echo(f"{'plate lookup':<14}{'p50':>10}{'p99':>10}{'lookups/s':>12}{'RSS':>9}")
    click.echo(f"{'indexed':<14}{result['lookup_p50_ms']:>8.3f}ms{result['lookup_p99_ms']:>8.3f}ms"
               f"{result['lookups_per_s']:>12.0f}{result['rss_mb']:>6.0f} MB")
    click.echo(f"{'naive scan':<14}{result['baseline_lookup_p50_ms']:>8.3f}ms{result['baseline_lookup_p99_ms']:>8.3f}ms"
               f"{result['baseline_lookups_per_s']:>12.1f}{result['baseline_rss_mb']:>6.0f} MB")
    click.echo(f"same plates found by both: {'yes' if result['agree'] else 'NO'}")


def _watchlist_context(data_dir: Path | None, config_path: Path | None):
    """The data directory and ``[watchlist]`` section for the watchlist commands."""
    from station.config import WatchlistSection

    try:
        config = load_config(config_path) if config_path else None
    except ConfigError as exc:
        click.echo(exc.render())
        sys.exit(EX_CONFIG)
    return resolve_data_dir(data_dir, config), config.watchlist if config else WatchlistSection()


@cli.group()
def watchlist() -> None:
    """The shared US-MX watchlist: import signed files, show its status, check a value."""


@watchlist.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@DATA_DIR
@CONFIG
def watchlist_import(file: Path, data_dir: Path | None, config_path: Path | None) -> None:
    """Verify and apply a signed snapshot or delta (all or nothing)."""
    from rich.progress import Progress

    from station.signed_feed import FeedError, trusted_keys
    from station.watchlist.importer import import_file

    directory, section = _watchlist_context(data_dir, config_path)
    if not section.public_keys:
        click.echo("garita: no trusted keys: set [watchlist] public_keys in the lane config (--config)", err=True)
        sys.exit(EX_CONFIG)
    with Progress(transient=True) as bar:
        task = bar.add_task(f"importing {file.name}", total=None)
        try:
            result = import_file(directory, file, trusted_keys(section.public_keys),
                                 lambda done, total: bar.update(task, completed=done, total=total))
        except FeedError as exc:
            bar.stop()
            click.echo(f"garita: refused ({exc.code}): {exc}; nothing was applied", err=True)
            sys.exit(1)
    click.echo(f"applied {result.kind} v{result.version} (was {result.previous or 'none'}): "
               f"{result.lines} lines in {result.seconds:.1f} s")


@watchlist.command("status")
@DATA_DIR
@CONFIG
@click.option("--json", "as_json", is_flag=True)
def watchlist_status(data_dir: Path | None, config_path: Path | None, as_json: bool) -> None:
    """Held version, age (STALE past [watchlist] stale_after_h), entries by kind, refused files."""
    from station.watchlist.cache import open_watchlist

    directory, section = _watchlist_context(data_dir, config_path)
    status = open_watchlist(directory, section).status()
    if as_json:
        click.echo(json.dumps(status.as_dict(), indent=2))
        return
    click.echo(status.line())
    if status.version is not None:
        click.echo(f"produced {status.created_at}, applied {status.applied_at}")
    click.echo("entries: " + (", ".join(f"{k} {n}" for k, n in status.counts.items()) or "none"))
    if status.rejected:
        click.echo("refused files: " + ", ".join(f"{k} {n}" for k, n in sorted(status.rejected.items())))
        click.echo(f"last refused: {status.last_rejection['file']}: {status.last_rejection['message']}")


@watchlist.command("check")
@click.argument("value")
@click.option("--kind", type=click.Choice(["plate", "container", "document", "person", "rfid", "carrier"]),
              default=None, help="Only this kind (default: every kind the value could be).")
@DATA_DIR
@CONFIG
@click.option("--json", "as_json", is_flag=True)
def watchlist_check(value: str, kind: str | None, data_dir: Path | None, config_path: Path | None,
                    as_json: bool) -> None:
    """Look a plate, container, document, name, tag or carrier up; exit 2 when it is listed."""
    from station.watchlist.cache import open_watchlist

    directory, section = _watchlist_context(data_dir, config_path)
    listing = open_watchlist(directory, section)
    status, hits = listing.status(), listing.check(value, kind)
    if as_json:
        click.echo(json.dumps({"watchlist": status.as_dict(), "hits": [h.as_dict() for h in hits]}, indent=2))
    else:
        click.echo(status.line())
        for hit in hits:
            why = "; ".join(hit.differences + hit.notes)
            click.echo(f"HIT {hit.action.upper()} {hit.entry_id} {hit.kind} {hit.listed} [{hit.tier}"
                       f"{f' {hit.score}' if hit.score is not None else ''}] {hit.agency} {hit.reason_code}: "
                       f"{hit.reason_en} / {hit.reason_es}" + (f" ({why})" if why else ""))
        if not hits:
            click.echo(f"no hit for {value!r}")
    sys.exit(2 if hits else 0)


@cli.group()
def officer() -> None:
    """Officers who may sign in at the booth screen (PIN and/or badge, role)."""


@officer.command("add")
@click.argument("officer_id")
@click.option("--name", required=True, help="Name shown on the booth screen.")
@click.option("--role", type=click.Choice(["officer", "supervisor", "technician"]), default="officer",
              show_default=True)
@click.option("--pin", default=None, help="4-12 digit PIN (prompted, hidden, unless --pin or --no-pin).")
@click.option("--no-pin", is_flag=True, help="Badge-only sign-in; keeps an existing PIN.")
@click.option("--badge", default=None, help="Badge tag EPC (hex) read at the booth reader.")
@click.option("--language", type=click.Choice(["", "en", "es"]), default="", help="Preferred screen language.")
@DATA_DIR
@CONFIG
def officer_add(officer_id: str, name: str, role: str, pin: str | None, no_pin: bool, badge: str | None,
                language: str, data_dir: Path | None, config_path: Path | None) -> None:
    """Add an officer or update one (the PIN is stored only as a salted scrypt hash)."""
    from station.booth.officers import add_officer
    from station.booth.pins import PinError

    if pin is None and not no_pin:
        pin = click.prompt("PIN", hide_input=True, confirmation_prompt=True)
    store = _open_store(data_dir, config_path)
    try:
        add_officer(store, officer_id, name, role, pin, badge, language)
    except (PinError, ValueError) as exc:
        click.echo(f"garita: {exc}", err=True)
        sys.exit(1)
    click.echo(f"officer {officer_id} saved ({role})")


@officer.command("list")
@DATA_DIR
@CONFIG
def officer_list(data_dir: Path | None, config_path: Path | None) -> None:
    """Officers with their role and how they sign in (never the PIN or the badge number)."""
    from station.booth.officers import list_officers

    for item in list_officers(_open_store(data_dir, config_path)):
        ways = "+".join(way for way, has in (("pin", item.pin_hash), ("badge", item.badge_epc)) if has) or "none"
        state = "" if item.active else " (inactive)"
        click.echo(f"{item.id:<16} {item.role:<11} {ways:<10} {item.name}{state}")


@cli.group()
def declarations() -> None:
    """Unified pre-arrival declarations: import signed files from the central system."""


@declarations.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@DATA_DIR
@CONFIG
def declarations_import(file: Path, data_dir: Path | None, config_path: Path | None) -> None:
    """Verify and apply a signed declarations snapshot or delta (one transaction, audited)."""
    from station.declarations.store import import_declarations
    from station.signed_feed import FeedError, trusted_keys

    directory, section = _watchlist_context(data_dir, config_path)
    if not section.public_keys:
        click.echo("garita: no trusted keys: set [watchlist] public_keys in the lane config (--config)", err=True)
        sys.exit(EX_CONFIG)
    store = _open_store(directory, None)
    try:
        version = import_declarations(store, directory, file, trusted_keys(section.public_keys))
    except FeedError as exc:
        click.echo(f"garita: refused ({exc.code}): {exc}; nothing was applied", err=True)
        sys.exit(1)
    click.echo(f"declarations v{version} applied")
