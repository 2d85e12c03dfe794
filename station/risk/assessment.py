"""The recommendation for one crossing with its ordered reasons: a pure function of its inputs and rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from garita.station.config.lane_config import RiskRule
from garita.station.risk.inputs import RiskInputs
from garita.station.risk.rules import fired, matching_hits
from garita.station.risk.sampling import Sample

SEVERITY = {"release": 0, "secondary": 1, "detain": 2}


@dataclass(frozen=True)
class Reason:
    code: str
    action: str
    en: str
    es: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "action": self.action, "en": self.en, "es": self.es}


@dataclass(frozen=True)
class Assessment:
    """What the booth shows and the decision record keeps: recommendation, reasons, evidence, versions."""

    recommendation: str
    reasons: tuple[Reason, ...]
    inputs: RiskInputs
    sample: Sample | None = None
    kind: str = "car"
    waiting_for: tuple[str, ...] = ()  # expected reads not in yet: the recommendation is not final

    def detail(self) -> dict[str, Any]:
        """JSON for the assessments table, the audit trail and the outbox."""
        declaration = self.inputs.declaration
        return {
            "recommendation": self.recommendation,
            "reasons": [r.as_dict() for r in self.reasons],
            "hits": [h.as_dict() for h in self.inputs.hits],
            "discrepancies": [d.as_dict() for d in self.inputs.discrepancies],
            "declaration": {"id": declaration.id, "version": declaration.version} if declaration else None,
            "watchlist": {"version": self.inputs.watchlist_version, "stale": self.inputs.watchlist_stale},
            "sample": self.sample.as_dict() if self.sample else None,
            "kind": self.kind, "waiting_for": list(self.waiting_for),
        }


def _rule_reasons(rule: RiskRule, inputs: RiskInputs) -> list[Reason]:
    """One reason per matching hit for watchlist rules (naming the entry), else one for the rule."""
    if not (rule.when.watchlist_action or rule.when.watchlist_tier):
        return [Reason(rule.id, rule.action, rule.reason_en, rule.reason_es)]
    reasons = []
    for hit in matching_hits(rule.when, inputs.hits):
        which = f"({hit.entry_id}, {hit.kind} {hit.listed}, {hit.tier})"
        reasons.append(Reason(rule.id, rule.action, f"{rule.reason_en}: {hit.reason_en} {which}",
                              f"{rule.reason_es}: {hit.reason_es} {which}"))
    return reasons


def _capped(action: str, inputs: RiskInputs) -> str:
    """Detain stands only with a watchlist entry that says detain; any other detain becomes secondary."""
    if action == "detain" and not any(h.action == "detain" for h in inputs.hits):
        return "secondary"
    return action


def assess(inputs: RiskInputs, rules: list[RiskRule], sample: Sample | None = None) -> Assessment:
    """Run the rules; the most severe action wins; reasons are ordered most severe first, then rule order."""
    reasons = [r for rule in fired(rules, inputs) for r in _rule_reasons(rule, inputs)]
    reasons = [Reason(r.code, _capped(r.action, inputs), r.en, r.es) for r in reasons]
    if sample is not None and sample.selected:
        reasons.append(Reason("random-selection", "secondary", "Random compliance selection",
                              "Selección aleatoria de cumplimiento"))
    if inputs.watchlist_stale:
        reasons.append(Reason("watchlist-stale", "release", "Watchlist is stale: hits may be missing",
                              "La lista de vigilancia está desactualizada: pueden faltar coincidencias"))
    reasons.sort(key=lambda r: -SEVERITY[r.action])  # stable: rule order kept within an action
    recommendation = max((r.action for r in reasons), key=SEVERITY.__getitem__, default="release")
    return Assessment(recommendation, tuple(reasons), inputs, sample)
