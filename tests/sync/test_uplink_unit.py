"""The uplink's rules with a fake publisher and clock: PUBACK before delete, window, rate, live first, expiry."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime, timedelta, timezone

from garita.station.storage.outbox_repo import LaneStoreOutbox
from garita.sync.topics import LaneTopics
from garita.sync.uplink import Uplink, UplinkSettings, UplinkStats
from tests.sync.helpers import add_events, lane_store, unsent


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


TOPICS = LaneTopics("2504", "lane-03")


def _uplink(store, clock=None, wall_clock=None, **settings):
    publisher = FakePublisher()
    uplink = Uplink(LaneStoreOutbox(store), TOPICS, publisher, UplinkSettings(**settings), clock=clock or Clock(),
                    **({"wall_clock": wall_clock} if wall_clock else {}))
    return uplink, publisher


def _seqs(publisher: FakePublisher) -> list[int]:
    return [json.loads(p)["seq"] for _, _, p, _ in publisher.sent]


def test_nothing_is_marked_sent_until_its_puback_and_a_refusal_is_resent(data_dir):
    store = lane_store(data_dir)
    add_events(store, 3)
    uplink, publisher = _uplink(store, batch_max_events=1)
    assert uplink.pump() == 3 and unsent(store) == 3
    assert uplink.pump() == 0  # in flight: not published twice
    uplink.on_puback(1, True)
    uplink.on_puback(2, False)  # e.g. "not authorized" from the broker
    uplink.pump()
    assert unsent(store) == 2 and uplink.stats.refused_events == 1
    assert [json.loads(p)["seq"] for _, _, p, _ in publisher.sent] == [1, 2, 3, 2]
    assert uplink.inflight == 2  # seq 3, still unanswered, and seq 2 again
    assert uplink.stats == UplinkStats(published_events=4, published_messages=4, acked_events=1, refused_events=1)
    assert all("stale" not in json.loads(p) for _, _, p, _ in publisher.sent)  # only an alert can be stale


def test_acks_and_refusals_add_up_over_pumps_and_a_presence_ack_holds_nothing_up(data_dir):
    store = lane_store(data_dir)
    add_events(store, 4)
    uplink, publisher = _uplink(store, batch_max_events=1)
    uplink.pump()
    uplink.on_puback(99, True)  # the presence message's PUBACK: not an outbox row
    uplink.on_puback(1, True)
    uplink.pump()
    assert unsent(store) == 3
    uplink.on_puback(2, True)
    uplink.on_puback(3, False)
    uplink.on_puback(4, False)
    uplink.pump()
    assert uplink.stats.acked_events == 2 and uplink.stats.refused_events == 2
    assert _seqs(publisher) == [1, 2, 3, 4, 3, 4]


def test_live_rows_in_flight_do_not_hide_newer_live_rows(data_dir):
    store = lane_store(data_dir)
    add_events(store, 3, kind="decision", priority=1)
    uplink, publisher = _uplink(store, max_inflight=8)
    uplink.pump()
    add_events(store, 2, kind="decision", priority=1)
    assert uplink.pump() == 2 and _seqs(publisher) == [1, 2, 3, 4, 5]


def test_a_lone_backlog_row_goes_as_an_event_more_as_one_batch_and_a_refused_batch_again(data_dir):
    store = lane_store(data_dir)
    add_events(store, 1, priority=2)  # the first priority after the live ones: backlog
    uplink, publisher = _uplink(store, batch_max_events=2)
    uplink.pump()
    add_events(store, 2)
    uplink.pump()
    assert [topic for _, topic, _, _ in publisher.sent] == [TOPICS.up("read"), TOPICS.up("batch")]
    assert [e["seq"] for e in json.loads(zlib.decompress(publisher.sent[1][2]))["events"]] == [2, 3]
    uplink.on_puback(1, True)
    uplink.on_puback(2, False)
    uplink.pump()
    assert publisher.sent[2][1:3] == publisher.sent[1][1:3] and unsent(store) == 2


def test_alert_expiry_counts_from_creation_in_any_offset_and_at_the_limit_the_alert_is_stale(data_dir):
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    store = lane_store(data_dir)
    alert = {"lane": "lane-03", "reason": "watchlist"}
    with store.transaction() as tx:
        tx.outbox((now - timedelta(seconds=100)).astimezone(timezone(timedelta(hours=-6))), "alert", alert, 0)
        tx.outbox((now - timedelta(seconds=299.5)).replace(tzinfo=None), "alert", alert, 0)  # naive: UTC
        tx.outbox(now - timedelta(seconds=300), "alert", alert, 0)
        tx.outbox(now - timedelta(seconds=900), "alert", alert, 0)
    uplink, publisher = _uplink(store, wall_clock=lambda: now, alert_expiry_s=300)
    uplink.pump()
    assert [expiry for *_, expiry in publisher.sent] == [200, 1, None, None]
    assert [json.loads(p).get("stale", False) for _, _, p, _ in publisher.sent] == [False, False, True, True]
    assert uplink.stats.stale_alerts == 2


def test_the_window_bounds_messages_in_flight(data_dir):
    store = lane_store(data_dir)
    add_events(store, 100)
    uplink, publisher = _uplink(store, max_inflight=8, batch_max_events=1)
    uplink.pump()
    assert len(publisher.sent) == 6  # a quarter of the window is kept for live messages
    add_events(store, 3, priority=2)  # one below decisions: backlog, not the kept slots
    uplink.pump()
    assert len(publisher.sent) == 6
    add_events(store, 5, kind="decision", priority=1)
    uplink.pump()
    assert len(publisher.sent) == 8 and json.loads(publisher.sent[-1][2])["kind"] == "decision"


def test_a_small_window_still_keeps_one_slot_for_live_messages(data_dir):
    store = lane_store(data_dir)
    add_events(store, 10)
    uplink, publisher = _uplink(store, max_inflight=4, batch_max_events=1)
    uplink.pump()
    assert len(publisher.sent) == 3
    add_events(store, 2, kind="alert", priority=0)
    uplink.pump()
    assert [json.loads(p)["kind"] for _, _, p, _ in publisher.sent] == ["read"] * 3 + ["alert"]
    assert uplink.pump() == 0  # the window is full


def test_unbatched_backlog_sends_a_tenth_of_a_seconds_worth_per_wake_up_and_at_least_one(data_dir):
    store, clock = lane_store(data_dir), Clock()
    add_events(store, 300)
    uplink, _ = _uplink(store, clock, backlog_rate_per_s=1000, batch_max_events=1, max_inflight=1000)
    assert uplink.pump() == 100
    slow, _ = _uplink(lane_store(data_dir), clock, backlog_rate_per_s=5, batch_max_events=1)
    assert slow.pump() == 1  # a slow rate still sends one at a time, never nothing or a burst
    clock.now += 0.1
    assert slow.pump() == 0  # half a token
    clock.now += 0.1
    assert slow.pump() == 1


def test_the_backlog_drains_at_the_configured_rate_in_batches(data_dir):
    store, clock = lane_store(data_dir), Clock()
    add_events(store, 1000)
    uplink, publisher = _uplink(store, clock, backlog_rate_per_s=100, batch_max_events=50, max_inflight=1000)
    uplink.pump()
    assert uplink.stats.published_events == 50 and publisher.sent[0][1].endswith("/up/batch")
    clock.now = 2.0  # two seconds: 200 more tokens, but the bucket holds one batch
    uplink.pump()
    assert uplink.stats.published_events == 100
    for _ in range(9):
        clock.now += 0.5
        uplink.pump()
    assert uplink.stats.published_events == 550


def test_alerts_carry_their_remaining_expiry_and_stale_ones_are_marked(data_dir):
    store = lane_store(data_dir)
    now = datetime.now(UTC)
    with store.transaction() as tx:
        tx.outbox(now - timedelta(seconds=100), "alert", {"lane": "lane-03", "reason": "watchlist"}, 0)
        tx.outbox(now - timedelta(seconds=900), "alert", {"lane": "lane-03", "reason": "watchlist"}, 0)
    uplink, publisher = _uplink(store, alert_expiry_s=300)
    uplink.pump()
    (_, _, fresh, expiry), (_, _, old, no_expiry) = publisher.sent
    assert 195 <= expiry <= 201 and "stale" not in json.loads(fresh)
    assert no_expiry is None and json.loads(old)["stale"] is True


def test_nothing_is_published_while_disconnected(data_dir):
    store = lane_store(data_dir)
    add_events(store, 5)
    uplink, publisher = _uplink(store)
    publisher.up = False
    assert uplink.pump() == 0 and publisher.sent == []


def test_a_resend_request_publishes_delivered_rows_again_and_reports_what_was_pruned(data_dir):
    store = lane_store(data_dir)
    add_events(store, 10)
    uplink, publisher = _uplink(store, batch_max_events=1)
    uplink.pump()
    for mid in range(1, 11):
        uplink.on_puback(mid, True)
    uplink.pump()
    assert unsent(store) == 0
    LaneStoreOutbox(store).prune_sent("9999")  # retention took everything...
    add_events(store, 3, start=10)  # ...and the lane went on (seq 11-13)
    uplink.pump()
    for mid in range(11, 14):
        uplink.on_puback(mid, True)
    uplink.pump()
    assert uplink.resend([(4, 6), (12, 12)]) == (1, 3)  # 4-6 are gone: said, not invented
    uplink.pump()
    assert [json.loads(p)["seq"] for _, _, p, _ in publisher.sent][13:] == [12]
    assert uplink.stats.resent_events == 1
    assert uplink.resend([(11, 11), (13, 13)]) == (2, 0)  # every range counts; 12 is in flight, not requeued
    uplink.pump()
    assert [json.loads(p)["seq"] for _, _, p, _ in publisher.sent][14:] == [11, 13]
    assert uplink.stats.resent_events == 3
