"""Uplink against a real Mosquitto: PUBACK before delete, outages, duplicates, live-first."""

from __future__ import annotations

from tests.sync.conftest import needs_mosquitto
from tests.sync.dummy_outbox import DummyOutbox
from tests.sync.helpers import LANE, PORT, add_events, lane_store, make_link, pump_until, unsent

pytestmark = needs_mosquitto


def _all_there(central, count: int) -> bool:
    return central.store.count() == count


def test_rows_leave_only_after_puback_and_presence_follows_the_link(broker_settings, central):
    outbox = DummyOutbox()
    add_events(outbox, 30)
    add_events(outbox, 2, kind="decision", priority=1)
    link = make_link(outbox, broker_settings())
    link.start()
    try:
        pump_until(link, lambda: unsent(outbox) == 0)
        assert link.uplink.stats.acked_events == 32
        assert central.wait_until(lambda: _all_there(central, 32))
        assert central.wait_until(lambda: central.store.presence(PORT, LANE) == "online")
    finally:
        link.stop()
    assert central.wait_until(lambda: central.store.presence(PORT, LANE) == "stopped")
    assert central.store.gaps(PORT, LANE) == [] and central.store.duplicates == 0


def test_broker_outage_loses_nothing_and_doubles_nothing(broker, broker_settings, central):
    outbox = DummyOutbox()
    link = make_link(outbox, broker_settings(), batch_max_events=50)
    link.start()
    try:
        add_events(outbox, 40)
        pump_until(link, lambda: unsent(outbox) == 0)
        broker.stop()  # the port loses its link ...
        pump_until(link, lambda: not link.connected())
        add_events(outbox, 300, start=40)  # ... and the lane keeps working
        for _ in range(5):
            link.pump()
        assert unsent(outbox) == 300  # nothing is marked sent without a PUBACK
        broker.start()
        pump_until(link, lambda: unsent(outbox) == 0)
        assert central.wait_until(lambda: _all_there(central, 340))
    finally:
        link.stop()
    assert central.store.seqs(PORT, LANE) == list(range(1, 341))
    assert central.store.seqs(PORT, LANE, by_arrival=True) == list(range(1, 341))  # one priority: arrival = seq
    assert central.store.gaps(PORT, LANE) == []
    assert link.stats.disconnects >= 1 and link.stats.connects >= 2


def test_broker_outage_mid_flight_resends_and_the_central_drops_the_repeats(broker, broker_settings, central):
    outbox = DummyOutbox()
    add_events(outbox, 2000)
    link = make_link(outbox, broker_settings(), batch_max_events=20, max_inflight=16)
    link.start()
    try:
        pump_until(link, lambda: central.store.count() > 200)
        broker.stop()  # messages are in flight now: some reached the central, their PUBACK did not reach us
        pump_until(link, lambda: not link.connected())
        broker.start()
        pump_until(link, lambda: unsent(outbox) == 0, timeout_s=40)
        assert central.wait_until(lambda: _all_there(central, 2000))
    finally:
        link.stop()
    assert central.store.seqs(PORT, LANE) == list(range(1, 2001))
    assert central.store.gaps(PORT, LANE) == []


def test_a_lane_that_crashed_before_recording_pubacks_resends_and_the_central_keeps_one(broker_settings, central,
                                                                                       data_dir):
    store = lane_store(data_dir)  # the real table: what a restarted lane finds
    add_events(store, 100)
    first = make_link(store, broker_settings(), batch_max_events=10)
    first.start()
    pump_until(first, lambda: first.uplink.stats.published_events == 100)
    assert central.wait_until(lambda: _all_there(central, 100))
    first.client.loop_stop()  # crash: PUBACKs never reach the database, no DISCONNECT is sent
    first.client.socket().close()
    assert unsent(store) == 100 - first.uplink.stats.acked_events
    second = make_link(store, broker_settings())
    second.start()
    try:
        pump_until(second, lambda: unsent(store) == 0)
        assert central.wait_until(lambda: central.store.duplicates >= second.uplink.stats.acked_events)
    finally:
        second.stop()
    assert central.store.count() == 100 and central.store.gaps(PORT, LANE) == []


def test_decisions_and_alerts_jump_a_rate_limited_backlog(broker_settings, central):
    outbox = DummyOutbox()
    add_events(outbox, 400)  # the backlog after an outage
    # 100 events/s: slow enough that even a busy CI machine cannot drain the backlog before the check.
    link = make_link(outbox, broker_settings(), backlog_rate_per_s=100, batch_max_events=20)
    link.start()
    try:
        pump_until(link, lambda: central.store.count() >= 20)
        decision, alert = add_events(outbox, 1, kind="decision", priority=1)[0], add_events(outbox, 1, "alert", 0)[0]
        pump_until(link, lambda: central.store.count() >= 60)
        arrival = [row["id"] for row in sorted(central.store.events(PORT, LANE), key=lambda r: r["arrival"])]
        assert {decision, alert} <= set(arrival[:60])  # ahead of ~340 older reads
        assert central.store.count() < 400  # the backlog is still draining at its bounded rate
        pump_until(link, lambda: unsent(outbox) == 0, timeout_s=30)
        assert central.wait_until(lambda: _all_there(central, 402))
    finally:
        link.stop()
    assert central.store.gaps(PORT, LANE) == []
