"""Mock mode's offline central: demo feeds go through the real verification and import, once."""

from __future__ import annotations

import logging

from garita.station.config.loader import load_config
from garita.station.config.shipped_files import packaged_file
from garita.station.mock.demo_feeds import demo_public_key_b64, publish_demo_feeds
from garita.station.watchlist.cache import Watchlist
from garita.station.watchlist.rejections import load


def test_demo_feeds_import_once_and_are_trusted_only_by_the_mock_lane(store, data_dir):
    source, ring = packaged_file("mock-central.toml"), load_config(packaged_file("mock-lane.toml")).trust.ring()
    assert publish_demo_feeds(source, data_dir, store, ring) == {"watchlist": 1, "declarations": 1}
    assert publish_demo_feeds(source, data_dir, store, ring) == {"watchlist": 1, "declarations": 1}
    assert load(data_dir / "watchlist")["counts"] == {}  # the re-run refused nothing
    hits = Watchlist(data_dir).check("X98765432")
    assert hits and hits[0].entry_id == "DEMO-D1"
    assert demo_public_key_b64() in packaged_file("mock-lane.toml").read_text()
    assert demo_public_key_b64() not in packaged_file("lane.example.toml").read_text()


def test_a_lane_that_does_not_trust_the_demo_key_gets_no_demo_feeds(store, data_dir, caplog):
    real = load_config(packaged_file("lane.example.toml")).trust.ring()
    with caplog.at_level(logging.INFO, logger="garita.mock"):
        assert publish_demo_feeds(packaged_file("mock-central.toml"), data_dir, store, real) == {}
    (skipped,) = [r for r in caplog.records if r.msg == "mock.feeds_skipped"]
    assert "unknown_key" in str(vars(skipped))
    assert load(data_dir / "watchlist")["counts"] == {}  # skipped, not refused: nothing to count
