"""An in-memory ``sync.outbox.OutboxSource`` (Mopidy's ``dummy_*`` backends' idea): sync's unit tests need no lane.

It keeps the same rules as the lane's table (``station/storage/outbox_repo.py``): sequence numbers
never reused, priority bounds, PUBACK-only ``sent_at``, pruning by time, requeue by range, shedding
the least urgent first. ``tests/sync/test_outbox_retention.py`` runs one suite over both, so the fake
cannot drift from the real thing.
"""

from __future__ import annotations

import functools
import json
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from garita.sync.outbox import OutboxRow, OutboxUsage

ROW_OVERHEAD = 120  # bytes counted per row besides its payload, as the lane's outbox counts them


@dataclass
class _Stored:
    row: OutboxRow
    sent_at: str | None = None


def _locked(method):
    """Under the outbox's lock: a test adds rows from its own thread while the link's thread drains them."""
    @functools.wraps(method)
    def run(self: DummyOutbox, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)
    return run


class DummyOutbox:
    """The outbox as a dict in memory; ``add`` is what the lane's transactions do with ``tx.outbox``."""

    def __init__(self) -> None:
        self.rows: dict[int, _Stored] = {}
        self._last_seq = 0
        self._lock = threading.RLock()

    @_locked
    def add(self, kind: str, payload: dict[str, object], priority: int = 5, at: datetime | None = None) -> str:
        """Queue one message (its payload as the lane stores it: compact, key-sorted JSON); returns its id."""
        self._last_seq += 1
        message_id = str(uuid.uuid4())
        text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
        created = (at or datetime.now(UTC)).isoformat()
        self.rows[self._last_seq] = _Stored(OutboxRow(self._last_seq, message_id, kind, text, created, priority))
        return message_id

    @_locked
    def unsent(self) -> int:
        return sum(stored.sent_at is None for stored in self.rows.values())

    @_locked
    def pending(self, limit: int, *, after_seq: int = 0, min_priority: int | None = None,
                max_priority: int | None = None) -> list[OutboxRow]:
        low = -(2**31) if min_priority is None else min_priority
        high = 2**31 if max_priority is None else max_priority
        found = [s.row for seq, s in sorted(self.rows.items())
                 if s.sent_at is None and seq > after_seq and low <= s.row.priority <= high]
        return found[:limit]

    @_locked
    def mark_sent(self, ids: Sequence[str], sent_at: str) -> None:
        wanted = set(ids)
        for stored in self.rows.values():
            if stored.row.id in wanted:
                stored.sent_at = sent_at

    @_locked
    def prune_sent(self, sent_before: str) -> int:
        gone = [seq for seq, s in self.rows.items() if s.sent_at is not None and s.sent_at < sent_before]
        for seq in gone:
            del self.rows[seq]
        return len(gone)

    @_locked
    def requeue(self, first_seq: int, last_seq: int) -> tuple[int, int]:
        held = [s for seq, s in self.rows.items() if first_seq <= seq <= last_seq]
        again = [s for s in held if s.sent_at is not None]
        for stored in again:
            stored.sent_at = None
        return len(again), len(held)

    @_locked
    def usage(self) -> OutboxUsage:
        pending = self.unsent()
        size = sum(len(s.row.payload.encode("utf-8")) + ROW_OVERHEAD for s in self.rows.values())
        return OutboxUsage(pending, len(self.rows) - pending, size)

    @_locked
    def shed_pending(self, keep_kinds: Sequence[str], max_rows: int) -> int:
        candidates = [s.row for s in self.rows.values() if s.sent_at is None and s.row.kind not in keep_kinds]
        candidates.sort(key=lambda row: (-row.priority, row.seq))
        for row in candidates[:max_rows]:
            del self.rows[row.seq]
        return len(candidates[:max_rows])
