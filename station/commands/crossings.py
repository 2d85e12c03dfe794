"""`garita crossings`, `show`, `export`, `decide`: the lane's crossings for people."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from station.commands.options import CONFIG, DATA_DIR, open_store
from station.commands.since import SINCE, Since


@click.command()
@DATA_DIR
@CONFIG
@click.option("--limit", type=click.IntRange(1, 10000), default=20, show_default=True,
              help="How many of the newest crossings.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one array) instead of a table.")
def crossings(data_dir: Path | None, config_path: Path | None, limit: int, as_json: bool) -> None:
    """Recent crossings, newest first, with their decisions."""
    from station.reports import crossings_json, crossings_table

    store = open_store(data_dir, config_path)
    if as_json:
        click.echo(json.dumps(crossings_json(store, limit), indent=2))
    else:
        crossings_table(store, limit)


def _one_crossing(store, prefix: str) -> dict:
    """The one crossing an id prefix names; none, or several, end the command saying which."""
    matches = store.crossings_matching(prefix, limit=11)
    if not matches:
        click.echo(f"garita: no crossing id starts with {prefix!r}", err=True)
        sys.exit(1)
    if len(matches) > 1:
        shown = "\n".join(f"  {m['id']}  {m['state']:<12} opened {m['opened_at'][:19]}" for m in matches[:10])
        more = "\n  ... and more" if len(matches) > 10 else ""
        click.echo(f"garita: {prefix!r} is ambiguous; it starts these crossings (type more of the id):\n"
                   f"{shown}{more}", err=True)
        sys.exit(1)
    return matches[0]


@click.command()
@click.argument("crossing_id")
@DATA_DIR
@CONFIG
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def show(crossing_id: str, data_dir: Path | None, config_path: Path | None, as_json: bool) -> None:
    """Everything about one crossing (a unique id prefix is enough)."""
    from station.reports import crossing_detail, print_detail

    store = open_store(data_dir, config_path)
    detail = crossing_detail(store, _one_crossing(store, crossing_id)["id"])
    if as_json:
        click.echo(json.dumps(detail, indent=2))
    else:
        print_detail(detail)


@click.command()
@DATA_DIR
@CONFIG
@SINCE
def export(data_dir: Path | None, config_path: Path | None, since: Since | None) -> None:
    """Crossings with their reads and decisions as JSON lines, oldest first (what was chosen goes to stderr)."""
    from station.reports import export_lines

    store = open_store(data_dir, config_path)
    count = 0
    for line in export_lines(store, since.iso if since else None):
        click.echo(line)
        count += 1
    click.echo(f"exported {count} crossing(s) " + (since.understood if since else "(all)"), err=True)


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
    crossing = _one_crossing(store, crossing_id)
    try:
        decision_id = Lifecycle(store, crossing["lane_id"], 300).decide(
            crossing["id"], action, officer, reason, second_officer_id=second_officer, notes=notes)
    except (IllegalTransition, ValueError) as exc:
        click.echo(f"garita: {exc}", err=True)
        sys.exit(1)
    click.echo(f"decision {decision_id} recorded: {action} for crossing {crossing['id']}")

