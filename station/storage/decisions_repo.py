"""SQL of the ``decisions`` table: the one joint decision of a crossing (never updated or deleted)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NotRequired, TypedDict, cast

from garita.station.storage.json_columns import JsonObject, to_json

if TYPE_CHECKING:
    from garita.station.storage.lane_store import LaneStore, Tx


class DecisionRow(TypedDict):
    id: str
    crossing_id: str
    action: str
    officer_id: str
    reason: str
    decided_at: str
    second_officer_id: str | None
    recommendation: str | None
    override: int
    notes: str
    basis: str  # JSON, as the audit chain hashes it


class NewDecision(TypedDict):
    """A decision as the lifecycle records it (``basis`` is stored as JSON)."""

    id: str
    crossing_id: str
    action: str
    officer_id: str
    reason: str
    decided_at: str
    second_officer_id: NotRequired[str | None]
    recommendation: NotRequired[str | None]
    override: NotRequired[int]
    notes: NotRequired[str]
    basis: NotRequired[JsonObject]


def decision_of(store: LaneStore, crossing_id: str) -> DecisionRow | None:
    """A crossing's decision, or None while it is undecided."""
    rows = store.query("SELECT * FROM decisions WHERE crossing_id = ?", (crossing_id,))
    return cast("DecisionRow", rows[0]) if rows else None


def insert(tx: Tx, new: NewDecision) -> None:
    """Record a decision (the basis object is stored as JSON); the table refuses a second one per crossing."""
    row: dict[str, object] = {"second_officer_id": None, "recommendation": None, "override": 0, "notes": "",
                              "basis": {}, **new}
    tx.conn.execute(
        "INSERT INTO decisions (id, crossing_id, action, officer_id, reason, decided_at, second_officer_id,"
        " recommendation, override, notes, basis) VALUES (:id, :crossing_id, :action, :officer_id, :reason,"
        " :decided_at, :second_officer_id, :recommendation, :override, :notes, :basis)",
        {**row, "basis": to_json(row["basis"])},
    )
