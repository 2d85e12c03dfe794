"""The risk engine inside the lane: each read re-assesses its crossing; changes land with audit and outbox."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from garita.drivers.events import DeviceRead
from garita.station.config.lane_config import LaneConfig
from garita.station.declarations import declaration_store as declaration_store
from garita.station.links.signed_feed import json_line, write_feed
from garita.station.watchlist.importer import import_file
from garita.station.wiring import wire_lane
from tests.station.test_declarations import declaration
from tests.station.watchlist_feeds import CENTRAL, KEYS, LISTED, snapshot, trust_key


def lane_config(sample_rate: float = 0.0) -> LaneConfig:
    return LaneConfig.model_validate({
        "lane": {"id": "lane-r", "port_code": "2504", "direction": "northbound"},
        "booth": {"enabled": False},
        "trust": {"keys": [trust_key()]},
        "risk": {"sample_rate": sample_rate},
    })


@pytest.fixture
def lane(tmp_path, store, data_dir):
    import_file(data_dir, snapshot(tmp_path / "wl.feed", 1, LISTED), KEYS)
    return wire_lane(lane_config(), data_dir, store, [])


def assessments(store) -> list[dict]:
    return store.query("SELECT * FROM assessments ORDER BY rowid")


def test_a_listed_plate_read_recommends_detain(lane, store):
    lane.daemon.handle_read(DeviceRead("cam", "image", "", {"plate": "BXYZ123", "plate_state": "CA"}))
    crossing_id = store.query("SELECT id FROM crossings")[0]["id"]
    [row] = assessments(store)
    assert row["recommendation"] == "detain" and row["watchlist_version"] == 1
    view = lane.booth_services.assessment(crossing_id)
    assert view["recommendation"] == "detain"
    assert view["hits"][0]["matched"] == "8XYZ123" and "ocr_confusion" in view["hits"][0]["list"]
    [audit] = store.query("SELECT detail FROM audit WHERE action = 'crossing.assessed'")
    assert json.loads(audit["detail"])["hits"] == ["P1"]
    [message] = store.query("SELECT payload, priority FROM outbox WHERE kind = 'assessment'")
    assert message["priority"] == 1 and json.loads(message["payload"])["crossing_id"] == crossing_id


def test_unchanged_assessments_are_not_written_again(lane, store):
    lane.daemon.handle_read(DeviceRead("rfid-1", "rfid", "E2003411B802011512345678"))
    lane.daemon.handle_read(DeviceRead("rfid-1", "rfid", "E2003411B802011512345678"))
    assert [r["recommendation"] for r in assessments(store)] == ["release"]
    lane.daemon.handle_read(DeviceRead("docs", "document", "G12345678", {"issuing_state": "MEX"}))
    assert [r["recommendation"] for r in assessments(store)] == ["release", "detain"]  # appended, never updated


def test_declaration_discrepancy_reaches_the_booth(tmp_path, lane, store, data_dir):
    now = datetime.now(UTC)
    window = {"arrival_from": (now - timedelta(hours=1)).isoformat(),
              "arrival_until": (now + timedelta(hours=1)).isoformat()}
    write_feed(tmp_path / "d.feed", "declarations", "snapshot", 1, [json_line(declaration(**window))], CENTRAL)
    declaration_store.import_declarations(store, data_dir, tmp_path / "d.feed", KEYS)
    lane.daemon.handle_read(DeviceRead("scan", "barcode", "ABCD2403150001", {"type": "paps"}))
    lane.daemon.handle_read(DeviceRead("cam", "image", "", {"containers": ["MSCU6639870"]}))
    crossing_id = store.query("SELECT id FROM crossings")[0]["id"]
    view = lane.booth_services.assessment(crossing_id)
    assert view["recommendation"] == "secondary"
    assert [d["field"] for d in view["declaration"]["discrepancies"]] == ["container", "container"]
    assert assessments(store)[-1]["declaration_id"] == "DEC-1"


def test_commercial_crossing_without_declaration(lane, store):
    lane.daemon.handle_read(DeviceRead("scan", "barcode", "WXYZ9999999", {"type": "paps"}))
    assert assessments(store)[-1]["recommendation"] == "secondary"
    assert "declaration_missing" in assessments(store)[-1]["detail"]


def test_sample_is_drawn_once_per_crossing(tmp_path, store, data_dir):
    import_file(data_dir, snapshot(tmp_path / "wl.feed", 1, LISTED), KEYS)
    sampled = wire_lane(lane_config(sample_rate=1.0), data_dir, store, [])
    sampled.daemon.handle_read(DeviceRead("rfid-1", "rfid", "E200"))
    sampled.daemon.handle_read(DeviceRead("docs", "document", "G12345678", {"issuing_state": "MEX"}))
    draws = {json.dumps(json.loads(r["detail"])["sample"]) for r in assessments(store)}
    assert len(assessments(store)) == 2 and len(draws) == 1


def test_no_watchlist_is_shown_as_stale_and_the_lane_goes_on(store, data_dir):
    bare = wire_lane(lane_config(), data_dir, store, [])
    bare.daemon.handle_read(DeviceRead("rfid-1", "rfid", "E200"))
    assert bare.daemon.stats.reads == 1
    [row] = assessments(store)
    assert row["recommendation"] == "release" and "watchlist-stale" in row["detail"]
