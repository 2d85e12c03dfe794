"""`garita init`, `backup`, `restore`, `migrate`: what port IT does around upgrades and before the first start."""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import asdict
from pathlib import Path

import click

from garita.station.commands.common_options import CONFIG, DATA_DIR
from garita.station.config.loader import EX_CONFIG, ConfigError, load_config
from garita.station.runner import EX_CANTCREAT, resolve_data_dir

EX_DATAERR = 65  # sysexits.h: the backup file is damaged or does not vouch for its audit trail
EX_TEMPFAIL = 75  # the lane is running: stop it first


def _data_dir(data_dir: Path | None, config_path: Path | None) -> Path:
    try:
        config = load_config(config_path) if config_path else None
    except ConfigError as exc:
        click.echo(exc.render(), err=True)
        sys.exit(EX_CONFIG)
    return resolve_data_dir(data_dir, config)


def _fail(message: str, code: int) -> None:
    click.echo(f"garita: {message}", err=True)
    sys.exit(code)


def _describe(info) -> str:
    fields = asdict(info)
    return (f"schema {fields['schema_version']}, {fields['crossings']} crossings, {fields['decisions']} decisions, "
            f"{fields['audit_entries']} audit entries, audit head {fields['audit_head']}")


@click.command("init")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="Lane config whose storage.data_dir is created (or give --data-dir).")
@DATA_DIR
@click.option("--owner", default=None, help="Give the data directory to this user (the service user, as root).")
def init(config_path: Path | None, data_dir: Path | None, owner: str | None) -> None:
    """Create the data directory and database before the first start (then add officers and keys)."""
    from garita.station.storage.database import StorageError, open_database
    from garita.station.storage.migrations import SchemaTooNew, current_version

    target = _data_dir(data_dir, config_path)
    existed = (target / "garita.db").exists()
    try:
        db = open_database(target)
        version = current_version(db.conn)
        db.conn.close()
        if owner:
            _give_to(target, owner)
    except (StorageError, SchemaTooNew) as exc:
        _fail(str(exc), EX_CANTCREAT)
    click.echo(f"{'kept' if existed else 'created'} {target / 'garita.db'} (schema {version})"
               + (f", owned by {owner}" if owner else ""))
    click.echo(f"next: garita officer add ID --name NAME --data-dir {target}")


def _give_to(target: Path, owner: str) -> None:
    import pwd

    from garita.station.storage.database import StorageError

    try:
        user = pwd.getpwnam(owner)
    except KeyError:
        raise StorageError(f"no user {owner!r} (create it: useradd --system {owner})") from None
    try:
        for path in [target, *target.rglob("*")]:
            os.chown(path, user.pw_uid, user.pw_gid)
    except PermissionError:
        raise StorageError(f"cannot give {target} to {owner}: run garita init as root") from None


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@CONFIG
@DATA_DIR
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
def backup(file: Path, config_path: Path | None, data_dir: Path | None, force: bool) -> None:
    """Copy the lane database to FILE, consistently, while the lane runs; records the audit head."""
    from garita.station.storage.backup import backup as take_backup
    from garita.station.storage.database import StorageError

    try:
        info = take_backup(_data_dir(data_dir, config_path), file, force=force)
    except StorageError as exc:
        _fail(str(exc), EX_CANTCREAT)
    click.echo(f"backed up to {file}: {_describe(info)}")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@CONFIG
@DATA_DIR
@click.option("--check", "check_only", is_flag=True, help="Only check FILE (integrity, audit chain); change nothing.")
@click.option("--yes", is_flag=True, help="Replace an existing database without asking.")
def restore(file: Path, config_path: Path | None, data_dir: Path | None, check_only: bool, yes: bool) -> None:
    """Check a backup (integrity, audit chain against its recorded head), then make it the lane database."""
    from garita.station.ops.status_file import read_status
    from garita.station.storage.backup import check_backup
    from garita.station.storage.backup import restore as do_restore
    from garita.station.storage.database import StorageError

    target = _data_dir(data_dir, config_path)
    try:
        info = check_backup(file)
    except StorageError as exc:
        _fail(str(exc), EX_DATAERR)
    click.echo(f"{file}: OK, taken {info.created_at}: {_describe(info)}")
    if check_only:
        return
    if read_status(target)[0] is not None and not read_status(target)[1]:
        _fail(f"the lane is running on {target}; stop it first (systemctl stop garita)", EX_TEMPFAIL)
    if (target / "garita.db").exists() and not yes:
        click.confirm(f"replace the database in {target}?", abort=True)
    try:
        _info, kept = do_restore(file, target)
    except StorageError as exc:
        _fail(str(exc), EX_CANTCREAT)
    click.echo(f"restored into {target / 'garita.db'}" + (f"; the database it replaced is kept as {kept}"
                                                         if kept else ""))


@click.command("migrate")
@CONFIG
@DATA_DIR
@click.option("--check", "check_only", is_flag=True,
              help="Say what an upgrade would do; exit 1 if migrations are pending, 0 if none.")
@click.option("--backup", "backup_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Back up to this file first (default: garita.db.pre-vN beside the database).")
def migrate(config_path: Path | None, data_dir: Path | None, check_only: bool, backup_file: Path | None) -> None:
    """Bring the database to this garita's schema (the lane also does this when it starts)."""
    import sqlite3

    from garita.station.storage.backup import backup as take_backup
    from garita.station.storage.database import StorageError, open_database
    from garita.station.storage.migrations import LATEST, SchemaTooNew, current_version, pending

    target = _data_dir(data_dir, config_path)
    path = target / "garita.db"
    if not path.exists():
        _fail(f"no database at {path}; `garita init` creates one", EX_CANTCREAT)
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            version, todo = current_version(conn), pending(conn)
    except SchemaTooNew as exc:
        _fail(f"{exc}; roll back by reinstalling the newer garita or restoring the pre-upgrade backup", EX_CANTCREAT)
    except sqlite3.DatabaseError as exc:
        _fail(f"database {path} cannot be read: {exc} (is it readable and its directory writable by this user?)",
              EX_CANTCREAT)
    click.echo(f"{path}: schema {version}; this garita: {LATEST}")
    for number, note in todo:
        click.echo(f"  {number}: {note}")
    if not todo:
        click.echo("nothing to do")
        return
    if check_only:
        click.echo(f"{len(todo)} migration(s) pending; `garita migrate` applies them after a backup")
        sys.exit(1)
    try:
        info = take_backup(target, backup_file or target / f"garita.db.pre-v{LATEST}", force=backup_file is None)
        open_database(target).conn.close()
    except (StorageError, SchemaTooNew) as exc:
        _fail(str(exc), EX_CANTCREAT)
    click.echo(f"backed up first ({_describe(info)}); now at schema {LATEST}")
