"""Expected reads: a recommendation is final only once the crossing's kind has what it needs; a hit after
the decision is an alert at once, on the booth and upstream."""

from __future__ import annotations

import json

import pytest

from garita.drivers.events import DeviceRead
from garita.station.booth.decisions import DecisionRefused, DecisionRequest, reason_for
from garita.station.config.lane_config import ExpectedReads
from garita.station.core.crossing_facts import Observed
from garita.station.core.lifecycle import OverrideNeedsReason
from garita.station.risk.expected import crossing_kind, waiting_for
from garita.station.watchlist.importer import import_file
from garita.station.wiring import wire_lane
from tests.station.test_risk_lane import lane_config
from tests.station.watchlist_feeds import KEYS, LISTED, snapshot

PASSPORT = {"issuing_state": "UTO", "surname": "ERIKSSON", "given_names": "ANNA"}


@pytest.fixture
def heard() -> list[tuple[str, dict]]:
    """What the lane's listeners (the booth's among them) were told."""
    return []


@pytest.fixture
def lane(tmp_path, store, data_dir, heard):
    import_file(data_dir, snapshot(tmp_path / "wl.feed", 1, LISTED), KEYS)
    lane = wire_lane(lane_config(), data_dir, store, [])
    lane.hooks.subscribe(lambda event, detail: heard.append((event, detail)))
    return lane


def test_needs_by_kind():
    expected = ExpectedReads()
    car = Observed(plates=(("8XYZ123", ""),))
    assert crossing_kind(car, "mixed") == "car" and waiting_for(car, "car", expected, False) == ["document"]
    truck = Observed(plates=(("AX37762", ""),), scns=("ABCD2403150001",))
    assert crossing_kind(truck, "mixed") == "truck"
    assert waiting_for(truck, "truck", expected, False) == ["document", "container", "declaration"]
    assert crossing_kind(Observed(), "commercial") == "truck"


def test_release_before_the_documents_needs_a_reason(lane, store):
    lane.daemon.handle_read(DeviceRead("cam", "image", "", {"plate": "7ABC999"}))
    crossing_id = store.query("SELECT id FROM crossings")[0]["id"]
    view = lane.booth_services.assessment(crossing_id)
    assert view["recommendation"] == "release" and view["waiting_for"] == ["document"]
    with pytest.raises(OverrideNeedsReason, match="waiting for: document"):
        lane.daemon.decide(crossing_id, "release", "off-1")
    with pytest.raises(DecisionRefused, match="incomplete_reason_required"):
        reason_for(DecisionRequest("release"), "release", view["waiting_for"])
    lane.daemon.handle_read(DeviceRead("docs", "document", "L898902C3", PASSPORT))
    assert lane.booth_services.assessment(crossing_id)["waiting_for"] == []
    lane.daemon.decide(crossing_id, "release", "off-1")  # complete: no reason needed
    assert reason_for(DecisionRequest("release"), "release", []) == ("", False)


def test_watchlist_hit_after_the_decision_is_an_alert_on_the_decided_crossing(lane, store, heard):
    lane.daemon.handle_read(DeviceRead("cam", "image", "", {"plate": "7ABC999"}))
    crossing_id = store.query("SELECT id FROM crossings")[0]["id"]
    lane.daemon.decide(crossing_id, "release", "off-1", "officer_judgement: documents later")
    lane.daemon.handle_read(DeviceRead("docs", "document", "G12345678", {"issuing_state": "MEX"}))  # listed: detain
    assert store.read(store.reads_of(crossing_id)[-1]["id"])["rule"] == "after_departure"
    [alert] = store.query("SELECT payload, priority FROM outbox WHERE kind = 'alert'")
    payload = json.loads(alert["payload"])
    assert alert["priority"] == 1 and payload["crossing_id"] == crossing_id and payload["decided"] == "release"
    assert [h["entry_id"] for h in payload["hits"]] == ["D1"]
    assert store.query("SELECT * FROM audit WHERE action = 'crossing.alert_after_decision'")
    heard = [detail for event, detail in heard if event == "alert.after_decision"]
    assert heard and heard[0]["crossing_id"] == crossing_id
