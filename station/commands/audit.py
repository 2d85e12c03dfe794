"""`garita audit verify`: prove the audit trail unbroken, or name the first entry that is not."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import click

from garita.station.commands.common_options import SummaryGroup


@click.group("audit", cls=SummaryGroup)
def audit_group() -> None:
    """The lane's hash-chained audit trail."""


@audit_group.command("verify")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="Data directory (default: $GARITA_DATA_DIR, the config's, or ./.garita).")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="Lane config TOML (used to find the data directory).")
@click.option("--against-central", "central_db", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="The central's database: compare the lane's chain with the copy it holds.")
@click.option("--lane", "lane_name", default=None, metavar="PORT/LANE",
              help="This lane's name at the central (default: port_code/id from --config).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def audit_verify(data_dir: Path | None, config_path: Path | None, central_db: Path | None, lane_name: str | None,
                 as_json: bool) -> None:
    """Walk every entry and record; exit 0 when the chain holds, 1 naming the first bad entry or record."""
    from garita.station.commands.common_options import open_store

    store = open_store(data_dir, config_path, check=True)
    verdict, comparison = _verify(store, central_db, _lane_at_central(central_db, lane_name, config_path))
    ok = verdict.ok and (comparison is None or comparison.ok)
    if as_json:
        click.echo(json.dumps({"ok": ok, "entries": verdict.entries, "head": verdict.head,
                               "first_bad": verdict.first_bad, "bad_row": verdict.bad_row, "why": verdict.why,
                               "rows": verdict.rows, "legacy_rows": verdict.legacy_rows,
                               "central": vars(comparison) if comparison else None}))
    else:
        click.echo(_text(verdict))
        if comparison is not None:
            click.echo(("OK: " if comparison.ok else "BROKEN: ") + comparison.summary())
    sys.exit(0 if ok else 1)


def _lane_at_central(central_db: Path | None, lane_name: str | None, config_path: Path | None) -> tuple[str, str]:
    if central_db is None:
        return "", ""
    if lane_name:
        port, _, lane = lane_name.partition("/")
        if not lane:
            raise click.UsageError("--lane is PORT/LANE, e.g. 2504/lane-03")
        return port, lane
    if config_path is None:
        raise click.UsageError("--against-central needs --config (or --lane PORT/LANE) to name this lane")
    from garita.station.config.loader import load_config

    config = load_config(config_path)
    return config.lane.port_code, config.lane.id


def _verify(store, central_db: Path | None, lane: tuple[str, str]):
    from garita.station.runner import EX_CANTCREAT
    from garita.station.storage import audit_repo
    from garita.station.storage.database import damaged

    try:
        return audit_repo.verify(store, central_db, *lane)  # one consistent snapshot while the lane keeps writing
    except sqlite3.DatabaseError as exc:  # damaged pages: no verdict on the chain, and no traceback
        click.echo(f"garita: {damaged(store.path(), str(exc))}", err=True)
        sys.exit(EX_CANTCREAT)


def _text(verdict) -> str:
    if verdict.first_bad is not None:
        return f"BROKEN at entry {verdict.first_bad}: {verdict.why} ({verdict.entries} entries checked)"
    if verdict.bad_row is not None:
        return f"BROKEN at {verdict.bad_row}: {verdict.why} ({verdict.entries} entries, chain unbroken)"
    legacy = f", {verdict.legacy_rows} older records covered by the chain only" if verdict.legacy_rows else ""
    return (f"OK: {verdict.entries} entries, chain unbroken; head {verdict.head}; "
            f"{verdict.rows} reads and decisions match their entries{legacy}")
