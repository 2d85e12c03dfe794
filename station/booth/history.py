"""Recent crossings and a search by plate, container, document, tag or name: parameterised SQL only."""

from __future__ import annotations

from typing import Any

from garita.station.booth.crossing_view import epoch_ms
from garita.station.storage.joint_decisions import record_of
from garita.station.storage.lane_store import LaneStore

_BASE = (
    "SELECT c.id, c.state, c.opened_at, d.action, d.officer_id, d.reason, d.decided_at, d.recommendation,"
    " d.override, d.second_officer_id,"
    " (SELECT group_concat(DISTINCT r.value) FROM reads r WHERE r.crossing_id = c.id AND r.value != '')"
    " AS read_values"
    " FROM crossings c LEFT JOIN decisions d ON d.crossing_id = c.id"
)
# Every searchable field of a read: its value (plate, EPC, barcode, document number) and the
# names and container codes parsers put in its data.
_MATCH = (
    " WHERE c.id IN (SELECT r.crossing_id FROM reads r WHERE r.value LIKE :q ESCAPE '\\'"
    " OR json_extract(r.data, '$.surname') LIKE :q ESCAPE '\\'"
    " OR json_extract(r.data, '$.given_names') LIKE :q ESCAPE '\\'"
    " OR json_extract(r.data, '$.plate') LIKE :q ESCAPE '\\'"
    " OR json_extract(r.data, '$.containers') LIKE :q ESCAPE '\\'"
    " OR json_extract(r.data, '$.name') LIKE :q ESCAPE '\\')"
    " OR d.officer_id LIKE :q ESCAPE '\\'"
)
_ORDER = " ORDER BY c.opened_at DESC, c.id DESC LIMIT :limit"


def like_pattern(text: str) -> str:
    """``%text%`` with LIKE's wildcards escaped, so a search for ``50%`` finds exactly that."""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _row(row: dict[str, Any]) -> dict[str, Any]:
    values = [v for v in (row["read_values"] or "").split(",") if v]
    return {"id": row["id"], "state": row["state"], "opened_ms": epoch_ms(row["opened_at"]),
            "action": row["action"], "officer_id": row["officer_id"], "reason": row["reason"],
            "decided_ms": epoch_ms(row["decided_at"]), "values": values[:6],
            "recommendation": row["recommendation"], "override": bool(row["override"]),
            "second_officer_id": row["second_officer_id"]}


def search(store: LaneStore, query: str = "", limit: int = 50) -> list[dict[str, Any]]:
    """Newest first, each decision with its joint record (both agencies' officers); an empty query lists the recent."""
    limit = max(1, min(int(limit), 200))
    if not query.strip():
        rows = store.query(_BASE + _ORDER, {"limit": limit})
    else:
        rows = store.query(_BASE + _MATCH + _ORDER, {"q": like_pattern(query), "limit": limit})
    return [{**_row(r), "joint": record_of(store, r["id"]) if r["action"] else None} for r in rows]
