"""`garita watchlist` and `garita declarations`: signed feeds from the central system."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from garita.station.commands.common_options import (
    CONFIG,
    DATA_DIR,
    SummaryGroup,
    lane_context,
    open_store,
    watchlist_context,
)
from garita.station.config.loader import EX_CONFIG
from garita.sync.signing import KeyRing


def _feed_context(data_dir: Path | None, config_path: Path | None) -> tuple[Path, KeyRing]:
    """The data directory and the key ring signed feeds are checked against; exits if no key is set."""
    directory, config = lane_context(data_dir, config_path)
    if config is None or not config.trust.keys:
        click.echo("garita: no trusted keys: list the central's keys as [[trust.keys]] in the lane config "
                   "(--config; see docs/trust.md)", err=True)
        sys.exit(EX_CONFIG)
    return directory, config.trust.ring()


@click.group(cls=SummaryGroup)
def watchlist() -> None:
    """The shared US-MX watchlist: import signed files, show its status, check a value."""


@watchlist.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@DATA_DIR
@CONFIG
def watchlist_import(file: Path, data_dir: Path | None, config_path: Path | None) -> None:
    """Verify and apply a signed snapshot or delta (all or nothing)."""
    from rich.progress import Progress

    from garita.station.links.signed_feed import FeedError
    from garita.station.watchlist.importer import import_file

    directory, keys = _feed_context(data_dir, config_path)
    with Progress(transient=True) as bar:
        task = bar.add_task(f"importing {file.name}", total=None)
        try:
            result = import_file(directory, file, keys,
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
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def watchlist_status(data_dir: Path | None, config_path: Path | None, as_json: bool) -> None:
    """Held version, age (STALE past [watchlist] stale_after_h), entries by kind, refused files.

    Exit 1 when no watchlist is held or it is stale, 0 when it is current.
    """
    from garita.station.watchlist.cache import open_watchlist

    directory, section = watchlist_context(data_dir, config_path)
    status = open_watchlist(directory, section).status()
    if as_json:
        click.echo(json.dumps(status.as_dict(), indent=2))
        sys.exit(1 if status.stale else 0)
    click.echo(status.line())
    if status.version is not None:
        click.echo(f"produced {status.created_at}, applied {status.applied_at}")
    click.echo("entries: " + (", ".join(f"{k} {n}" for k, n in status.counts.items()) or "none"))
    if status.rejected:
        click.echo("refused files: " + ", ".join(f"{k} {n}" for k, n in sorted(status.rejected.items())))
        click.echo(f"last refused: {status.last_rejection['file']}: {status.last_rejection['message']}")
    sys.exit(1 if status.stale else 0)


@watchlist.command("check")
@click.argument("value")
@click.option("--kind", type=click.Choice(["plate", "container", "document", "person", "rfid", "carrier"]),
              default=None, help="Only this kind (default: every kind the value could be).")
@DATA_DIR
@CONFIG
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def watchlist_check(value: str, kind: str | None, data_dir: Path | None, config_path: Path | None,
                    as_json: bool) -> None:
    """Look a plate, container, document, name, tag or carrier up; exit 2 when it is listed.

    Exit 0 when it is not, 3 when there is no watchlist to look in.
    """
    from garita.station.watchlist.cache import open_watchlist

    directory, section = watchlist_context(data_dir, config_path)
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
            click.echo(f"no hit for {value!r}" if status.version is not None
                       else f"cannot check {value!r}: no watchlist held (garita watchlist import FILE)")
    sys.exit(2 if hits else 0 if status.version is not None else 3)



@click.group(cls=SummaryGroup)
def declarations() -> None:
    """Unified pre-arrival declarations: import signed files from the central system."""


@declarations.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@DATA_DIR
@CONFIG
def declarations_import(file: Path, data_dir: Path | None, config_path: Path | None) -> None:
    """Verify and apply a signed declarations snapshot or delta (one transaction, audited)."""
    from garita.station.declarations.declaration_store import import_declarations
    from garita.station.links.signed_feed import FeedError

    directory, keys = _feed_context(data_dir, config_path)
    store = open_store(directory, None)
    try:
        version = import_declarations(store, directory, file, keys)
    except FeedError as exc:
        click.echo(f"garita: refused ({exc.code}): {exc}; nothing was applied", err=True)
        sys.exit(1)
    click.echo(f"declarations v{version} applied")
