"""Mock mode's offline central: demo feeds go through the real verification and import, once."""

from __future__ import annotations

from garita.station.config.shipped_files import packaged_file
from garita.station.mock.demo_feeds import demo_public_key_b64, publish_demo_feeds
from garita.station.watchlist.cache import Watchlist
from garita.station.watchlist.rejections import load


def test_demo_feeds_import_once_and_are_trusted_only_by_the_mock_lane(store, data_dir):
    source = packaged_file("mock-central.toml")
    assert publish_demo_feeds(source, data_dir, store) == {"watchlist": 1, "declarations": 1}
    assert publish_demo_feeds(source, data_dir, store) == {"watchlist": 1, "declarations": 1}
    assert load(data_dir / "watchlist")["counts"] == {}  # the re-run refused nothing
    hits = Watchlist(data_dir).check("X98765432")
    assert hits and hits[0].entry_id == "DEMO-D1"
    assert demo_public_key_b64() in packaged_file("mock-lane.toml").read_text()
    assert demo_public_key_b64() not in packaged_file("lane.example.toml").read_text()
