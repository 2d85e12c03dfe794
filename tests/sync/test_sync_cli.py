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
def test_bench_sync_loses_nothing():
    result = garita("bench", "sync", "--events", "500", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["lost"] == 0 and figures["duplicates_at_consumer"] == 0 and figures["events_per_s"] > 0
