"""`garita crossings`, `show`, `export`, `decide`: the lane's crossings for people."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from garita.station.commands.common_options import CONFIG, DATA_DIR, open_store
from garita.station.commands.since import SINCE, Since


@click.command()
@DATA_DIR
@CONFIG
@click.option("--limit", type=click.IntRange(1, 10000), default=20, show_default=True,
              help="How many of the newest crossings.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one array) instead of a table.")
def crossings(data_dir: Path | None, config_path: Path | None, limit: int, as_json: bool) -> None:
    """Recent crossings, newest first, with their decisions."""
    from garita.station.commands.crossing_reports import crossings_json, crossings_table

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
    from garita.station.commands.crossing_reports import crossing_detail, print_detail

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
    from garita.station.commands.crossing_reports import export_lines

    store = open_store(data_dir, config_path)
    count = 0
    for line in export_lines(store, since.iso if since else None):
        click.echo(line)
        count += 1
    click.echo(f"exported {count} crossing(s) " + (since.understood if since else "(all)"), err=True)


REFUSALS = {
    "officer_refused": "unknown or inactive officer, wrong PIN, or a role that may not decide",
    "override_reason_required": "deciding against the recommendation needs --reason",
    "incomplete_reason_required": "releasing before the expected reads are in needs --reason",
    "supervisor_required": "letting go a vehicle the lane says to detain needs --supervisor (and their PIN)",
    "supervisor_refused": "the supervisor is unknown, not a supervisor, the deciding officer, or the PIN is wrong",
    "already_decided": "the crossing is already decided",
    "agency_required": "this lane decides jointly: the officer needs an agency (garita officer add --agency US|MX)",
    "awaiting_other_agency": "the decision proposed waits for an officer of the other agency to countersign it",
    "disagreement_reason_required": "disagreeing with the other agency's proposal needs --reason",
    "dispute_needs_supervisor": "the agencies disagree: only a supervisor (not one of the two officers) decides now",
    "joint_changed": "the joint decision changed meanwhile (another screen); look again and retry",
}


def _pin(who: str, from_stdin: bool) -> str:
    """A PIN typed at the terminal (never echoed), or one line of stdin with --pin-stdin; never an argument."""
    if from_stdin:
        return sys.stdin.readline().strip()
    if not sys.stdin.isatty():
        click.echo("garita: no terminal to ask for the PIN on; pipe it in with --pin-stdin", err=True)
        sys.exit(1)
    return click.prompt(f"PIN for {who}", hide_input=True, default="", show_default=False)


def _authenticated(store, officer_id: str, pin: str):
    """The officer when active and the PIN matches; None otherwise (the service refuses and audits)."""
    from garita.station.booth.officer_accounts import get_officer
    from garita.station.booth.pins import verify_pin

    officer = get_officer(store, officer_id)
    ok = officer is not None and officer.active and verify_pin(pin, officer.pin_hash)
    return officer if ok else None


@click.command()
@click.argument("crossing_id")
@click.argument("action", type=click.Choice(["release", "secondary", "detain"]))
@click.option("--officer", required=True, help="Officer id; the PIN is asked for (or read with --pin-stdin).")
@click.option("--reason", default="", help="Why (needed to override the recommendation or release early).")
@click.option("--supervisor", default=None, help="Supervisor co-signing a detain override (their PIN is asked too).")
@click.option("--pin-stdin", is_flag=True, help="Read the PIN(s) from stdin, one a line: officer, then supervisor.")
@click.option("--notes", default="", help="Free-text notes kept with the decision.")
@DATA_DIR
@CONFIG
def decide(crossing_id: str, action: str, officer: str, reason: str, supervisor: str | None, pin_stdin: bool,
           notes: str, data_dir: Path | None, config_path: Path | None) -> None:
    """Record the decision for a crossing, under the same rules as the booth (station/core/decision_service.py)."""
    from garita.station.booth.decisions import DecisionRefused
    from garita.station.core.decision_service import DecisionAsk, DecisionService, latest_view
    from garita.station.core.lifecycle import Lifecycle

    store = open_store(data_dir, config_path)
    crossing = _one_crossing(store, crossing_id)
    deciding = _authenticated(store, officer, _pin(officer, pin_stdin))
    cosigning = _authenticated(store, supervisor, _pin(supervisor, pin_stdin)) if supervisor else None
    config = _lane_config(config_path)
    service = DecisionService(store, Lifecycle(store, crossing["lane_id"], 300).decide,
                              config.booth.detain_override_needs_supervisor if config else True,
                              _joint_rule(store, config))
    ask = DecisionAsk(crossing["id"], action, "cli", deciding, officer, "", reason, cosigning, notes, supervisor or "")
    try:
        outcome = service.submit(ask, latest_view(store, crossing["id"]))
    except DecisionRefused as exc:
        click.echo(f"garita: decision refused ({exc.code}): {REFUSALS.get(exc.code, exc.code)}", err=True)
        sys.exit(1)
    if outcome.state == "proposed":
        click.echo(f"proposed {action} for crossing {crossing['id']} (proposal {outcome.id}); not yet recorded:"
                   f" an officer of {outcome.awaiting} must countersign by {outcome.expires_at}")
    elif outcome.state == "disputed":
        click.echo(f"disagreement recorded ({action}) for crossing {crossing['id']}; a supervisor decides now")
    else:
        click.echo(f"decision {outcome.id} recorded: {action} for crossing {crossing['id']}")


def _joint_rule(store, config):
    """The config's joint rule; joint too when the daemon last ran this lane joint (one agency alone never decides)."""
    from garita.station.config.lane_config import JointSection
    from garita.station.storage.joint_decisions import saved_joint_rule

    saved = saved_joint_rule(store)
    if config is not None and (config.joint.enabled or saved is None or not saved[0]):
        return config.joint
    return JointSection(enabled=True, countersign_within_s=saved[1]) if saved and saved[0] else None


def _lane_config(config_path: Path | None):
    """The lane config (--config, else the installed one when there is one): its joint and supervisor rules."""
    from garita.station.config.loader import load_config
    from garita.station.runner import DEFAULT_CONFIG

    path = config_path or (DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None)
    return load_config(path) if path else None
