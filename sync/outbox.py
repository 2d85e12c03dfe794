"""What the uplink needs from the lane's outbox: a Protocol, so ``sync`` never imports ``station``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class OutboxRow:
    """One message waiting to go upstream, exactly as the lane wrote it.

    ``payload`` stays the JSON text stored in the database: the envelope splices it in
    without a parse/serialise round trip, which matters when a 100,000-row backlog drains.
    """

    seq: int  # the lane's sequence number (never reused, even after pruning)
    id: str  # globally unique message id (UUIDv7)
    kind: str
    payload: str  # a JSON object, as text
    created_at: str  # ISO 8601
    priority: int  # lower is more urgent


class OutboxSource(Protocol):
    """The lane's durable outbox; every method is called from the link's owner thread only."""

    def pending(self, limit: int, *, after_seq: int = 0, min_priority: int | None = None,
                max_priority: int | None = None) -> list[OutboxRow]:
        """Unsent rows with ``seq > after_seq`` and priority within the bounds, in sequence order."""
        ...

    def mark_sent(self, ids: Sequence[str], sent_at: str) -> None:
        """Record the broker's PUBACK for these rows (one transaction)."""
        ...

    def prune_sent(self, sent_before: str) -> int:
        """Delete rows delivered before ``sent_before``; returns how many went."""
        ...

    def requeue(self, first_seq: int, last_seq: int) -> tuple[int, int]:
        """Mark rows already sent with ``first_seq <= seq <= last_seq`` unsent again (the central lost them
        after a broker acknowledged them); returns (rows requeued, rows held in the range at all)."""
        ...

    def usage(self) -> OutboxUsage:
        """How many rows and bytes the outbox holds, sent and pending."""
        ...

    def shed_pending(self, keep_kinds: Sequence[str], max_rows: int) -> int:
        """Over budget: delete up to ``max_rows`` oldest pending rows whose kind is not kept."""
        ...


@dataclass(frozen=True)
class OutboxUsage:
    pending_rows: int
    sent_rows: int
    bytes: int
