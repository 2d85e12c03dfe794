"""`garita crossings`, `show`, `export`, `decide`: the lane's crossings for people."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from station.commands.options import CONFIG, DATA_DIR, open_store


@click.command()
@DATA_DIR
@CONFIG
@click.option("--limit", type=click.IntRange(1, 10000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one array) instead of a table.")
def crossings(data_dir: Path | None, config_path: Path | None, limit: int, as_json: bool) -> None:
    """Recent crossings, newest first, with their decisions."""
    from station.reports import crossings_json, crossings_table

    store = open_store(data_dir, config_path)
    if as_json:
        click.echo(json.dumps(crossings_json(store, limit), indent=2))
    else:
        crossings_table(store, limit)


@click.command()
@click.argument("crossing_id")
@DATA_DIR
@CONFIG
@click.option("--json", "as_json", is_flag=True)
def show(crossing_id: str, data_dir: Path | None, config_path: Path | None, as_json: bool) -> None:
    """Everything about one crossing (a unique id prefix is enough)."""
    from station.reports import crossing_detail, print_detail

    store = open_store(data_dir, config_path)
    detail = crossing_detail(store, crossing_id)
    if detail is None:
        click.echo(f"garita: no crossing matches {crossing_id!r} (or the prefix is not unique)", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(detail, indent=2))
    else:
        print_detail(detail)


@click.command()
@DATA_DIR
@CONFIG
@click.option("--since", default=None, help="ISO date or time (UTC), e.g. 2026-11-28 or 2026-11-28T10:00.")
def export(data_dir: Path | None, config_path: Path | None, since: str | None) -> None:
    """Crossings with their reads and decisions as JSON lines, oldest first."""
    from station.reports import export_lines

    store = open_store(data_dir, config_path)
    for line in export_lines(store, since):
        click.echo(line)


@click.command()
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

    store = open_store(data_dir, config_path)
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

