"""Booth actions written to the lane's audit table (sign-ins, failures, overrides), each in its own commit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from garita.station.storage.lane_store import LaneStore


def audit(store: LaneStore, actor: str, action: str, detail: dict[str, Any], crossing_id: str | None = None) -> None:
    with store.transaction() as tx:
        tx.audit(datetime.now(UTC), actor, action, crossing_id, detail)
