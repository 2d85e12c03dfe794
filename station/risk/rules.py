"""Which configured rules hold for a crossing, and the reasons they give."""

from __future__ import annotations

from garita.station.config.lane_config import RiskCondition, RiskRule
from garita.station.risk.inputs import RiskInputs
from garita.station.watchlist.matching import Hit


def _any(wanted: list, present: set) -> bool:
    """An empty condition list is not a condition; otherwise any overlap holds."""
    return not wanted or bool(set(wanted) & present)


def matching_hits(when: RiskCondition, hits: tuple[Hit, ...]) -> list[Hit]:
    """The hits a rule's watchlist conditions select (all hits when it has none)."""
    return [h for h in hits if _any(when.watchlist_action, {h.action}) and _any(when.watchlist_tier, {h.tier})]


def holds(when: RiskCondition, inputs: RiskInputs) -> bool:
    """True when every condition given in ``when`` holds."""
    checks = [
        not (when.watchlist_action or when.watchlist_tier) or bool(matching_hits(when, inputs.hits)),
        not when.discrepancy or any("*" in when.discrepancy or d.code in when.discrepancy
                                    for d in inputs.discrepancies),
        when.declaration_missing is None or when.declaration_missing == inputs.declaration_missing,
        _any(when.document_flag, inputs.document_flags()),
        not when.pre_arrival_risk or (inputs.declaration is not None
                                      and inputs.declaration.pre_arrival_risk in when.pre_arrival_risk),
        not when.hs_code_prefix or _goods_match(when.hs_code_prefix, inputs),
        when.min_declared_value is None or _declared_value(inputs) >= when.min_declared_value,
    ]
    return all(checks)


def _goods_match(prefixes: list[str], inputs: RiskInputs) -> bool:
    goods = inputs.declaration.goods if inputs.declaration else []
    return any(line.hs_code.startswith(tuple(prefixes)) for line in goods)


def _declared_value(inputs: RiskInputs) -> float:
    return sum(line.value for line in inputs.declaration.goods) if inputs.declaration else 0.0


def fired(rules: list[RiskRule], inputs: RiskInputs) -> list[RiskRule]:
    """The rules that hold, in configured order."""
    return [rule for rule in rules if holds(rule.when, inputs)]
