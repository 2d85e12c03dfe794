"""The joint decision of both agencies (a lane with ``[joint] enabled``).

An officer of one agency proposes; an officer of the other agency countersigns it (the same action)
within ``countersign_within_s``, and only then is the decision recorded, naming both. Choosing another
action is a disagreement (with a reason): the crossing then waits for a supervisor, whose decision is
recorded naming all three. A proposal nobody countersigned in time lapses and either agency proposes
again. One officer, or two of the same agency, can never complete a joint decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from garita.station.booth.officer_accounts import AGENCIES, Officer
from garita.station.core.ids import uuid7
from garita.station.storage import joint_decisions
from garita.station.storage.lane_store import LaneStore

Phase = Literal["none", "awaiting", "disputed", "expired"]
Step = Literal["single", "propose", "countersign", "disagree", "resolve"]


@dataclass(frozen=True)
class JointState:
    """Where a crossing's joint decision stands now; ``proposal`` is the newest (with its answer)."""

    phase: Phase
    proposal: dict[str, Any] | None = None
    remaining_s: float = 0.0

    @property
    def awaiting_agency(self) -> str | None:
        """The agency whose countersign the proposal waits for."""
        if self.phase != "awaiting" or self.proposal is None:
            return None
        return next(agency for agency in AGENCIES if agency != self.proposal["agency"])


def _moment(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def joint_state(store: LaneStore, crossing_id: str, now: datetime) -> JointState:
    """The phase of the crossing's newest proposal at ``now``."""
    proposal = joint_decisions.latest_proposal(store, crossing_id)
    if proposal is None:
        return JointState("none")
    verdict = proposal["answer_verdict"]
    if verdict == "disagreed":
        return JointState("disputed", proposal)
    if verdict is None:
        left = (_moment(proposal["expires_at"]) - now).total_seconds()
        return JointState("awaiting", proposal, left) if left > 0 else JointState("expired", proposal)
    return JointState("expired" if verdict == "expired" else "none", proposal)


def current_state(store: LaneStore, crossing_id: str, now: datetime, recommendation: str | None) -> JointState:
    """As :func:`joint_state`, but a proposal made on another recommendation than the current one is stale:
    it lapses (nobody countersigns what the officer proposed before, say, a watchlist hit came in)."""
    state = joint_state(store, crossing_id, now)
    if state.phase == "awaiting" and state.proposal["recommendation"] != recommendation:
        return JointState("expired", state.proposal)
    return state


def step_for(state: JointState, action: str) -> Step:
    """What a decision asked for now does: propose, countersign, disagree, or resolve a dispute."""
    if state.phase == "awaiting":
        return "countersign" if action == state.proposal["action"] else "disagree"
    return "resolve" if state.phase == "disputed" else "propose"


def refusal(step: Step, state: JointState, officer: Officer) -> str | None:
    """The refusal code when this officer may not take this step (None: they may)."""
    if step == "resolve":
        party = {state.proposal["officer_id"], state.proposal["answer_officer_id"]}
        return None if officer.role == "supervisor" and officer.id not in party else "dispute_needs_supervisor"
    if officer.agency not in AGENCIES:
        return "agency_required"
    if step in ("countersign", "disagree") and officer.agency == state.proposal["agency"]:
        return "awaiting_other_agency"
    return None


def lapse(tx: Any, state: JointState, now: datetime) -> None:
    """Record that the proposal lapsed uncountersigned (once), inside the caller's transaction."""
    if state.phase != "expired" or state.proposal["answer_verdict"] is not None:
        return
    proposal = state.proposal
    joint_decisions.insert_answer(tx.conn, {"id": uuid7(), "proposal_id": proposal["id"], "verdict": "expired",
                                            "officer_id": "lane", "agency": "", "action": None, "reason": "",
                                            "answered_at": now.isoformat()})
    tx.audit(now, "lane", "joint.lapsed", proposal["crossing_id"],
             {"proposal_id": proposal["id"], "proposed_by": proposal["officer_id"],
              "expired_at": proposal["expires_at"]})


def propose(tx: Any, ask: Any, officer: Officer, reason: str, recommendation: str | None,
            supervisor_id: str | None, now: datetime, within_s: float) -> str:
    """Insert the proposal and audit it; returns its id."""
    proposal_id = uuid7()
    expires = now + timedelta(seconds=within_s)
    joint_decisions.insert_proposal(tx.conn, {
        "id": proposal_id, "crossing_id": ask.crossing_id, "officer_id": officer.id, "agency": officer.agency,
        "action": ask.action, "reason": reason, "recommendation": recommendation, "supervisor_id": supervisor_id,
        "notes": ask.notes, "proposed_at": now.isoformat(), "expires_at": expires.isoformat()})
    tx.audit(now, f"officer:{officer.id}", "joint.proposed", ask.crossing_id,
             {"proposal_id": proposal_id, "action": ask.action, "agency": officer.agency, "reason": reason,
              "recommendation": recommendation, "cosigned_by": supervisor_id, "expires_at": expires.isoformat(),
              "channel": ask.channel})
    return proposal_id


def disagree(tx: Any, ask: Any, officer: Officer, reason: str, proposal: dict[str, Any], now: datetime) -> str:
    """Record the other agency's disagreement; the crossing now waits for a supervisor."""
    answer_id = uuid7()
    joint_decisions.insert_answer(tx.conn, {"id": answer_id, "proposal_id": proposal["id"], "verdict": "disagreed",
                                            "officer_id": officer.id, "agency": officer.agency, "action": ask.action,
                                            "reason": reason, "answered_at": now.isoformat()})
    tx.audit(now, f"officer:{officer.id}", "joint.disputed", ask.crossing_id,
             {"proposal_id": proposal["id"], "proposed": proposal["action"], "proposed_by": proposal["officer_id"],
              "answer": ask.action, "agency": officer.agency, "reason": reason, "channel": ask.channel})
    return answer_id


def record(state: JointState, step: Step, officer: Officer) -> dict[str, Any]:
    """The joint record a countersign or a supervisor's resolution completes."""
    proposal = state.proposal
    countersigned = step == "countersign"
    return {"proposal_id": proposal["id"], "outcome": "countersigned" if countersigned else "supervisor",
            "proposer_id": proposal["officer_id"], "proposer_agency": proposal["agency"],
            "proposed_action": proposal["action"],
            "countersigner_id": officer.id if countersigned else proposal["answer_officer_id"],
            "countersigner_agency": officer.agency if countersigned else proposal["answer_agency"],
            "countersigned_action": proposal["action"] if countersigned else proposal["answer_action"],
            "supervisor_id": None if countersigned else officer.id}
