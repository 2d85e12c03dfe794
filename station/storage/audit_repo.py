"""The ``audit`` table as the rest of the lane reads it: a crossing's entries, the head, a verified snapshot.

The chain itself (hashing, appending, walking) is :mod:`garita.station.storage.audit_chain`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TypedDict, cast

from garita.station.storage import audit_chain
from garita.station.storage.audit_compare import Comparison, against_central

if TYPE_CHECKING:
    from garita.station.storage.lane_store import LaneStore, Tx


class AuditLine(TypedDict):
    """One entry as a crossing's report prints it (its detail is the stored JSON text)."""

    at: str
    actor: str
    action: str
    detail: str


class AuditHead(TypedDict):
    entry_id: int
    hash: str


def entries_of(store: LaneStore, crossing_id: str) -> list[AuditLine]:
    """A crossing's audit entries, in the order they were chained."""
    return cast("list[AuditLine]", store.query(
        "SELECT at, actor, action, detail FROM audit WHERE crossing_id = ? ORDER BY id", (crossing_id,)))


def head(tx: Tx) -> AuditHead:
    """The newest entry's id and hash, read inside the caller's transaction (lane.metrics' anchor)."""
    return cast("AuditHead", audit_chain.head_entry(tx.conn))


def verify(store: LaneStore, central_db: Path | None, port: str = "", lane: str = "",
           ) -> tuple[audit_chain.Verdict, Comparison | None]:
    """Walk the chain (and compare it with the central's copy) in one snapshot while the lane keeps writing."""
    with store.transaction() as tx:
        verdict = audit_chain.verify(tx.conn)
        comparison = against_central(tx.conn, central_db, port, lane) if central_db else None
    return verdict, comparison
