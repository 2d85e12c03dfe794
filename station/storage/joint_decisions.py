"""SQL of the joint decision: officers' agencies, proposals, answers and each decision's joint record.

Proposals, answers and records are only ever inserted (migration 9 makes them append-only): a lapsed
proposal gets an ``expired`` answer, a new proposal is a new row.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from garita.station.storage.lane_store import LaneStore

RECORD_FIELDS = ("outcome", "proposer_id", "proposer_agency", "proposed_action", "countersigner_id",
                 "countersigner_agency", "countersigned_action", "supervisor_id")


def set_agency(conn: sqlite3.Connection, officer_id: str, agency: str) -> None:
    """The officer's agency ('' for none), inside the caller's transaction."""
    conn.execute("UPDATE officers SET agency = ? WHERE id = ?", (agency, officer_id))


def insert_proposal(conn: sqlite3.Connection, row: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO joint_proposals (id, crossing_id, officer_id, agency, action, reason, recommendation,"
        " supervisor_id, notes, proposed_at, expires_at) VALUES (:id, :crossing_id, :officer_id, :agency, :action,"
        " :reason, :recommendation, :supervisor_id, :notes, :proposed_at, :expires_at)", row)


def insert_answer(conn: sqlite3.Connection, row: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO joint_answers (id, proposal_id, verdict, officer_id, agency, action, reason, answered_at)"
        " VALUES (:id, :proposal_id, :verdict, :officer_id, :agency, :action, :reason, :answered_at)", row)


def insert_record(conn: sqlite3.Connection, decision_id: str, crossing_id: str, proposal_id: str,
                  record: dict[str, Any]) -> None:
    """The joint record of a decision, in the transaction that inserts the decision."""
    conn.execute(
        "INSERT INTO joint_records (decision_id, crossing_id, proposal_id, outcome, proposer_id, proposer_agency,"
        " proposed_action, countersigner_id, countersigner_agency, countersigned_action, supervisor_id)"
        " VALUES (:decision_id, :crossing_id, :proposal_id, :outcome, :proposer_id, :proposer_agency,"
        " :proposed_action, :countersigner_id, :countersigner_agency, :countersigned_action, :supervisor_id)",
        {**{key: record.get(key) for key in RECORD_FIELDS}, "decision_id": decision_id,
         "crossing_id": crossing_id, "proposal_id": proposal_id})


def latest_proposal(store: LaneStore, crossing_id: str) -> dict[str, Any] | None:
    """The crossing's newest proposal with its answer (``answer_*`` fields None while unanswered)."""
    rows = store.query(
        "SELECT p.*, o.name AS officer_name, a.verdict AS answer_verdict, a.officer_id AS answer_officer_id,"
        " a.agency AS answer_agency, a.action AS answer_action, a.reason AS answer_reason,"
        " a.answered_at AS answered_at, ao.name AS answer_officer_name"
        " FROM joint_proposals p LEFT JOIN joint_answers a ON a.proposal_id = p.id"
        " LEFT JOIN officers o ON o.id = p.officer_id LEFT JOIN officers ao ON ao.id = a.officer_id"
        " WHERE p.crossing_id = ? ORDER BY p.proposed_at DESC, p.rowid DESC LIMIT 1", (crossing_id,))
    return rows[0] if rows else None


def record_of(store: LaneStore, crossing_id: str) -> dict[str, Any] | None:
    """The joint record of the crossing's decision (None for a single-agency decision)."""
    rows = store.query("SELECT * FROM joint_records WHERE crossing_id = ?", (crossing_id,))
    if not rows:
        return None
    return {key: rows[0][key] for key in ("proposal_id", *RECORD_FIELDS)}


def change_mark(store: LaneStore) -> tuple[int, int, int]:
    """Newest proposal, answer and decision row: when it moves, some channel (a CLI, another booth) decided."""
    row = store.query("SELECT (SELECT COALESCE(MAX(rowid), 0) FROM joint_proposals) AS p,"
                      " (SELECT COALESCE(MAX(rowid), 0) FROM joint_answers) AS a,"
                      " (SELECT COALESCE(MAX(rowid), 0) FROM decisions) AS d")[0]
    return row["p"], row["a"], row["d"]


def save_joint_rule(store: LaneStore, enabled: bool, within_s: float) -> None:
    """The daemon's joint rule, kept where `garita decide` finds it when it is not given the config."""
    with store.transaction() as tx:
        tx.conn.executemany("INSERT INTO lane_settings (name, value) VALUES (?, ?)"
                            " ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                            [("joint.enabled", "1" if enabled else "0"), ("joint.countersign_within_s", str(within_s))])


def saved_joint_rule(store: LaneStore) -> tuple[bool, float] | None:
    """(enabled, countersign_within_s) as the daemon last saved them; None if no daemon has run here."""
    found = store.query("SELECT name, value FROM lane_settings WHERE name LIKE 'joint.%'")
    rows = {r["name"]: r["value"] for r in found}
    if "joint.enabled" not in rows:
        return None
    return rows["joint.enabled"] == "1", float(rows.get("joint.countersign_within_s", "120"))
