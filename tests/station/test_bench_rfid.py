"""`garita bench rfid` runs and reports every figure (the figures themselves are not asserted)."""

from __future__ import annotations

from garita.station.bench.rfid_latency import RECONNECT_FAULTS, run_bench
from tests.station.test_cli import garita


def test_bench_reads_every_tag_and_recovers_from_every_fault():
    result = run_bench(tags=20, rounds=1)
    assert [r["read"] for r in result["latency"]] == [20, 20]
    assert all(r["p50_ms"] <= r["p95_ms"] for r in result["latency"])
    assert [(r["fault"], r["recovered"]) for r in result["reconnect"]] == [(f, 1) for f in RECONNECT_FAULTS]


def test_bench_command_prints_tables():
    result = garita("bench", "rfid", "--tags", "10", "--rounds", "1")
    assert result.returncode == 0, result.stderr
    assert "llrp" in result.stdout and "alien (notify, baseline)" in result.stdout
    assert "refuse_rospec" in result.stdout and "1/1" in result.stdout
