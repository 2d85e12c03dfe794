"""Outbox retention: prune delivered rows after a while; over the disk budget, say so and shed the least valuable."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from garita.sync.logs import log_event
from garita.sync.outbox import OutboxSource


@dataclass(frozen=True)
class RetentionSettings:
    keep_sent_s: float = 7 * 86400  # delivered rows stay this long (for `garita show` and audits)
    budget_bytes: int = 512 * 1024 * 1024  # the outbox's share of the disk
    keep_kinds: tuple[str, ...] = ("decision", "audit", "alert")  # never shed, whatever the budget


@dataclass(frozen=True)
class RetentionResult:
    pruned: int
    shed: int
    over_budget: bool


def enforce(outbox: OutboxSource, settings: RetentionSettings, now: datetime) -> RetentionResult:
    """Prune old delivered rows; if still over budget, drop delivered rows, then undelivered low-value ones."""
    pruned = outbox.prune_sent((now - timedelta(seconds=settings.keep_sent_s)).isoformat())
    usage = outbox.usage()
    if usage.bytes <= settings.budget_bytes:
        return RetentionResult(pruned, 0, False)
    pruned += outbox.prune_sent("9999")  # every delivered row: it is upstream already
    usage = outbox.usage()
    shed = 0
    if usage.bytes > settings.budget_bytes and usage.pending_rows:
        per_row = usage.bytes / max(1, usage.pending_rows + usage.sent_rows)
        excess_rows = math.ceil((usage.bytes - settings.budget_bytes) / max(1.0, per_row))
        shed = outbox.shed_pending(settings.keep_kinds, excess_rows)
    # Loud on purpose: shedding means the central system will see a sequence gap.
    log_event("outbox.over_budget", logging.ERROR, bytes=usage.bytes, budget_bytes=settings.budget_bytes,
              pending=usage.pending_rows, pruned=pruned, shed=shed, kept=",".join(settings.keep_kinds))
    return RetentionResult(pruned, shed, True)
