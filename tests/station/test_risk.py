"""Risk rules by table of cases, compliance sampling, and the engine wired into the lane."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from garita.station.config.lane_config import RiskRule, RiskSection
from garita.station.core.crossing_facts import DocumentSeen, Observed
from garita.station.declarations.declaration import Declaration
from garita.station.declarations.discrepancies import Discrepancy
from garita.station.risk import sampling
from garita.station.risk.assessment import assess
from garita.station.risk.booth_view import booth_view
from garita.station.risk.inputs import RiskInputs
from garita.station.watchlist.matching import Hit
from tests.station.test_declarations import declaration

RULES = list(RiskSection().rules)


def hit(action: str, tier: str = "exact") -> Hit:
    return Hit(f"E-{action}", "plate", action, "R1", f"listed {action}", f"listado {action}", "joint", tier,
               "8XYZ123", "8XYZ123")


def gap(code: str = "plate") -> Discrepancy:
    return Discrepancy(code, code, "A", "B", f"{code} differs", f"{code} difiere")


DECL = Declaration.model_validate(declaration())
HIGH = Declaration.model_validate(declaration(pre_arrival_risk="high"))
ARMS = Declaration.model_validate(declaration(goods=[{"hs_code": "930100", "description": "rifles", "value": 1,
                                                      "weight_kg": 1, "origin": "USA"}]))
CLEAN = Observed(plates=(("8XYZ123", ""),))
COMMERCIAL = Observed(scns=("ABCD1",))


@pytest.mark.parametrize(("inputs", "recommendation", "codes"), [
    (RiskInputs(CLEAN, watchlist_stale=False), "release", []),
    (RiskInputs(CLEAN), "release", ["watchlist-stale"]),
    (RiskInputs(CLEAN, (hit("detain"),), watchlist_stale=False), "detain", ["watchlist-detain"]),
    (RiskInputs(CLEAN, (hit("refer", "ocr_confusion"),), watchlist_stale=False), "secondary", ["watchlist-refer"]),
    (RiskInputs(CLEAN, (hit("notify"),), watchlist_stale=False), "release", ["watchlist-notify"]),
    (RiskInputs(CLEAN, (hit("notify"), hit("detain"), hit("refer")), watchlist_stale=False), "detain",
     ["watchlist-detain", "watchlist-refer", "watchlist-notify"]),
    (RiskInputs(COMMERCIAL, declaration=DECL, discrepancies=(gap(),), watchlist_stale=False), "secondary",
     ["declaration-discrepancy"]),
    (RiskInputs(COMMERCIAL, watchlist_stale=False), "secondary", ["declaration-missing"]),
    (RiskInputs(COMMERCIAL, declaration=HIGH, watchlist_stale=False), "secondary", ["pre-arrival-high"]),
    (RiskInputs(Observed(documents=(DocumentSeen("X", check_digits_ok=False),)), watchlist_stale=False),
     "secondary", ["document-flag"]),
    (RiskInputs(Observed(documents=(DocumentSeen("X", expired=True),)), watchlist_stale=False),
     "secondary", ["document-flag"]),
])
def test_default_rules(inputs, recommendation, codes):
    result = assess(inputs, RULES)
    assert result.recommendation == recommendation
    assert [r.code for r in result.reasons] == codes
    assert all(r.en and r.es for r in result.reasons)


def rule(action: str, **when) -> RiskRule:
    return RiskRule(id="r", when=when, action=action, reason_en="because", reason_es="porque")


@pytest.mark.parametrize(("when", "inputs", "holds"), [
    ({"hs_code_prefix": ["9301"]}, RiskInputs(COMMERCIAL, declaration=ARMS), True),
    ({"hs_code_prefix": ["9301"]}, RiskInputs(COMMERCIAL, declaration=DECL), False),
    ({"min_declared_value": 10000}, RiskInputs(COMMERCIAL, declaration=DECL), True),
    ({"min_declared_value": 50000}, RiskInputs(COMMERCIAL, declaration=DECL), False),
    ({"discrepancy": ["seal"]}, RiskInputs(COMMERCIAL, discrepancies=(gap("plate"),)), False),
    ({"discrepancy": ["seal", "plate"]}, RiskInputs(COMMERCIAL, discrepancies=(gap("plate"),)), True),
    ({"watchlist_tier": ["edit1"]}, RiskInputs(CLEAN, (hit("refer", "exact"),)), False),
    ({"watchlist_tier": ["edit1"]}, RiskInputs(CLEAN, (hit("refer", "edit1"),)), True),
    ({"watchlist_action": ["refer"], "watchlist_tier": ["exact"]}, RiskInputs(CLEAN, (hit("refer", "edit1"),)),
     False),
    ({"declaration_missing": False}, RiskInputs(COMMERCIAL, declaration=DECL), True),
    ({"pre_arrival_risk": ["high"], "hs_code_prefix": ["8708"]}, RiskInputs(COMMERCIAL, declaration=HIGH), True),
    ({"pre_arrival_risk": ["high"], "hs_code_prefix": ["9301"]}, RiskInputs(COMMERCIAL, declaration=HIGH), False),
])
def test_rule_conditions(when, inputs, holds):
    result = assess(inputs, [rule("secondary", **when)])
    assert (result.recommendation == "secondary") is holds


def test_detain_needs_a_watchlist_entry_that_says_so():
    inputs = RiskInputs(COMMERCIAL, declaration=ARMS, watchlist_stale=False)
    assert assess(inputs, [rule("detain", hs_code_prefix=["9301"])]).recommendation == "secondary"


def test_rule_without_conditions_is_a_config_error():
    with pytest.raises(ValueError, match="at least one condition"):
        rule("secondary")


def test_random_selection_is_recorded_and_explained():
    chosen = assess(RiskInputs(CLEAN, watchlist_stale=False), RULES, sampling.Sample(0.5, 10))
    assert chosen.recommendation == "secondary" and chosen.reasons[0].code == "random-selection"
    assert chosen.detail()["sample"] == {"rate": 0.5, "draw": 10, "selected": True}
    spared = assess(RiskInputs(CLEAN, watchlist_stale=False), RULES, sampling.Sample(0.5, 600_000))
    assert spared.recommendation == "release"


@given(st.floats(0, 1))
def test_sampling_draws_are_in_range_and_roundtrip(rate):
    drawn = sampling.draw(rate)
    assert 0 <= drawn.draw < sampling.SCALE
    assert sampling.from_dict(drawn.as_dict()) == drawn
    assert sampling.Sample(rate, 0).selected is (rate * sampling.SCALE >= 0.5)


def test_sampling_rate_is_roughly_honoured():
    picked = sum(sampling.draw(0.1).selected for _ in range(5000))
    assert 300 < picked < 700


def test_booth_view_shape():
    inputs = RiskInputs(COMMERCIAL, (hit("refer"),), DECL, (gap(),), 4, False)
    view = booth_view(assess(inputs, RULES).detail())
    assert view["recommendation"] == "secondary"
    assert view["hits"][0] == {"list": "joint watchlist · exact", "action": "secondary", "matched": "8XYZ123",
                               "queried": "8XYZ123", "reason": {"en": "listed refer", "es": "listado refer"}}
    assert view["declaration"]["id"] == "DEC-1" and view["declaration"]["discrepancies"][0]["field"] == "plate"
    assert set(view["reasons"][0]) == {"en", "es"}


def test_assessment_is_pure_and_its_cost_reported():
    import time

    inputs = RiskInputs(COMMERCIAL, (hit("refer"), hit("detain")), DECL, (gap(),), 4, False)
    first = assess(inputs, RULES)
    started = time.perf_counter()
    results = [assess(inputs, RULES) for _ in range(1000)]
    each_us = (time.perf_counter() - started) * 1000  # 1000 calls: ms in total = us each
    assert all(result == first for result in results)  # no hidden state between crossings
    print(f"\nassessment: {each_us:.0f} us each over 1000 calls")  # measured, not asserted


def test_rules_load_from_the_example_config():
    from garita.station.config.loader import load_config
    from tests.conftest import REPO

    config = load_config(REPO / "config/lane.example.toml")
    assert [r.id for r in config.risk.rules][-1] == "controlled-goods" and config.risk.sample_rate == 0.02
