"""What ``garita crossings``, ``show`` and ``export`` print, built from the lane store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.table import Table

from garita.station.mock.live_view import summarise_reads
from garita.station.storage import audit_repo, crossings_repo
from garita.station.storage.joint_decisions import record_of
from garita.station.storage.lane_store import LaneStore

# The decision whole: what was recommended, what was decided, whether and why it was overridden, who co-signed.
DECISION_FIELDS = ("id", "action", "recommendation", "override", "reason", "officer_id", "second_officer_id",
                   "decided_at", "notes")


def decision_line(decision: dict[str, Any]) -> str:
    """One line for people: decision, recommendation, override and reason, officers."""
    recommended = decision.get("recommendation") or "none"
    how = f"OVERRIDE of {recommended}" if decision.get("override") else f"recommended {recommended}"
    cosigned = f", co-signed by {decision['second_officer_id']}" if decision.get("second_officer_id") else ""
    return (f"{decision['action']} ({how}) by {decision['officer_id']}{cosigned}{_joint_words(decision.get('joint'))}"
            f" at {decision['decided_at']} — {decision['reason'] or 'no reason given'}")


def _joint_words(joint: dict[str, Any] | None) -> str:
    """Who of each agency took part in a joint decision, for people."""
    if not joint:
        return ""
    proposer = f"{joint['proposer_id']} ({joint['proposer_agency']})"
    other = f"{joint['countersigner_id']} ({joint['countersigner_agency']})"
    if joint["outcome"] == "countersigned":
        return f" ({joint['proposer_agency']}), countersigned by {other}"
    return (f" (supervisor) after {proposer} proposed {joint['proposed_action']} and {other} disagreed"
            f" ({joint['countersigned_action']})")


def joint_cell(joint: dict[str, Any] | None) -> str:
    """The crossings table's joint column: both agencies' officers, and who settled a disagreement."""
    if not joint:
        return ""
    both = f"{joint['proposer_agency']} {joint['proposer_id']}"
    other = f"{joint['countersigner_agency']} {joint['countersigner_id']}"
    if joint["outcome"] == "countersigned":
        return f"{both} + {other}"
    return f"{both} ≠ {other} → {joint['supervisor_id']}"


def _crossing_json(store: LaneStore, row: dict[str, Any]) -> dict[str, Any]:
    reads = store.reads_of(row["id"])
    decision = store.decision_of(row["id"])
    return {
        "id": row["id"], "lane": row["lane_id"], "state": row["state"], "trigger": row["trigger"],
        "opened_at": row["opened_at"], "closed_at": row["closed_at"], "flagged_at": row["flagged_at"],
        "departed_at": row.get("departed_at"),
        "decision": None if decision is None else {
            **{key: decision[key] for key in DECISION_FIELDS}, "joint": record_of(store, row["id"])},
        "reads": [{key: read[key] for key in ("id", "device", "kind", "value", "data", "read_at", "image_path",
                                              "rule", "ambiguous")} for read in reads],
    }


def crossings_json(store: LaneStore, limit: int) -> list[dict[str, Any]]:
    return [_crossing_json(store, row) for row in store.recent_crossings(limit)]


def crossing_detail(store: LaneStore, crossing_id: str) -> dict[str, Any] | None:
    row = store.find_crossing(crossing_id)
    if row is None:
        return None
    detail = _crossing_json(store, row)
    detail["audit"] = audit_repo.entries_of(store, row["id"])
    detail["joint_pending"] = _joint_pending(store, row["id"]) if detail["decision"] is None else None
    return detail


def _joint_pending(store: LaneStore, crossing_id: str) -> dict[str, Any] | None:
    """An undecided crossing's joint decision so far: the proposal awaiting the other agency, or the dispute."""
    from datetime import UTC, datetime

    from garita.station.core.joint_decision import current_state

    state = current_state(store, crossing_id, datetime.now(UTC), store.latest_recommendation(crossing_id))
    proposal = state.proposal
    if proposal is None or state.phase == "none":
        return None
    pending = {"phase": state.phase, "proposal_id": proposal["id"], "officer_id": proposal["officer_id"],
               "agency": proposal["agency"], "action": proposal["action"], "expires_at": proposal["expires_at"],
               "awaiting": state.awaiting_agency}
    if state.phase == "disputed":
        pending["disagreed"] = {"officer_id": proposal["answer_officer_id"], "agency": proposal["answer_agency"],
                                "action": proposal["answer_action"], "reason": proposal["answer_reason"]}
    return pending


def pending_line(pending: dict[str, Any]) -> str:
    """The joint decision of an undecided crossing, for people."""
    proposed = f"{pending['officer_id']} ({pending['agency']}) proposed {pending['action']}"
    if pending["phase"] == "awaiting":
        return f"{proposed}; awaiting {pending['awaiting']} countersign until {pending['expires_at']}"
    if pending["phase"] == "disputed":
        other = pending["disagreed"]
        return (f"{proposed}; {other['officer_id']} ({other['agency']}) disagreed ({other['action']}:"
                f" {other['reason']}); a supervisor decides")
    return f"{proposed}; lapsed uncountersigned at {pending['expires_at']}: decide again"


def wide_console() -> Console:
    """The terminal's console; 160 columns when piped, instead of squeezing tables to 80."""
    console = Console()
    return console if console.is_terminal else Console(width=160)


def crossings_table(store: LaneStore, limit: int, console: Console | None = None) -> None:
    table = Table(title=f"Last {limit} crossings",
                  caption="ids are shortened; `garita show ID` takes any unique prefix")
    for column in ("opened (UTC)", "id", "state", "recommended", "decision", "officer", "co-signer", "joint"):
        table.add_column(column, no_wrap=True)
    table.add_column("reason", overflow="fold", max_width=30)
    table.add_column("reads", overflow="fold", min_width=24)
    for row in store.recent_crossings(limit):
        decision = store.decision_of(row["id"]) or {}
        action = decision.get("action") or "-"
        shown = f"{action} OVERRIDE" if decision.get("override") else action
        table.add_row(row["opened_at"][5:19].replace("T", " "), row["id"][:13], row["state"],
                      decision.get("recommendation") or "-", shown,
                      decision.get("officer_id") or "", decision.get("second_officer_id") or "",
                      joint_cell(record_of(store, row["id"]) if decision else None),
                      decision.get("reason") or "", summarise_reads(store.reads_of(row["id"])))
    (console or wide_console()).print(table)


def print_detail(detail: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console(soft_wrap=True)
    console.print(f"[bold]Crossing {detail['id']}[/]  lane {detail['lane']}  state {detail['state']}")
    console.print(f"opened {detail['opened_at']} by {detail['trigger']}; closed {detail['closed_at'] or '-'}")
    decision = detail["decision"]
    if decision:
        console.print(f"decision: {decision_line(decision)}", highlight=False)
    elif detail.get("joint_pending"):
        console.print(f"joint decision: {pending_line(detail['joint_pending'])}", highlight=False)
    for read in detail["reads"]:
        console.print(f"  {read['read_at'][11:23]} {read['device']:<12} {read['kind']:<9} {read['value']}"
                      + (f"  image {read['image_path']}" if read["image_path"] else ""), highlight=False)
    for entry in detail["audit"]:
        console.print(f"  audit {entry['at'][11:23]} {entry['actor']} {entry['action']}", highlight=False)


def export_lines(store: LaneStore, since: str | None) -> Iterator[str]:
    """One JSON object per crossing, oldest first; ``since`` compares as an ISO prefix."""
    for row in crossings_repo.opened_since(store, since):
        yield json.dumps(_crossing_json(store, row), sort_keys=True)
