"""Backup and restore of ``garita.db``: SQLite's online backup API, the audit head recorded and checked.

A backup is one self-contained SQLite file (rollback journal, no -wal beside it) with a small
``garita_backup`` table naming the audit trail's head at the moment of the copy. Restore checks the
file's integrity, re-walks the audit chain and compares it with that head before anything in the data
directory is touched, and keeps the database it replaces.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from garita.station.storage import audit_chain
from garita.station.storage.audit_chain import chain_existing
from garita.station.storage.database import DB_NAME, StorageError
from garita.station.storage.migrations import LATEST, MIGRATIONS, current_version, migrate

MANIFEST = "garita_backup"
CHAINED_FROM = MIGRATIONS.index(chain_existing) + 1  # the schema version from which the audit is hash-chained
UNCHAINED = "unchained"


@dataclass(frozen=True)
class BackupInfo:
    """What a backup holds, as recorded in it (and printed by `garita backup`/`restore`)."""

    created_at: str
    schema_version: int
    audit_entries: int
    audit_head: str
    crossings: int
    decisions: int
    source: str


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None, timeout=10)


def _copy(source: sqlite3.Connection, target: Path) -> sqlite3.Connection:
    """One backup step over all pages: a consistent snapshot, even while the lane commits."""
    copy = _connect(target)
    source.backup(copy)
    copy.execute("PRAGMA journal_mode=DELETE")  # one file to carry, no -wal beside it
    return copy


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _count(conn: sqlite3.Connection, table: str) -> int:
    return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def _summarise(copy: sqlite3.Connection, source: str) -> BackupInfo:
    version = current_version(copy)
    if version < CHAINED_FROM:  # an older release's database: its trail is chained when it is migrated
        entries, head = _count(copy, "audit"), UNCHAINED
    else:
        verdict = audit_chain.verify(copy)
        if not verdict.ok:
            where = f"entry {verdict.first_bad}" if verdict.first_bad is not None else verdict.bad_row
            raise StorageError(f"the audit trail is broken at {where} ({verdict.why})")
        entries, head = verdict.entries, verdict.head
    return BackupInfo(datetime.now(UTC).isoformat(timespec="seconds"), version, entries, head,
                      _count(copy, "crossings"), _count(copy, "decisions"), source)


def backup(data_dir: Path, target: Path, *, force: bool = False) -> BackupInfo:
    """Copy the live database to ``target`` (written beside it first, renamed when complete)."""
    source_path = data_dir / DB_NAME
    if not source_path.exists():
        raise StorageError(f"no database at {source_path}; nothing to back up")
    if target.exists() and not force:
        raise StorageError(f"{target} exists; choose another name or pass --force")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with contextlib.closing(_connect(source_path)) as source, contextlib.closing(_copy(source, partial)) as copy:
            info = _summarise(copy, str(source_path))
            copy.execute(f"CREATE TABLE {MANIFEST} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            copy.executemany(f"INSERT INTO {MANIFEST} VALUES (?, ?)", [(k, str(v)) for k, v in asdict(info).items()])
        _fsync(partial)
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise StorageError(f"backup to {target} failed: {exc}") from None
    except OSError as exc:
        raise StorageError(f"backup to {target} failed: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return info


def read_manifest(conn: sqlite3.Connection) -> dict[str, str]:
    try:
        return dict(conn.execute(f"SELECT key, value FROM {MANIFEST}").fetchall())
    except sqlite3.OperationalError:
        raise StorageError("not a garita backup (no manifest); make backups with `garita backup`") from None


def check_backup(path: Path) -> BackupInfo:
    """Integrity, schema version and the audit chain against the head the backup recorded."""
    if not path.is_file():
        raise StorageError(f"no backup file {path}")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
            if problems != ["ok"]:
                raise StorageError(f"{path} is damaged: {'; '.join(problems[:3])}")
            manifest = read_manifest(conn)
            if current_version(conn) > LATEST:
                raise StorageError(f"{path} has schema {current_version(conn)}; this garita knows up to {LATEST}")
            info = _summarise(conn, manifest.get("source", "?"))
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"{path} is not a usable SQLite database: {exc}") from None
    if (str(info.audit_entries), info.audit_head) != (manifest.get("audit_entries"), manifest.get("audit_head")):
        raise StorageError(f"{path}: the audit trail does not end where the backup recorded "
                           f"({manifest.get('audit_entries')} entries, head {manifest.get('audit_head', '?')[:16]})")
    return BackupInfo(**{**asdict(info), "created_at": manifest["created_at"]})


def _rewind_webhook_cursor(data_dir: Path, db_path: Path) -> None:
    """The restored outbox numbers new events from its own last seq: the webhook resumes from there."""
    cursor = data_dir / "webhook.cursor"
    if cursor.exists():
        with contextlib.closing(sqlite3.connect(db_path)) as conn:
            row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").fetchone()
        cursor.write_text(json.dumps({"seq": row[0] if row else 0}))


def restore(path: Path, data_dir: Path) -> tuple[BackupInfo, Path | None]:
    """Replace the data directory's database by a checked backup; returns it and where the old one went."""
    info = check_backup(path)
    data_dir.mkdir(parents=True, exist_ok=True)
    live = data_dir / DB_NAME
    staged = data_dir / f"{DB_NAME}.restoring"
    staged.unlink(missing_ok=True)
    kept = None
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as source, \
                contextlib.closing(_copy(source, staged)) as copy:
            copy.execute(f"DROP TABLE {MANIFEST}")
            copy.execute("PRAGMA journal_mode=WAL")
            migrate(copy)  # a backup from the previous release comes back at this release's schema
        if live.exists():
            kept = data_dir / f"{DB_NAME}.before-restore-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
            with contextlib.closing(_connect(live)) as old, contextlib.closing(_copy(old, kept)):
                pass
        for suffix in ("-wal", "-shm"):
            Path(f"{live}{suffix}").unlink(missing_ok=True)
        _fsync(staged)
        os.replace(staged, live)
        _rewind_webhook_cursor(data_dir, live)
    except sqlite3.Error as exc:
        raise StorageError(f"restore into {data_dir} failed: {exc}") from None
    finally:
        staged.unlink(missing_ok=True)
    return info, kept
