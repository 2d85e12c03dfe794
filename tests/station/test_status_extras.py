"""The booth's status strip gets the watchlist's real version and age from the lane."""

from __future__ import annotations

from garita.station.booth.status import status_strip
from garita.station.config.lane_config import LaneConfig
from garita.station.watchlist.importer import import_file
from garita.station.wiring import wire_lane
from tests.station.watchlist_feeds import KEYS, LISTED, snapshot

CONFIG = LaneConfig.model_validate({
    "lane": {"id": "lane-s", "port_code": "2504", "direction": "northbound"},
    "booth": {"enabled": False},
})


def test_strip_shows_no_watchlist_then_the_imported_one(store, data_dir, tmp_path):
    booth = wire_lane(CONFIG, data_dir, store, []).booth_services
    empty = status_strip(booth)["watchlist"]
    assert empty["version"] is None and empty["stale"] is True
    import_file(data_dir, snapshot(tmp_path / "wl.feed", 7, LISTED), KEYS)
    fresh = status_strip(booth)["watchlist"]
    assert fresh["version"] == 7 and fresh["stale"] is False and 0 <= fresh["age_s"] < 60
    assert status_strip(booth)["uplink"]["state"] == "off"  # MQTT not configured
