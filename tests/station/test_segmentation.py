"""Crossing segmentation: one vehicle, one crossing, over random interleavings of scripted vehicles."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from garita.station.core import segmentation as seg
from garita.station.core.lifecycle import IllegalTransition, Lifecycle, ReadIn
from garita.station.storage.database import open_database
from garita.station.storage.lane_store import LaneStore
from tests.station.segmentation_sim import MODES, play, schedule, vehicles

NOW = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def figures():
    """Totals over every generated script, printed for the record (pytest -s)."""
    totals = Counter()
    yield totals
    print(f"\nsegmentation: {totals['scripts']} scripts, {totals['vehicles']} scripted vehicles, "
          f"{totals['crossings']} crossings made, {totals['reads']} reads ({totals['stored']} stored), "
          f"{totals['misattached']} misattached, {totals['ambiguous']} marked for the officer")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(script=vehicles(), mode=st.sampled_from(MODES), data=st.data(),
       decisions=st.lists(st.floats(0, 1), max_size=8))
def test_random_interleavings_lose_nothing_and_misattach_nothing(tmp_path_factory, figures, script, mode, data,
                                                                 decisions):
    store = LaneStore(open_database(tmp_path_factory.mktemp("db")))
    try:
        result = play(store, schedule(script, mode, data.draw, decisions), mode, len(script))
    finally:
        store.db.conn.close()
    figures.update(scripts=1, vehicles=result.vehicles, crossings=result.crossings, reads=result.reads,
                   stored=result.reads_stored, misattached=result.misattached, ambiguous=result.ambiguous)
    assert result.reads_stored == result.reads, "a read was lost"
    assert result.misattached == 0, result
    assert result.split_vehicles == 0, result
    assert result.crossings == len(script), result


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


def _lane(store, clock, presence=True):
    return Lifecycle(store, "lane-1", idle_timeout_s=300, clock=clock, presence=presence, late_read_s=5)


def _read(kind, value, **data):
    return ReadIn("dev", kind, value, data, NOW)


def test_undecided_vehicle_keeps_its_reads_and_the_next_queues_behind(store, clock):
    lane = _lane(store, clock)
    first = lane.record_read(_read("rfid", "E2003411B802011512345678")).crossing_id
    lane.record_read(_read("document", "L898902C3"))
    lane.vehicle_left("rfid-1", "E2003411B802011512345678")
    clock.now += timedelta(seconds=8)
    second = lane.record_read(_read("rfid", "3000214160C00400000006013"[:24]))
    assert second.opened and second.crossing_id != first
    passport = lane.record_read(_read("document", "G12345678"))
    assert passport.crossing_id == second.crossing_id
    assert [c["id"] for c in store.crossings_in_state("open")] == [first, second.crossing_id]
    assert [r["value"] for r in store.reads_of(first)] == ["E2003411B802011512345678", "L898902C3"]


def test_document_after_departure_joins_the_last_vehicle_marked(store, clock):
    lane = _lane(store, clock)
    first = lane.record_read(_read("rfid", "E2003411B802011512345678")).crossing_id
    lane.vehicle_left("rfid-1", "E2003411B802011512345678")
    clock.now += timedelta(seconds=2)
    late = lane.record_read(_read("document", "L898902C3"))
    assert late.crossing_id == first
    row = store.read(late.read_id)
    assert row["rule"] == seg.AFTER_DEPARTURE and row["ambiguous"] == 1
    clock.now += timedelta(seconds=10)  # past late_read_s: the next vehicle's
    assert lane.record_read(_read("document", "X1")).opened


def test_second_plate_while_present_is_attached_and_marked(store, clock):
    lane = _lane(store, clock)
    first = lane.record_read(_read("plate", "8XYZ123")).crossing_id
    other = lane.record_read(_read("plate", "AX37762"))
    assert other.crossing_id == first
    assert store.read(other.read_id)["rule"] == seg.SECOND_PLATE and store.read(other.read_id)["ambiguous"]
    misread = lane.record_read(_read("plate", "8XYZ128"))
    assert store.read(misread.read_id)["rule"] == seg.SIMILAR_PLATE


def test_without_presence_a_different_plate_is_the_next_vehicle(store, clock):
    lane = _lane(store, clock, presence=False)
    first = lane.record_read(_read("plate", "8XYZ123")).crossing_id
    lane.record_read(_read("document", "L898902C3"))
    second = lane.record_read(_read("plate", "ABC1234"))
    assert second.opened
    assert lane.record_read(_read("document", "G1")).crossing_id == second.crossing_id
    assert lane.record_read(_read("plate", "8XYZ123")).crossing_id == first  # a late re-read goes home
    assert store.crossing(first)["departed_at"] is not None


def test_plate_read_late_from_an_image_goes_to_the_image_vehicle(store, clock):
    lane = _lane(store, clock)
    image = lane.record_read(_read("image", ""))
    lane.vehicle_left("plate-cam")
    clock.now += timedelta(seconds=3)
    second = lane.record_read(_read("image", ""))
    assert second.opened
    plate = lane.record_read(_read("plate", "8XYZ123", image_read_id=image.read_id), into=image.crossing_id)
    assert plate.crossing_id == image.crossing_id


def test_officer_moves_a_read_and_it_is_audited(store, clock):
    lane = _lane(store, clock)
    first = lane.record_read(_read("rfid", "E2003411B802011512345678")).crossing_id
    doc = lane.record_read(_read("document", "L898902C3"))
    lane.vehicle_left("rfid-1", "E2003411B802011512345678")
    second = lane.record_read(_read("rfid", "300021416" + "0C00400000006013")).crossing_id
    assert lane.move_read(doc.read_id, second, "officer:off-1", "passport of the driver behind") == second
    assert store.read(doc.read_id)["crossing_id"] == second
    assert store.read(doc.read_id)["rule"] == seg.MOVED
    audit = store.query("SELECT actor, detail FROM audit WHERE action = 'read.moved'")
    assert audit[0]["actor"] == "officer:off-1" and first in audit[0]["detail"]
    own = lane.move_read(doc.read_id, None, "officer:off-1")
    assert own not in (first, second) and store.read(doc.read_id)["crossing_id"] == own
    lane.decide(first, "release", "off-1", recommendation=None)
    with pytest.raises(IllegalTransition):
        lane.move_read(store.reads_of(first)[0]["id"], second, "officer:off-1")


def test_unit_rules_two_plates_one_apart_are_two_vehicles_once_the_first_left():
    gone = seg.Candidate("a", None, NOW - timedelta(seconds=2), NOW, frozenset({"8XYZ123"}))
    placed = seg.place(seg.Incoming("plate", "8XYZ124"), [gone], NOW, presence=True, late_s=5)
    assert placed == seg.Placement(None, seg.NEW_VEHICLE)
