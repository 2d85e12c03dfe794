"""When the central asks a lane to resend a sequence gap: after a grace period, then now and then, not forever."""

from __future__ import annotations

from garita.sync.central.gaps import MAX_RANGES, GapWatch

LANE = ("2504", "lane-03")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_gap_is_asked_for_after_the_grace_period_then_every_retry_then_given_up():
    clock = Clock()
    watch = GapWatch(grace_s=5, retry_s=30, max_requests=2, clock=clock)
    assert watch.due(LANE, [(3, 4)]) == []  # live-first reorders: a young gap is normal
    clock.now += 5
    assert watch.due(LANE, [(3, 4)]) == [(3, 4)]
    clock.now += 10
    assert watch.due(LANE, [(3, 4)]) == []
    clock.now += 20
    assert watch.due(LANE, [(3, 4)]) == [(3, 4)]
    clock.now += 60
    assert watch.due(LANE, [(3, 4)]) == [] and watch.abandoned == 1
    clock.now += 60
    assert watch.due(LANE, [(3, 4)]) == [] and watch.abandoned == 1


def test_a_filled_gap_is_forgotten_and_a_new_one_waits_its_own_grace():
    clock = Clock()
    watch = GapWatch(grace_s=5, clock=clock)
    watch.due(LANE, [(3, 4)])
    clock.now += 5
    assert watch.due(LANE, [(9, 9)]) == []
    clock.now += 5
    assert watch.due(LANE, [(9, 9)]) == [(9, 9)]
    assert watch.due(("2504", "lane-04"), [(1, 1)]) == []  # lanes are watched apart


def test_one_request_carries_at_most_what_the_schema_allows():
    clock = Clock()
    watch = GapWatch(grace_s=0, clock=clock)
    gaps = [(n * 2, n * 2) for n in range(1, 300)]
    first = watch.due(LANE, gaps)
    assert len(first) == MAX_RANGES
    assert watch.due(LANE, gaps) == gaps[MAX_RANGES : 2 * MAX_RANGES]  # the next round asks for the next ones
