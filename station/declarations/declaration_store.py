"""Declarations cached in ``garita.db``: a signed snapshot or delta lands in one lane transaction, audited.

The rows are read and written by ``storage.declarations_repo``; this module verifies and sequences the feeds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, NoReturn

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from garita.station.declarations.declaration import Declaration
from garita.station.declarations.declaration_keys import declaration_keys
from garita.station.links.signed_feed import (
    FeedError,
    FeedHeader,
    MalformedFeed,
    OlderVersion,
    OutOfSequence,
    Replayed,
    body_lines,
    check_sequence,
    read_header,
)
from garita.station.ops.event_log import log_event
from garita.station.storage import declarations_repo, downlink_state
from garita.station.storage.lane_store import LaneStore, Tx
from garita.station.watchlist import rejections
from garita.sync.signing import KeyRing

FEED = "declarations"
log = logging.getLogger("garita.declarations")


class DeclarationOp(BaseModel):
    """One change in a declarations delta."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    op: Literal["upsert", "remove"]
    declaration: Declaration | None = None
    id: str | None = None

    @model_validator(mode="after")
    def _has_its_target(self) -> DeclarationOp:
        if (self.op == "upsert") != (self.declaration is not None) or (self.op == "remove") != (self.id is not None):
            raise ValueError("upsert needs 'declaration', remove needs 'id'")
        return self


def held_version(store: LaneStore) -> int | None:
    return declarations_repo.feed_version(store, FEED)


def import_declarations(store: LaneStore, data_dir: Path, path: Path, ring: KeyRing) -> int:
    """Verify and apply a declarations feed; returns the version now held. Refusals are counted and raised."""
    try:
        with path.open("rb") as stream:
            header = read_header(stream, FEED, ring)
            check_sequence(header, held_version(store))
            ops = list(_ops(header, body_lines(stream, header)))
        _apply(store, header, ops)
    except OSError as exc:
        _refuse(data_dir, MalformedFeed(f"cannot read {path}: {exc.strerror or exc}"), path)
    except FeedError as exc:
        _refuse(data_dir, exc, path)
    return header.version


def apply_verified_op(store: LaneStore, op: DeclarationOp, source: str, message_id: str | None = None,
                      expires_at: datetime | None = None) -> None:
    """One declaration upserted or removed by a message the MQTT downlink already verified.

    In the same transaction: a message id already applied is refused (replay), and so is a version
    not newer than the last one applied of that declaration, even one since removed."""
    now = datetime.now(UTC)
    target = op.declaration.id if op.declaration else op.id
    with store.transaction() as tx:
        if message_id is not None and downlink_state.already_applied(tx, message_id):
            raise Replayed(f"message {message_id} was applied already")
        last = downlink_state.declaration_version(tx, target)
        if op.declaration is not None:
            if last is not None and op.declaration.version <= last:
                raise OlderVersion(f"declaration {target!r} v{op.declaration.version} is not newer than"
                                   f" the v{last} applied")
            last = op.declaration.version
        _apply_op(tx, op)
        if last is not None:
            downlink_state.set_declaration_version(tx, target, last, removed=op.op == "remove")
        if message_id is not None:
            downlink_state.forget_expired(tx, now)
            downlink_state.mark_applied(tx, message_id, "declaration", now, downlink_state.keep_until(expires_at, now))
        tx.audit(now, "central", f"declaration.{op.op}", None, {"declaration_id": target, "source": source})


def _refuse(data_dir: Path, exc: FeedError, path: Path) -> NoReturn:
    rejections.count(data_dir / "declarations", exc.code, str(exc), str(path))
    log_event(log, "declarations.refused", logging.WARNING, reason=exc.code, file=str(path), error=str(exc))
    raise exc


def _ops(header: FeedHeader, lines: Iterator[bytes]) -> Iterator[DeclarationOp]:
    for n, line in enumerate(lines, 1):
        try:
            if header.kind == "snapshot":
                yield DeclarationOp(op="upsert", declaration=Declaration.model_validate_json(line))
            else:
                yield DeclarationOp.model_validate_json(line)
        except ValidationError as exc:
            error = exc.errors()[0]
            raise MalformedFeed(f"body line {n}: {'.'.join(map(str, error['loc']))}: {error['msg']}") from None


def _apply(store: LaneStore, header: FeedHeader, ops: list[DeclarationOp]) -> None:
    now = datetime.now(UTC)
    with store.transaction() as tx:
        check_sequence(header, held_version(store))  # again, under the write lock
        if header.kind == "snapshot":
            declarations_repo.clear(tx)
            downlink_state.forget_declaration_versions(tx)
        for op in ops:
            _apply_op(tx, op)
        declarations_repo.record_feed(tx, FEED, header.version, header.created_at, now, header.key_id)
        tx.audit(now, "central", "declarations.applied", None,
                 {"kind": header.kind, "version": header.version, "lines": len(ops), "key_id": header.key_id})


def _apply_op(tx: Tx, op: DeclarationOp) -> None:
    target = op.declaration.id if op.declaration else op.id
    gone = declarations_repo.remove(tx, target)
    if op.op == "remove" and not gone:
        raise OutOfSequence(f"delta removes declaration {target!r}, which is not held: request a resync")
    if op.declaration is not None:
        declarations_repo.insert(tx, op.declaration, sorted(declaration_keys(op.declaration)))


def candidates(store: LaneStore, keys: set[str]) -> list[Declaration]:
    """Declarations filed under any of ``keys``."""
    return declarations_repo.filed_under(store, keys)
