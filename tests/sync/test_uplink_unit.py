"""The uplink's rules with a fake publisher and clock over the in-memory outbox.

PUBACK before delete, the window, the rate, live first, alert expiry, resends.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from garita.sync.topics import LaneTopics
from garita.sync.uplink import Uplink, UplinkSettings
from tests.sync.dummy_outbox import DummyOutbox


class FakePublisher:
    def __init__(self) -> None:
        self.sent: list[tuple[int, str, bytes, int | None]] = []
        self.up = True

    def connected(self) -> bool:
        return self.up

    def publish(self, topic: str, payload: bytes, *, expiry_s: int | None = None, compressed: bool = False) -> int:
        self.sent.append((len(self.sent) + 1, topic, payload, expiry_s))
        return len(self.sent)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def add_events(outbox: DummyOutbox, count: int, kind: str = "read", priority: int = 5, start: int = 0) -> list[str]:
    return [outbox.add(kind, {"lane": "lane-03", "n": n}, priority) for n in range(start, start + count)]


def _uplink(outbox: DummyOutbox, clock=None, **settings):
    publisher = FakePublisher()
    uplink = Uplink(outbox, LaneTopics("2504", "lane-03"), publisher, UplinkSettings(**settings),
                    clock=clock or Clock())
    return uplink, publisher


def test_nothing_is_marked_sent_until_its_puback_and_a_refusal_is_resent():
    outbox = DummyOutbox()
    add_events(outbox, 3)
    uplink, publisher = _uplink(outbox, batch_max_events=1)
    assert uplink.pump() == 3 and outbox.unsent() == 3
    assert uplink.pump() == 0  # in flight: not published twice
    uplink.on_puback(1, True)
    uplink.on_puback(2, False)  # e.g. "not authorized" from the broker
    uplink.pump()
    assert outbox.unsent() == 2 and uplink.stats.refused_events == 1
    assert [json.loads(p)["seq"] for _, _, p, _ in publisher.sent] == [1, 2, 3, 2]


def test_the_window_bounds_messages_in_flight():
    outbox = DummyOutbox()
    add_events(outbox, 100)
    uplink, publisher = _uplink(outbox, max_inflight=8, batch_max_events=1)
    uplink.pump()
    assert len(publisher.sent) == 6  # a quarter of the window is kept for live messages
    add_events(outbox, 5, kind="decision", priority=1)
    uplink.pump()
    assert len(publisher.sent) == 8 and json.loads(publisher.sent[-1][2])["kind"] == "decision"


def test_the_backlog_drains_at_the_configured_rate_in_batches():
    outbox, clock = DummyOutbox(), Clock()
    add_events(outbox, 1000)
    uplink, publisher = _uplink(outbox, clock, backlog_rate_per_s=100, batch_max_events=50, max_inflight=1000)
    uplink.pump()
    assert uplink.stats.published_events == 50 and publisher.sent[0][1].endswith("/up/batch")
    clock.now = 2.0  # two seconds: 200 more tokens, but the bucket holds one batch
    uplink.pump()
    assert uplink.stats.published_events == 100
    for _ in range(9):
        clock.now += 0.5
        uplink.pump()
    assert uplink.stats.published_events == 550


def test_alerts_carry_their_remaining_expiry_and_stale_ones_are_marked():
    outbox = DummyOutbox()
    now = datetime.now(UTC)
    outbox.add("alert", {"lane": "lane-03", "reason": "watchlist"}, 0, now - timedelta(seconds=100))
    outbox.add("alert", {"lane": "lane-03", "reason": "watchlist"}, 0, now - timedelta(seconds=900))
    uplink, publisher = _uplink(outbox, alert_expiry_s=300)
    uplink.pump()
    (_, _, fresh, expiry), (_, _, old, no_expiry) = publisher.sent
    assert 195 <= expiry <= 201 and "stale" not in json.loads(fresh)
    assert no_expiry is None and json.loads(old)["stale"] is True


def test_nothing_is_published_while_disconnected():
    outbox = DummyOutbox()
    add_events(outbox, 5)
    uplink, publisher = _uplink(outbox)
    publisher.up = False
    assert uplink.pump() == 0 and publisher.sent == []


def test_a_resend_request_publishes_delivered_rows_again_and_reports_what_was_pruned():
    outbox = DummyOutbox()
    add_events(outbox, 10)
    uplink, publisher = _uplink(outbox, batch_max_events=1)
    uplink.pump()
    for mid in range(1, 11):
        uplink.on_puback(mid, True)
    uplink.pump()
    assert outbox.unsent() == 0
    outbox.prune_sent("9999")  # retention took everything...
    add_events(outbox, 3, start=10)  # ...and the lane went on (seq 11-13)
    uplink.pump()
    for mid in range(11, 14):
        uplink.on_puback(mid, True)
    uplink.pump()
    assert uplink.resend([(4, 6), (12, 12)]) == (1, 3)  # 4-6 are gone: said, not invented
    uplink.pump()
    assert [json.loads(p)["seq"] for _, _, p, _ in publisher.sent][13:] == [12]
    assert uplink.stats.resent_events == 1
