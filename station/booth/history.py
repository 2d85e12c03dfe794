"""Recent crossings and a search by plate, container, document, tag or name (the query: ``crossings_repo``)."""

from __future__ import annotations

from typing import Any

from garita.station.booth.crossing_view import epoch_ms
from garita.station.storage import crossings_repo
from garita.station.storage.crossings_repo import HistoryRow
from garita.station.storage.joint_decisions import record_of
from garita.station.storage.lane_store import LaneStore


def _row(row: HistoryRow) -> dict[str, Any]:
    values = [v for v in (row["read_values"] or "").split(",") if v]
    return {"id": row["id"], "state": row["state"], "opened_ms": epoch_ms(row["opened_at"]),
            "action": row["action"], "officer_id": row["officer_id"], "reason": row["reason"],
            "decided_ms": epoch_ms(row["decided_at"]), "values": values[:6],
            "recommendation": row["recommendation"], "override": bool(row["override"]),
            "second_officer_id": row["second_officer_id"]}


def search(store: LaneStore, query: str = "", limit: int = 50) -> list[dict[str, Any]]:
    """Newest first, each decision with its joint record (both agencies' officers); an empty query lists the recent."""
    limit = max(1, min(int(limit), 200))
    rows = crossings_repo.history(store, query if query.strip() else None, limit)
    return [{**_row(r), "joint": record_of(store, r["id"]) if r["action"] else None} for r in rows]
