"""Apply a signed watchlist snapshot or delta to the cache, all or nothing."""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, NoReturn

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from garita.station.links.signed_feed import (
    FeedError,
    FeedHeader,
    MalformedFeed,
    OutOfSequence,
    body_lines,
    check_sequence,
    read_header,
)
from garita.station.ops.event_log import log_event
from garita.station.storage import watchlist_repo
from garita.station.storage.watchlist_repo import EntryRow, KeyRow
from garita.station.watchlist import rejections
from garita.station.watchlist import watchlist_store as store
from garita.station.watchlist.entries import Entry
from garita.station.watchlist.watchlist_keys import entry_keys
from garita.sync.signing import KeyRing

FEED = "watchlist"
BATCH = 20_000
Progress = Callable[[int, int], None]  # (lines done, lines in the file)
log = logging.getLogger("garita.watchlist")


@dataclass(frozen=True)
class ImportResult:
    kind: str
    version: int
    previous: int | None
    lines: int
    seconds: float


class DeltaOp(BaseModel):
    """One change in a delta: an entry added or replaced, or an entry id removed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    op: Literal["upsert", "remove"]
    entry: Entry | None = None
    id: str | None = None

    @model_validator(mode="after")
    def _has_its_target(self) -> DeltaOp:
        if (self.op == "upsert") != (self.entry is not None) or (self.op == "remove") != (self.id is not None):
            raise ValueError("upsert needs 'entry', remove needs 'id'")
        return self


def import_file(data_dir: Path, path: Path, ring: KeyRing,
                progress: Progress | None = None) -> ImportResult:
    """Verify and apply one feed file; any refusal is counted, logged and raised, and nothing changes."""
    directory = store.watchlist_dir(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        with path.open("rb") as stream:
            header = read_header(stream, FEED, ring)
            previous, lines = _apply_checked(directory, header, body_lines(stream, header), progress)
    except OSError as exc:
        _refuse(directory, MalformedFeed(f"cannot read {path}: {exc.strerror or exc}"), path)
    except FeedError as exc:
        _refuse(directory, exc, path)
    return _applied(header, previous, lines, started)


def apply_verified(data_dir: Path, kind: str, version: int, base_version: int | None, body: list[bytes],
                   key_id: str, created_at: datetime, source: str) -> ImportResult:
    """Apply a snapshot or delta whose signature the MQTT downlink has already verified.

    Same sequence checks, same all-or-nothing apply and the same refusal counters as a file.
    """
    directory = store.watchlist_dir(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    header = FeedHeader.model_construct(
        format="garita-feed/1", feed=FEED, kind=kind, version=version, base_version=base_version,
        created_at=created_at, count=len(body), body_sha256=hashlib.sha256(b"".join(body)).hexdigest(),
        key_id=key_id, signature=None)
    try:
        previous, lines = _apply_checked(directory, header, iter(body), None)
    except FeedError as exc:
        _refuse(directory, exc, Path(source))
    return _applied(header, previous, lines, started)


def _apply_checked(directory: Path, header: FeedHeader, lines: Iterator[bytes],
                   progress: Progress | None) -> tuple[int | None, int]:
    previous = store.held_version(directory)
    check_sequence(header, previous)
    apply = _import_snapshot if header.kind == "snapshot" else _apply_delta
    return previous, apply(directory, header, lines, progress or (lambda done, total: None))


def _applied(header: FeedHeader, previous: int | None, lines: int, started: float) -> ImportResult:
    result = ImportResult(header.kind, header.version, previous, lines, time.perf_counter() - started)
    log_event(log, "watchlist.applied", kind=result.kind, version=result.version, previous=previous,
              lines=lines, seconds=round(result.seconds, 2))
    return result


def _refuse(directory: Path, exc: FeedError, path: Path) -> NoReturn:
    rejections.count(directory, exc.code, str(exc), str(path))
    log_event(log, "watchlist.refused", logging.WARNING, reason=exc.code, file=str(path), error=str(exc))
    raise exc


def _parse(model: type[BaseModel], line: bytes, number: int) -> BaseModel:
    try:
        return model.model_validate_json(line)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise MalformedFeed(f"body line {number}: {where}: {error['msg']}") from None


def _import_snapshot(directory: Path, header: FeedHeader, lines: Iterator[bytes], progress: Progress) -> int:
    """Build a new file beside the live one; only a complete, verified build becomes CURRENT."""
    name = f"wl-{header.version:010d}-{uuid.uuid4().hex[:8]}.db"
    partial = directory / (name + ".partial")
    previous = store.current_file(directory)
    conn = watchlist_repo.create_snapshot(partial)  # a crash leaves a .partial file the next import deletes
    try:
        with watchlist_repo.bulk_load(conn):
            count = _load(conn, lines, lambda done: progress(done, header.count))
            _build_indexes(conn)
            _record(conn, header, count)
        conn.close()
        _fsync(partial)
        os.replace(partial, directory / name)
        store.set_current(directory, name)
    except BaseException:
        conn.close()
        partial.unlink(missing_ok=True)
        raise
    store.remove_stale_files(directory, {name, previous.name if previous else name})
    return count


def _load(conn: sqlite3.Connection, lines: Iterator[bytes], progress: Callable[[int], None]) -> int:
    rows: list[EntryRow] = []
    key_rows: list[KeyRow] = []
    n = 0
    for n, line in enumerate(lines, 1):
        entry = _parse(Entry, line, n)
        rows.append((n, entry.id, entry.kind, line.decode().rstrip("\n")))
        key_rows.extend((key, n) for key in entry_keys(entry))
        if len(rows) >= BATCH:
            _flush(conn, rows, key_rows)
            progress(n)
    _flush(conn, rows, key_rows)
    progress(n)
    return n


def _flush(conn: sqlite3.Connection, rows: list[EntryRow], key_rows: list[KeyRow]) -> None:
    watchlist_repo.insert_entries(conn, rows, key_rows)
    rows.clear()
    key_rows.clear()


def _build_indexes(conn: sqlite3.Connection) -> None:
    try:
        watchlist_repo.build_indexes(conn)
    except sqlite3.IntegrityError:
        raise MalformedFeed("two entries share an id") from None


def _record(conn: sqlite3.Connection, header: FeedHeader, lines: int) -> None:
    """Remember the version, its provenance and one history row."""
    now = datetime.now(UTC).isoformat()
    meta: watchlist_repo.WatchlistMeta = {"version": header.version, "created_at": header.created_at.isoformat(),
                                          "applied_at": now, "key_id": header.key_id}
    if header.kind == "snapshot":
        meta["snapshot_version"] = header.version
    watchlist_repo.write_meta(conn, meta)
    watchlist_repo.add_history(conn, header.version, header.kind, header.created_at.isoformat(), now, header.key_id,
                               lines)


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _apply_delta(directory: Path, header: FeedHeader, lines: Iterator[bytes], progress: Progress) -> int:
    """Read and verify the whole delta first, then apply it in one transaction."""
    ops = [_parse(DeltaOp, line, n) for n, line in enumerate(lines, 1)]
    conn = watchlist_repo.connect(store.current_file(directory), readonly=False)
    try:
        with watchlist_repo.write_transaction(conn):
            check_sequence(header, watchlist_repo.read_meta(conn).get("version"))  # again, under the write lock
            for done, op in enumerate(ops, 1):
                _apply_op(conn, op)
                if done % BATCH == 0:
                    progress(done, len(ops))
            _record(conn, header, len(ops))
    finally:
        conn.close()
    progress(len(ops), len(ops))
    return len(ops)


def _apply_op(conn: sqlite3.Connection, op: DeltaOp) -> None:
    entry_id = op.entry.id if op.entry else op.id
    held = watchlist_repo.entry_by_id(conn, entry_id)
    if held is not None:
        watchlist_repo.delete_entry(conn, held.n, entry_keys(held.entry))
    elif op.op == "remove":
        raise OutOfSequence(f"delta removes entry {entry_id!r}, which is not held: the cache has diverged, "
                            "request a resync")
    if op.entry is not None:
        watchlist_repo.insert_entry(conn, op.entry, entry_keys(op.entry))
