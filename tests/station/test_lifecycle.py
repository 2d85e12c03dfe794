"""The crossing state machine: allowed transitions, persistence, and random event orders."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from garita.station.core.lifecycle import TRANSITIONS, IllegalTransition, Lifecycle, ReadIn, State, next_state


class FakeClock:
    def __init__(self):
        self.now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def read(value: str, kind: str = "rfid") -> ReadIn:
    return ReadIn("rfid-1", kind, value, {"epc": value}, datetime.now(UTC))


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def lifecycle(store, clock):
    return Lifecycle(store, "lane-1", idle_timeout_s=30, clock=clock)


def test_transition_table_is_closed():
    assert next_state(None, "open") is State.OPEN
    for state, event in itertools.product([None, *State], ["open", "read", "decide", "flag_idle"]):
        if (state, event) not in TRANSITIONS:
            with pytest.raises(IllegalTransition):
                next_state(state, event)


def test_first_read_opens_and_later_reads_join(lifecycle, store):
    first = lifecycle.record_read(read("E1"))
    second = lifecycle.record_read(read("DOC1", "document"))
    assert first.opened and not second.opened
    assert first.crossing_id == second.crossing_id
    assert [r["value"] for r in store.reads_of(first.crossing_id)] == ["E1", "DOC1"]


def test_decision_closes_and_next_read_opens_a_new_crossing(lifecycle, store):
    crossing = lifecycle.record_read(read("E1")).crossing_id
    lifecycle.decide(crossing, "secondary", "off-7", "paperwork")
    assert store.crossing(crossing)["state"] == "closed"
    assert store.decision_of(crossing)["officer_id"] == "off-7"
    assert lifecycle.record_read(read("E2")).crossing_id != crossing


def test_second_decision_is_refused(lifecycle):
    crossing = lifecycle.record_read(read("E1")).crossing_id
    lifecycle.decide(crossing, "release", "off-1")
    with pytest.raises(IllegalTransition):
        lifecycle.decide(crossing, "detain", "off-2")


def test_decision_needs_valid_action_and_officer(lifecycle):
    crossing = lifecycle.record_read(read("E1")).crossing_id
    with pytest.raises(ValueError):
        lifecycle.decide(crossing, "wave-through", "off-1")
    with pytest.raises(ValueError, match="officer"):
        lifecycle.decide(crossing, "release", " ")


def test_idle_crossing_is_flagged_not_dropped_and_can_still_be_decided(lifecycle, store, clock):
    crossing = lifecycle.record_read(read("E1")).crossing_id
    clock.advance(29)
    assert lifecycle.flag_idle() == []
    clock.advance(2)
    assert lifecycle.flag_idle() == [crossing]
    assert store.crossing(crossing)["state"] == "flagged_idle"
    later = lifecycle.record_read(read("E9")).crossing_id
    assert later != crossing
    lifecycle.decide(crossing, "secondary", "sup-1", "reviewed after idle")
    assert store.crossing(crossing)["state"] == "closed"


def test_presence_opens_once(lifecycle, store):
    first = lifecycle.open_on_presence("loop-1")
    assert lifecycle.open_on_presence("loop-1") == first
    assert lifecycle.record_read(read("E1")).crossing_id == first


def test_every_transition_writes_audit_and_outbox(lifecycle, store, clock):
    crossing = lifecycle.record_read(read("E1")).crossing_id
    lifecycle.record_read(read("E2"))
    clock.advance(31)
    lifecycle.flag_idle()
    lifecycle.decide(crossing, "release", "off-1")
    actions = [r["action"] for r in store.query("SELECT action FROM audit ORDER BY id")]
    assert actions == ["crossing.opened", "crossing.read", "crossing.read", "crossing.flagged_idle",
                       "crossing.departed", "crossing.decided"]
    kinds = [r["kind"] for r in store.query("SELECT kind FROM outbox WHERE kind != 'audit' ORDER BY seq")]
    assert kinds == ["crossing.opened", "read", "read", "crossing.flagged_idle", "crossing.departed", "decision"]
    # every audit entry goes upstream too, chained: the central holds the whole trail
    audit = [json.loads(r["payload"]) for r in store.query("SELECT payload FROM outbox WHERE kind = 'audit'"
                                                            " ORDER BY seq")]
    assert [a["action"] for a in audit] == actions
    assert all(later["prev_hash"] == earlier["hash"] for earlier, later in itertools.pairwise(audit))
    decision = store.query("SELECT priority FROM outbox WHERE kind = 'decision'")[0]
    assert decision["priority"] < store.query("SELECT MIN(priority) AS p FROM outbox WHERE kind = 'read'")[0]["p"]


def test_failed_write_leaves_nothing_half_done(lifecycle, store, monkeypatch):
    crossing = lifecycle.record_read(read("E1")).crossing_id
    before = store.counts()

    def broken_outbox(*args, **kwargs):
        raise RuntimeError("disk full")

    from garita.station.storage import lane_store

    monkeypatch.setattr(lane_store.Tx, "outbox", broken_outbox)
    with pytest.raises(RuntimeError):
        lifecycle.decide(crossing, "release", "off-1")
    assert store.counts() == before
    assert store.crossing(crossing)["state"] == "open"


EVENTS = st.lists(
    st.one_of(
        st.tuples(st.just("read"), st.sampled_from(["rfid", "document", "barcode", "image"])),
        st.tuples(st.just("decide"), st.sampled_from(["release", "secondary", "detain"])),
        st.tuples(st.just("wait"), st.floats(min_value=0, max_value=60)),
        st.tuples(st.just("presence"), st.none()),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=EVENTS)
def test_random_event_orders_lose_nothing(tmp_path_factory, events):
    from garita.station.storage.database import open_database
    from garita.station.storage.lane_store import LaneStore

    store = LaneStore(open_database(tmp_path_factory.mktemp("db")))
    clock = FakeClock()
    lifecycle = Lifecycle(store, "lane-1", idle_timeout_s=30, clock=clock)
    sent_reads = 0
    for index, (event, arg) in enumerate(events):
        if event == "read":
            lifecycle.record_read(read(f"V{index}", arg))
            sent_reads += 1
        elif event == "decide":
            pending = store.crossings_in_state("open") + store.crossings_in_state("flagged_idle")
            if pending:
                lifecycle.decide(pending[0]["id"], arg, "off-1")
        elif event == "wait":
            clock.advance(arg)
            lifecycle.flag_idle()
        else:
            lifecycle.open_on_presence("loop")
    clock.advance(31)
    lifecycle.flag_idle()
    assert store.counts()["reads"] == sent_reads
    assert len(store.crossings_in_state("open")) == 0
    for crossing in store.query("SELECT * FROM crossings"):
        decisions = store.query("SELECT * FROM decisions WHERE crossing_id = ?", (crossing["id"],))
        if crossing["state"] == "closed":
            assert len(decisions) == 1
        else:
            assert crossing["state"] == "flagged_idle" and decisions == []
    store.db.conn.close()
