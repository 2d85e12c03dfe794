"""`garita audit verify`: prove the audit trail unbroken, or name the first entry that is not."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import click


@click.group("audit")
def audit_group() -> None:
    """The lane's hash-chained audit trail."""


@audit_group.command("verify")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="Data directory (default: $GARITA_DATA_DIR, the config's, or ./.garita).")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None)
@click.option("--json", "as_json", is_flag=True)
def audit_verify(data_dir: Path | None, config_path: Path | None, as_json: bool) -> None:
    """Walk every entry; exit 0 when the chain holds, 1 naming the first bad entry."""
    from station.commands.options import open_store
    from station.runner import EX_CANTCREAT
    from station.storage.audit_chain import verify
    from station.storage.database import damaged

    store = open_store(data_dir, config_path, check=True)
    try:
        with store.transaction() as tx:  # one consistent snapshot while the lane keeps writing
            verdict = verify(tx.conn)
    except sqlite3.DatabaseError as exc:  # damaged pages: no verdict on the chain, and no traceback
        path = Path(store.db.conn.execute("PRAGMA database_list").fetchone()[2])
        click.echo(f"garita: {damaged(path, str(exc))}", err=True)
        sys.exit(EX_CANTCREAT)
    if as_json:
        click.echo(json.dumps({"ok": verdict.ok, "entries": verdict.entries, "head": verdict.head,
                               "first_bad": verdict.first_bad, "why": verdict.why}))
    elif verdict.ok:
        click.echo(f"OK: {verdict.entries} entries, chain unbroken; head {verdict.head}")
    else:
        click.echo(f"BROKEN at entry {verdict.first_bad}: {verdict.why} ({verdict.entries} entries checked)")
    sys.exit(0 if verdict.ok else 1)
