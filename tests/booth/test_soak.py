"""The short soak (issue 17): ~40 s of mock traffic under injected faults; nothing lost, bounded fds and memory."""

from __future__ import annotations

from tests.booth.soak import report, soak

SOAK_S = 40  # the full soak is `python -m tests.booth.soak --minutes 30`, by hand


def test_short_soak_loses_nothing(tmp_path) -> None:
    figures = soak(SOAK_S, tmp_path)
    print("\n" + report(figures))
    assert figures.vehicles >= 10 and sum(figures.faults.values()) >= 2
    assert figures.reads_lost == 0 and figures.decisions_lost == 0
    assert figures.decisions_acknowledged == figures.vehicles
    assert figures.fds_end < figures.fds_start + 50 and figures.fds_peak < 450
    assert figures.rss_end_mb - figures.rss_start_mb < 100
