"""`garita keys new` and `garita bench sync` as port IT runs them."""

from __future__ import annotations

import json

from tests.station.test_cli import garita
from tests.sync.conftest import needs_mosquitto


def test_keys_new_writes_a_pair_and_never_overwrites(tmp_path):
    private, public = tmp_path / "central.pem", tmp_path / "central.pub"
    assert garita("keys", "new", str(private), str(public)).returncode == 0
    assert private.stat().st_mode & 0o777 == 0o600 and b"PUBLIC KEY" in public.read_bytes()
    again = garita("keys", "new", str(private), str(public))
    assert again.returncode == 2 and "refusing to overwrite" in again.stderr


@needs_mosquitto
def test_bench_sync_measures_both_ways_and_loses_nothing():
    result = garita("bench", "sync", "--events", "300", "--batch", "100", "--runs", "2", "--samples", "20", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert [s["batch"] for s in figures["settings"]] == [1, 100]  # event by event and batched, both ways
    for setting in figures["settings"]:
        assert setting["lost"] == 0 and setting["duplicates_at_consumer"] == 0
        for side in ("ours_events_per_s", "baseline_events_per_s"):
            spread = setting[side]
            assert 0 < spread["min"] <= spread["median"] <= spread["max"]
        assert setting["sqlite_us_per_event"] > 0 and 0 < setting["sqlite_share"] <= 1  # a part of ours
    assert figures["runs"] == 2 and figures["live_puback_ms_p95"] is None  # 20 samples are too few for a p95
    assert "the baseline publishes the same rows from memory" in figures["differs"]


def test_a_percentile_needs_samples_above_it():
    from garita.station.bench.sync_link import percentile

    assert percentile(list(range(100)), 95) == 95 and percentile(list(range(99)), 95) is None
    assert percentile(list(range(500)), 99) == 495 and percentile(list(range(100)), 99) is None
