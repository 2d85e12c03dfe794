"""The booth's status strip gets the watchlist's real version and age from the lane."""

from __future__ import annotations

from garita.station.booth.status import status_strip
from garita.station.config.lane_config import LaneConfig
from garita.station.core.daemon import LaneDaemon
from garita.station.watchlist.importer import import_file
from tests.station.watchlist_feeds import KEYS, LISTED, snapshot

CONFIG = LaneConfig.model_validate({
    "lane": {"id": "lane-s", "port_code": "2504", "direction": "northbound"},
    "booth": {"enabled": False},
})


def test_strip_shows_no_watchlist_then_the_imported_one(store, data_dir, tmp_path):
    lane = LaneDaemon(CONFIG, data_dir, store, [])
    empty = status_strip(lane)["watchlist"]
    assert empty["version"] is None and empty["stale"] is True
    import_file(data_dir, snapshot(tmp_path / "wl.feed", 7, LISTED), KEYS)
    fresh = status_strip(lane)["watchlist"]
    assert fresh["version"] == 7 and fresh["stale"] is False and 0 <= fresh["age_s"] < 60
    assert status_strip(lane)["uplink"]["state"] == "off"  # MQTT not configured
