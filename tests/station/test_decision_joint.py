"""The joint decision of both agencies: propose, countersign in time, disagree to a supervisor, lapse."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from garita.station.booth.decisions import DecisionRefused
from garita.station.booth.officer_accounts import add_officer, get_officer
from garita.station.config.lane_config import JointSection
from garita.station.core.decision_service import DecisionAsk, DecisionService, View
from garita.station.core.lifecycle import Lifecycle, ReadIn
from garita.station.storage.audit_chain import verify
from garita.station.storage.joint_decisions import record_of
from garita.sync.schema_check import first_error

START = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def lane(store):
    for officer_id, role, agency in (("us-1", "officer", "US"), ("us-2", "officer", "US"), ("mx-1", "officer", "MX"),
                                     ("sup-1", "supervisor", "MX"), ("none-1", "officer", "")):
        add_officer(store, officer_id, officer_id.upper(), role, "1234", agency=agency)
    clock = Clock()
    lifecycle = Lifecycle(store, "lane-j", 300, clock=clock)
    crossing_id = lifecycle.record_read(ReadIn("cam", "plate", "ABC123", {}, START)).crossing_id
    service = DecisionService(store, lifecycle.decide, True, JointSection(enabled=True, countersign_within_s=60),
                              clock=clock)
    return store, service, clock, crossing_id


def ask(store, crossing_id: str, officer_id: str, action: str, reason: str = "") -> DecisionAsk:
    return DecisionAsk(crossing_id, action, "cli", get_officer(store, officer_id), officer_id, "", reason)


NO_VIEW = View(None)


def refused(service, request: DecisionAsk, view: View = NO_VIEW) -> str:
    with pytest.raises(DecisionRefused) as caught:
        service.submit(request, view)
    return caught.value.code


def audit_actions(store, crossing_id: str) -> list[str]:
    return [row["action"] for row in store.query("SELECT action FROM audit WHERE crossing_id = ? ORDER BY id",
                                                 (crossing_id,))]


def test_one_agency_proposes_the_other_countersigns_and_both_are_on_the_record(lane):
    store, service, clock, crossing_id = lane
    proposed = service.submit(ask(store, crossing_id, "us-1", "release"), View(None))
    assert (proposed.state, proposed.awaiting) == ("proposed", "MX")
    assert store.decision_of(crossing_id) is None  # nothing is decided by one agency alone
    assert refused(service, ask(store, crossing_id, "us-2", "release")) == "awaiting_other_agency"
    assert refused(service, ask(store, crossing_id, "us-1", "release")) == "awaiting_other_agency"
    clock.now += timedelta(seconds=30)
    decided = service.submit(ask(store, crossing_id, "mx-1", "release"), View(None))
    assert decided.state == "decided"
    decision = store.decision_of(crossing_id)
    assert (decision["action"], decision["officer_id"]) == ("release", "us-1")
    joint = record_of(store, crossing_id)
    assert joint["outcome"] == "countersigned" and joint["supervisor_id"] is None
    assert (joint["proposer_id"], joint["proposer_agency"], joint["countersigner_id"], joint["countersigner_agency"]) \
        == ("us-1", "US", "mx-1", "MX")
    assert audit_actions(store, crossing_id).count("decision.refused") == 2
    assert "joint.proposed" in audit_actions(store, crossing_id)
    entry = store.query("SELECT detail FROM audit WHERE action = 'crossing.decided' AND crossing_id = ?",
                        (crossing_id,))[0]
    assert json.loads(entry["detail"])["joint"]["countersigner_id"] == "mx-1"
    event = next(json.loads(r["payload"]) for r in store.query("SELECT payload FROM outbox WHERE kind = 'decision'"))
    assert event["joint"]["proposer_agency"] == "US" and event["joint"]["countersigner_agency"] == "MX"
    assert first_error("payload-decision.json", event) is None
    assert first_error("payload-decision.json", {**event, "joint": {**event["joint"], "supervisor_id": "s"}})
    assert first_error("payload-decision.json", {**event, "joint": {**event["joint"], "proposer_agency": "CA"}})
    assert verify(store.db.conn).ok


def test_disagreement_goes_to_a_supervisor_who_is_not_one_of_the_two(lane):
    store, service, _clock, crossing_id = lane
    service.submit(ask(store, crossing_id, "us-1", "release"), View("release"))
    mx = ask(store, crossing_id, "mx-1", "detain")
    assert refused(service, mx, View("release")) == "disagreement_reason_required"
    disputed = service.submit(ask(store, crossing_id, "mx-1", "detain", "papers look altered"), View("release"))
    assert disputed.state == "disputed" and store.decision_of(crossing_id) is None
    for officer_id in ("us-1", "mx-1", "us-2"):  # neither party, nor any plain officer, settles it
        assert refused(service, ask(store, crossing_id, officer_id, "secondary", "x"), View("release")) \
            == "dispute_needs_supervisor"
    decided = service.submit(ask(store, crossing_id, "sup-1", "secondary", "inspect"), View("release"))
    assert decided.state == "decided"
    decision = store.decision_of(crossing_id)
    assert (decision["action"], decision["officer_id"], decision["override"]) == ("secondary", "sup-1", 1)
    joint = record_of(store, crossing_id)
    assert (joint["outcome"], joint["proposed_action"], joint["countersigned_action"], joint["supervisor_id"]) \
        == ("supervisor", "release", "detain", "sup-1")
    assert "joint.disputed" in audit_actions(store, crossing_id)
    event = next(json.loads(r["payload"]) for r in store.query("SELECT payload FROM outbox WHERE kind = 'decision'"))
    assert event["joint"]["supervisor_id"] == "sup-1" and first_error("payload-decision.json", event) is None


def test_a_proposal_lapses_after_the_configured_time_and_the_lapse_is_recorded(lane):
    store, service, clock, crossing_id = lane
    service.submit(ask(store, crossing_id, "us-1", "release"), View(None))
    clock.now += timedelta(seconds=61)
    # Too late to countersign: the MX officer's release is now a proposal of its own, waiting for US.
    late = service.submit(ask(store, crossing_id, "mx-1", "release"), View(None))
    assert (late.state, late.awaiting) == ("proposed", "US") and store.decision_of(crossing_id) is None
    verdicts = [r["verdict"] for r in store.query("SELECT verdict FROM joint_answers")]
    assert verdicts == ["expired"] and "joint.lapsed" in audit_actions(store, crossing_id)
    assert service.submit(ask(store, crossing_id, "us-2", "release"), View(None)).state == "decided"


def test_a_proposal_made_before_the_recommendation_changed_cannot_be_countersigned(lane):
    store, service, _clock, crossing_id = lane
    service.submit(ask(store, crossing_id, "us-1", "release"), View("release"))
    # A watchlist hit came in: the release proposed before it lapses; the MX officer's detain proposes anew.
    stale = service.submit(ask(store, crossing_id, "mx-1", "detain"), View("detain"))
    assert stale.state == "proposed" and stale.awaiting == "US" and store.decision_of(crossing_id) is None


def test_an_officer_without_an_agency_cannot_take_part_and_appends_never_update(lane):
    store, service, _clock, crossing_id = lane
    assert refused(service, ask(store, crossing_id, "none-1", "release")) == "agency_required"
    service.submit(ask(store, crossing_id, "us-1", "release"), View(None))
    with pytest.raises(Exception, match="never updated"):
        store.db.conn.execute("UPDATE joint_proposals SET action = 'detain'")


def test_a_single_agency_lane_still_decides_with_one_officer(store):
    add_officer(store, "o-1", "O", "officer", "1234")
    lifecycle = Lifecycle(store, "lane-s", 300)
    crossing_id = lifecycle.record_read(ReadIn("cam", "plate", "XYZ1", {}, datetime.now(UTC))).crossing_id
    service = DecisionService(store, lifecycle.decide)
    assert service.submit(ask(store, crossing_id, "o-1", "release"), View(None)).state == "decided"
    assert record_of(store, crossing_id) is None
