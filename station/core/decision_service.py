"""One set of rules for every way a decision is recorded: the booth, ``garita decide``, any API.

The caller authenticates (a booth session, a PIN typed at the CLI) and hands over who it found;
this service then checks the rest and records, or refuses with a code and an audit entry:

- the deciding officer exists, is active, may decide, and was authenticated;
- an override of the recommendation, or a release before the expected reads, has a reason;
- letting go a vehicle the lane says to detain needs a supervisor (another person), when the lane's
  rule applies to this officer;
- on a joint lane, a decision is proposed by an officer of one agency and recorded only when an officer
  of the other agency countersigns it in time, or a supervisor resolves their disagreement
  (station/core/joint_decision.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from garita.station.booth.decisions import DecisionRefused, DecisionRequest, reason_for
from garita.station.booth.officer_accounts import DECIDING_ROLES, Officer
from garita.station.config.lane_config import JointSection
from garita.station.core import joint_decision
from garita.station.core.joint_decision import JointState, Step
from garita.station.core.lifecycle import IllegalTransition, OverrideNeedsReason, UnknownCrossing
from garita.station.storage import assessments_repo
from garita.station.storage.lane_store import LaneStore

Recorder = Callable[..., str]  # LaneDaemon.decide or Lifecycle.decide


@dataclass(frozen=True)
class DecisionAsk:
    """What a channel asks to record, with the officers it authenticated (None: not authenticated)."""

    crossing_id: str
    action: str
    channel: str  # booth | cli | api
    officer: Officer | None
    officer_id: str
    reason_code: str = ""
    reason_text: str = ""
    supervisor: Officer | None = None
    notes: str = ""
    supervisor_id: str = ""  # named by the channel, whether or not it authenticated


@dataclass(frozen=True)
class View:
    """The recommendation the officer decided on and what the crossing still waits for."""

    recommendation: str | None
    waiting_for: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """What a submitted decision did: recorded it, proposed it to the other agency, or disputed a proposal."""

    state: Literal["decided", "proposed", "disputed"]
    id: str  # the decision, the proposal, or the disagreement
    awaiting: str | None = None  # the agency a proposal waits for
    expires_at: str | None = None


def latest_view(store: LaneStore, crossing_id: str) -> View:
    """The crossing's latest recorded assessment (a channel without its own screen decides on this)."""
    latest = assessments_repo.latest(store, crossing_id)
    if latest is None:
        return View(None)
    return View(latest.recommendation, tuple(latest.detail.get("waiting_for", [])))


class _Changed(Exception):
    """The crossing's joint state moved between the check and the commit (another screen got there first)."""


class DecisionService:
    """Checks a decision against the rules, records it through ``recorder``, audits every refusal."""

    def __init__(self, store: LaneStore, recorder: Recorder, detain_override_needs_supervisor: bool = True,
                 joint: JointSection | None = None, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.store = store
        self.recorder = recorder
        self.supervisor_rule = detain_override_needs_supervisor
        self.joint = joint or JointSection()
        self.clock = clock

    def needs_supervisor(self, view: View, action: str, officer: Officer) -> bool:
        return (view.recommendation == "detain" and action != "detain" and self.supervisor_rule
                and officer.role != "supervisor")

    def joint_state(self, crossing_id: str, view: View) -> JointState | None:
        """None on a single-agency lane; a crossing that already has a proposal stays joint whatever the config."""
        state = joint_decision.current_state(self.store, crossing_id, self.clock(), view.recommendation)
        return None if not self.joint.enabled and state.proposal is None else state

    def step(self, ask: DecisionAsk, view: View) -> tuple[Step, JointState | None]:
        state = self.joint_state(ask.crossing_id, view)
        return ("single", None) if state is None else (joint_decision.step_for(state, ask.action), state)

    def needs_cosign(self, ask: DecisionAsk, view: View) -> bool:
        """True when this ask needs a supervisor's PIN now (a countersign or a disagreement never does)."""
        step, _ = self.step(ask, view)
        return step in ("single", "propose") and self.needs_supervisor(view, ask.action, ask.officer)

    def check(self, ask: DecisionAsk, view: View) -> tuple[str, bool]:
        """The officer and the reason (before any co-sign PIN is asked); returns the reason and whether it overrides."""
        officer = ask.officer
        if officer is None or not officer.active or officer.role not in DECIDING_ROLES:
            self.refuse(ask, "officer_refused")
        crossing = self.store.crossing(ask.crossing_id)
        if crossing is None:
            self.refuse(ask, "no_crossing")
        step, state = self.step(ask, view)
        if state is not None:
            if crossing["state"] == "closed":
                self.refuse(ask, "already_decided")
            code = joint_decision.refusal(step, state, officer)
            if code:
                self.refuse(ask, code)
        if step == "countersign":  # the proposal's reason stands; the countersign adds a name, not a reason
            return state.proposal["reason"], bool(state.proposal["recommendation"] not in (None, ask.action))
        request = DecisionRequest(ask.action, ask.reason_code, ask.reason_text)
        if step == "disagree" and not (ask.reason_code.strip() or ask.reason_text.strip()):
            self.refuse(ask, "disagreement_reason_required")
        try:
            if step == "disagree":  # the reason says why this agency would decide otherwise
                return reason_for(request, None)[0], False
            return reason_for(request, view.recommendation, list(view.waiting_for))
        except DecisionRefused as exc:
            self.refuse(ask, exc.code)
            raise

    def decide(self, ask: DecisionAsk, view: View) -> str:
        """The decision (or proposal, or disagreement) id; raises DecisionRefused (audited) when a rule is broken."""
        return self.submit(ask, view).id

    def submit(self, ask: DecisionAsk, view: View) -> Outcome:
        """Record the decision, or on a joint lane the step this ask takes towards it."""
        reason, override = self.check(ask, view)
        step, state = self.step(ask, view)
        if step in ("propose", "disagree"):
            return self._joint_step(ask, view, step, reason)
        if step == "countersign":
            proposal = state.proposal
            decision_id = self._record(ask, proposal["action"], proposal["officer_id"], reason,
                                       notes=proposal["notes"], recommendation=proposal["recommendation"],
                                       second_officer_id=proposal["supervisor_id"],
                                       joint=joint_decision.record(state, step, ask.officer))
            return Outcome("decided", decision_id)
        supervisor = self._supervisor(ask, view, ask.officer)
        joint = joint_decision.record(state, step, ask.officer) if step == "resolve" else None
        decision_id = self._record(ask, ask.action, ask.officer.id, reason, notes=ask.notes,
                                   recommendation=view.recommendation, second_officer_id=supervisor, joint=joint)
        if override:
            self._audit(f"officer:{ask.officer.id}", f"{ask.channel}.override", ask.crossing_id,
                        {"recommended": view.recommendation, "action": ask.action, "reason_code": ask.reason_code,
                         "cosigned_by": supervisor})
        return Outcome("decided", decision_id)

    def _joint_step(self, ask: DecisionAsk, view: View, step: Step, reason: str) -> Outcome:
        """A proposal (the first agency) or a disagreement (the second), committed with its audit entry."""
        supervisor = self._supervisor(ask, view, ask.officer) if step == "propose" else None
        try:
            with self.store.transaction() as tx:
                now = self.clock()
                state = joint_decision.current_state(self.store, ask.crossing_id, now, view.recommendation)
                if joint_decision.step_for(state, ask.action) != step:  # another screen got there first
                    raise _Changed
                if step == "disagree":
                    answer_id = joint_decision.disagree(tx, ask, ask.officer, reason, state.proposal, now)
                    return Outcome("disputed", answer_id)
                joint_decision.lapse(tx, state, now)
                proposal_id = joint_decision.propose(tx, ask, ask.officer, reason, view.recommendation, supervisor,
                                                     now, self.joint.countersign_within_s)
        except _Changed:
            self.refuse(ask, "joint_changed")
        made = joint_decision.joint_state(self.store, ask.crossing_id, now)
        return Outcome("proposed", proposal_id, made.awaiting_agency, made.proposal["expires_at"])

    def _record(self, ask: DecisionAsk, action: str, officer_id: str, reason: str, **record: object) -> str:
        try:
            return self.recorder(ask.crossing_id, action, officer_id, reason, **record)
        except IllegalTransition:
            self.refuse(ask, "already_decided")
        except UnknownCrossing:
            self.refuse(ask, "no_crossing")
        except OverrideNeedsReason as exc:
            self.refuse(ask, "incomplete_reason_required" if "expected reads" in str(exc)
                        else "override_reason_required")
        raise AssertionError("unreachable")  # refuse() always raises

    def _supervisor(self, ask: DecisionAsk, view: View, officer: Officer) -> str | None:
        if not self.needs_supervisor(view, ask.action, officer):
            return None
        supervisor = ask.supervisor
        if supervisor is None:
            self.refuse(ask, "supervisor_refused" if ask.supervisor_id else "supervisor_required")
        if supervisor.role != "supervisor" or not supervisor.active or supervisor.id == officer.id:
            self.refuse(ask, "supervisor_refused")
        return supervisor.id

    def refuse(self, ask: DecisionAsk, code: str) -> None:
        """Audit the refusal, then raise it (a channel's own checks, such as a co-sign PIN, use this too)."""
        self._audit(f"officer:{ask.officer_id or '?'}", "decision.refused", ask.crossing_id if code != "no_crossing"
                    else None, {"code": code, "channel": ask.channel, "action": ask.action,
                                "crossing": ask.crossing_id[:64]})
        raise DecisionRefused(code)

    def _audit(self, actor: str, action: str, crossing_id: str | None, detail: dict) -> None:
        with self.store.transaction() as tx:
            tx.audit(datetime.now(UTC), actor, action, crossing_id, detail)
