"""SQL of the risk engine's ``assessments`` table (append-only: a new row when a crossing's assessment changes)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from garita.station.storage.json_columns import JsonObject, from_json

if TYPE_CHECKING:
    from garita.station.storage.lane_store import LaneStore, Tx


@dataclass(frozen=True)
class AssessmentRecord:
    """One stored assessment: the recommendation, its detail (reasons, hits, waiting_for...) and its inputs."""

    id: str
    crossing_id: str
    recommendation: str
    detail: JsonObject
    watchlist_version: int | None
    declaration_id: str | None
    declaration_version: int | None
    assessed_at: str


def latest(store: LaneStore, crossing_id: str) -> AssessmentRecord | None:
    """A crossing's newest assessment (the lifecycle's decision basis, the booth's and the assessor's view)."""
    rows = store.query("SELECT id, crossing_id, recommendation, detail, watchlist_version, declaration_id,"
                       " declaration_version, assessed_at FROM assessments WHERE crossing_id = ?"
                       " ORDER BY assessed_at DESC, rowid DESC LIMIT 1", (crossing_id,))
    if not rows:
        return None
    row = rows[0]
    return AssessmentRecord(**{**row, "detail": from_json(row["detail"])})


def append(tx: Tx, record: AssessmentRecord) -> None:
    """Store a new assessment row (its detail as key-sorted JSON)."""
    tx.conn.execute(
        "INSERT INTO assessments (id, crossing_id, recommendation, detail, watchlist_version,"
        " declaration_id, declaration_version, assessed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (record.id, record.crossing_id, record.recommendation, json.dumps(record.detail, sort_keys=True),
         record.watchlist_version, record.declaration_id, record.declaration_version, record.assessed_at))
