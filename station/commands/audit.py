"""`garita audit verify`: prove the audit trail unbroken, or name the first entry that is not."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from station.commands.options import SummaryGroup


@click.group("audit", cls=SummaryGroup)
def audit_group() -> None:
    """The lane's hash-chained audit trail."""


@audit_group.command("verify")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="Data directory (default: $GARITA_DATA_DIR, the config's, or ./.garita).")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="Lane config TOML (used to find the data directory).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def audit_verify(data_dir: Path | None, config_path: Path | None, as_json: bool) -> None:
    """Walk every entry; exit 0 when the chain holds, 1 naming the first bad entry."""
    from station.commands.options import open_store
    from station.storage.audit_chain import verify

    store = open_store(data_dir, config_path)
    with store.transaction() as tx:  # one consistent snapshot while the lane keeps writing
        verdict = verify(tx.conn)
    if as_json:
        click.echo(json.dumps({"ok": verdict.ok, "entries": verdict.entries, "head": verdict.head,
                               "first_bad": verdict.first_bad, "why": verdict.why}))
    elif verdict.ok:
        click.echo(f"OK: {verdict.entries} entries, chain unbroken; head {verdict.head}")
    else:
        click.echo(f"BROKEN at entry {verdict.first_bad}: {verdict.why} ({verdict.entries} entries checked)")
    sys.exit(0 if verdict.ok else 1)
