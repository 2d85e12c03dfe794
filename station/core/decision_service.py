"""One set of rules for every way a decision is recorded: the booth, ``garita decide``, any API.

The caller authenticates (a booth session, a PIN typed at the CLI) and hands over who it found;
this service then checks the rest and records, or refuses with a code and an audit entry:

- the deciding officer exists, is active, may decide, and was authenticated;
- an override of the recommendation, or a release before the expected reads, has a reason;
- letting go a vehicle the lane says to detain needs a supervisor (another person), when the lane's
  rule applies to this officer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from garita.station.booth.decisions import DecisionRefused, DecisionRequest, reason_for
from garita.station.booth.officer_accounts import DECIDING_ROLES, Officer
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


def latest_view(store: LaneStore, crossing_id: str) -> View:
    """The crossing's latest recorded assessment (a channel without its own screen decides on this)."""
    latest = assessments_repo.latest(store, crossing_id)
    if latest is None:
        return View(None)
    return View(latest.recommendation, tuple(latest.detail.get("waiting_for", [])))


class DecisionService:
    """Checks a decision against the rules, records it through ``recorder``, audits every refusal."""

    def __init__(self, store: LaneStore, recorder: Recorder, detain_override_needs_supervisor: bool = True):
        self.store = store
        self.recorder = recorder
        self.supervisor_rule = detain_override_needs_supervisor

    def needs_supervisor(self, view: View, action: str, officer: Officer) -> bool:
        return (view.recommendation == "detain" and action != "detain" and self.supervisor_rule
                and officer.role != "supervisor")

    def check(self, ask: DecisionAsk, view: View) -> tuple[str, bool]:
        """The officer and the reason (before any co-sign PIN is asked); returns the reason and whether it overrides."""
        officer = ask.officer
        if officer is None or not officer.active or officer.role not in DECIDING_ROLES:
            self.refuse(ask, "officer_refused")
        if self.store.crossing(ask.crossing_id) is None:
            self.refuse(ask, "no_crossing")
        try:
            return reason_for(DecisionRequest(ask.action, ask.reason_code, ask.reason_text),
                              view.recommendation, list(view.waiting_for))
        except DecisionRefused as exc:
            self.refuse(ask, exc.code)
            raise

    def decide(self, ask: DecisionAsk, view: View) -> str:
        """The decision id; raises DecisionRefused (audited) when a rule is broken."""
        reason, override = self.check(ask, view)
        officer = ask.officer
        supervisor = self._supervisor(ask, view, officer)
        try:
            decision_id = self.recorder(ask.crossing_id, ask.action, officer.id, reason, notes=ask.notes,
                                        recommendation=view.recommendation, second_officer_id=supervisor)
        except IllegalTransition:
            self.refuse(ask, "already_decided")
        except UnknownCrossing:
            self.refuse(ask, "no_crossing")
        except OverrideNeedsReason as exc:
            self.refuse(ask, "incomplete_reason_required" if "expected reads" in str(exc)
                         else "override_reason_required")
        if override:
            self._audit(f"officer:{officer.id}", f"{ask.channel}.override", ask.crossing_id,
                        {"recommended": view.recommendation, "action": ask.action, "reason_code": ask.reason_code,
                         "cosigned_by": supervisor})
        return decision_id

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
