"""`garita officer add|list`: who may sign in at the booth, and how."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from garita.station.commands.common_options import CONFIG, DATA_DIR, SummaryGroup, open_store


@click.group(cls=SummaryGroup)
def officer() -> None:
    """Officers who may sign in at the booth screen (PIN and/or badge, role)."""


@officer.command("add")
@click.argument("officer_id")
@click.option("--name", required=True, help="Name shown on the booth screen.")
@click.option("--role", type=click.Choice(["officer", "supervisor", "technician"]), default="officer",
              show_default=True, help="What they may do at the booth (a supervisor also approves detain overrides).")
@click.option("--pin", default=None, help="4-12 digit PIN (prompted, hidden, unless --pin or --no-pin).")
@click.option("--no-pin", is_flag=True, help="Badge-only sign-in; keeps an existing PIN.")
@click.option("--badge", default=None, help="Badge tag EPC (hex) read at the booth reader.")
@click.option("--language", type=click.Choice(["en", "es"]), default=None,
              help="Preferred screen language (default: the booth's [booth] language).")
@click.option("--agency", type=click.Choice(["US", "MX"]), default=None,
              help="The officer's agency (a joint lane needs one officer of each for every decision).")
@DATA_DIR
@CONFIG
def officer_add(officer_id: str, name: str, role: str, pin: str | None, no_pin: bool, badge: str | None,
                language: str | None, agency: str | None, data_dir: Path | None, config_path: Path | None) -> None:
    """Add an officer or update one (the PIN is stored only as a salted scrypt hash)."""
    from garita.station.booth.officer_accounts import add_officer
    from garita.station.booth.pins import PinError

    if pin is None and not no_pin:
        pin = click.prompt("PIN", hide_input=True, confirmation_prompt=True)
    store = open_store(data_dir, config_path)
    try:
        add_officer(store, officer_id, name, role, pin, badge, language or "", agency or "")
    except (PinError, ValueError) as exc:
        click.echo(f"garita: {exc}", err=True)
        sys.exit(1)
    click.echo(f"officer {officer_id} saved ({role}{f', {agency}' if agency else ''})")


@officer.command("list")
@DATA_DIR
@CONFIG
def officer_list(data_dir: Path | None, config_path: Path | None) -> None:
    """Officers with their role and how they sign in (never the PIN or the badge number)."""
    from garita.station.booth.officer_accounts import list_officers

    for item in list_officers(open_store(data_dir, config_path)):
        ways = "+".join(way for way, has in (("pin", item.pin_hash), ("badge", item.badge_epc)) if has) or "none"
        state = "" if item.active else " (inactive)"
        click.echo(f"{item.id:<16} {item.role:<11} {item.agency or '-':<3} {ways:<10} {item.name}{state}")

