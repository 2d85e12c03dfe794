"""The link's own rules, driven through paho's callbacks without a broker: the QoS 0 flood bound, acks,
outage counting, the connect-failure log, retention pacing and resend requests."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode

from garita.station.links.mqtt_uplink import LaneStoreOutbox
from garita.sync.downlink import Verified
from garita.sync.link import BrokerSettings, LinkSettings, LinkStats, SyncLink
from garita.sync.retention import RetentionSettings
from garita.sync.topics import LaneTopics
from garita.sync.uplink import UplinkSettings
from tests.sync.helpers import LANE, PORT, Received, add_events, lane_store, unsent

LONG_AGO = "2020-01-01T00:00:00+00:00"
TOPIC_UP = LaneTopics(PORT, LANE).up("read")


def _link(store, handler=None, **settings) -> SyncLink:
    broker = BrokerSettings("127.0.0.1", 1, f"{PORT}-{LANE}")  # never started
    return SyncLink(LinkSettings(broker=broker, **settings), LaneTopics(PORT, LANE), LaneStoreOutbox(store), {},
                    handler or Received())


def _message(qos: int, mid: int = 0) -> mqtt.MQTTMessage:
    message = mqtt.MQTTMessage(mid, LaneTopics(PORT, LANE).down_subscriptions[0].replace("#", "x").encode())
    message.qos, message.payload = qos, b"not a signed envelope"
    return message


def _fields(caplog, event: str) -> list[dict]:
    return [r.garita_fields for r in caplog.records if r.getMessage() == event]


def test_a_qos0_flood_stops_at_1000_queued_qos1_is_never_dropped_and_only_qos1_is_acked(data_dir):
    link = _link(lane_store(data_dir))
    acks: list[tuple[int, int]] = []
    link.client.ack = lambda mid, qos: acks.append((mid, qos))  # type: ignore[method-assign]  # paho's, recorded
    for _ in range(1005):
        link._on_message(link.client, None, _message(0))
    link._on_message(link.client, None, _message(1, mid=7))  # bounded by our Receive Maximum instead
    assert link.downlink.rejected["flood_dropped"] == 5 and link.activity.is_set()
    link.pump()  # every kept message reaches the downlink (and is refused there: it is not signed)
    refused = sum(count for reason, count in link.downlink.rejected.items() if reason != "flood_dropped")
    assert refused == 1001 and acks == [(7, 1)]


def test_a_topic_that_is_not_utf8_is_refused_and_named_as_such(data_dir, caplog):
    link = _link(lane_store(data_dir))
    message = mqtt.MQTTMessage(3, b"garita/v1/2504/down/\xff\xfe")
    message.qos, message.payload = 1, b"{}"
    with caplog.at_level(logging.WARNING, logger="garita.sync"):
        link._on_message(link.client, None, message)
        link.pump()
    assert link.downlink.rejected == {"unknown_topic": 1}
    assert [f["topic"] for f in _fields(caplog, "downlink.rejected")] == ["(not UTF-8)"]


def test_an_outage_is_counted_once_a_failed_attempt_as_a_failure_and_our_own_disconnect_as_neither(data_dir,
                                                                                                  caplog):
    link = _link(lane_store(data_dir))
    gone = ReasonCode(PacketTypes.DISCONNECT, identifier=0x80)
    link._connected.set()
    with caplog.at_level(logging.WARNING, logger="garita.sync"):
        link._on_disconnect(link.client, None, None, gone, None)  # the broker went away
    assert _fields(caplog, "link.disconnected") == [{"reason": "Unspecified error", "inflight": 0}]
    assert not link.connected() and link.stats == LinkStats(disconnects=1)
    link._on_disconnect(link.client, None, None, gone, None)  # closed before CONNACK
    assert link.stats == LinkStats(disconnects=1, connect_failures=1)
    link._connected.set()  # back, and gone again: a second outage
    link._on_disconnect(link.client, None, None, gone, None)
    assert link.stats == LinkStats(disconnects=2, connect_failures=1)
    link.stop()
    link._on_disconnect(link.client, None, None, gone, None)  # the one we asked for
    assert link.stats == LinkStats(disconnects=2, connect_failures=1)


def test_the_smallest_window_the_config_allows_makes_a_working_client(data_dir):
    link = _link(lane_store(data_dir), uplink=UplinkSettings(max_inflight=1))  # [mqtt] max_inflight >= 1
    assert link.uplink.settings.max_inflight == 1 and link.publish(TOPIC_UP, b"{}") > 0  # queued until connected


def test_a_refused_connect_subscribes_nothing_and_is_not_a_connection(data_dir, caplog):
    link = _link(lane_store(data_dir))
    with caplog.at_level(logging.ERROR, logger="garita.sync"):
        link._on_connect(link.client, None, None, ReasonCode(PacketTypes.CONNACK, identifier=0x87), None)
    assert not link.connected() and link.stats.connects == 0
    assert _fields(caplog, "link.refused") == [{"reason": "Not authorized"}]


def test_connect_failures_are_all_counted_and_logged_at_1_10_100_and_every_1000(data_dir, caplog):
    link = _link(lane_store(data_dir))
    with caplog.at_level(logging.WARNING, logger="garita.sync"):
        for _ in range(3000):
            link._on_connect_fail(link.client, None)
    assert link.stats.connect_failures == 3000
    assert [f["failures"] for f in _fields(caplog, "link.connect_failed")] == [1, 10, 100, 1000, 2000, 3000]
    assert all(r.levelno == logging.WARNING for r in caplog.records if r.getMessage() == "link.connect_failed")


def test_retention_runs_on_the_first_pump_then_once_per_interval(data_dir):
    store = lane_store(data_dir)
    outbox = LaneStoreOutbox(store)

    def delivered_long_ago(count: int) -> None:
        outbox.mark_sent(add_events(store, count), LONG_AGO)

    def held() -> int:
        return store.query("SELECT COUNT(*) AS n FROM outbox")[0]["n"]

    link = _link(store, retention=RetentionSettings(keep_sent_s=60), retention_every_s=300)
    delivered_long_ago(3)
    link.pump()
    assert held() == 0
    delivered_long_ago(2)
    link.pump()
    assert held() == 2  # not before retention_every_s
    eager = _link(store, retention=RetentionSettings(keep_sent_s=60), retention_every_s=0)
    eager.pump()
    delivered_long_ago(1)
    eager.pump()
    assert held() == 0


def test_a_resend_request_is_the_links_business_and_everything_else_the_stations(data_dir, caplog):
    store, received = lane_store(data_dir), Received()
    LaneStoreOutbox(store).mark_sent(add_events(store, 5), datetime.now(UTC).isoformat())
    link = _link(store, received)
    resend = Verified("uplink.resend", "m-1", "2026-01-01T00:00:00Z", {"ranges": [[2, 3], [9, 9]]})
    with caplog.at_level(logging.INFO, logger="garita.sync"):
        link._handle(resend)
        link._handle(Verified("uplink.resend", "m-2", "2026-01-01T00:00:00Z", {"ranges": [[5, 5]]}))
    assert received.items == [] and unsent(store) == 3 and link.uplink.stats.resent_events == 3
    assert _fields(caplog, "uplink.resend") == [
        {"id": "m-1", "ranges": 2, "requeued": 2, "no_longer_held": 1},
        {"id": "m-2", "ranges": 1, "requeued": 1, "no_longer_held": 0}]
    levels = [r.levelno for r in caplog.records if r.getMessage() == "uplink.resend"]
    assert levels == [logging.WARNING, logging.INFO]  # rows the lane no longer holds are worth a warning
    delta = Verified("watchlist.delta", "m-3", "2026-01-01T00:00:00Z", {})
    link._handle(delta)
    assert received.items == [delta]


def test_pump_until_says_whether_the_condition_came_true(data_dir):
    link = _link(lane_store(data_dir))
    assert link.pump_until(lambda: True, 5) is True
    assert link.pump_until(lambda: False, 0.1) is False  # timed out: the caller must know


def _granting_mids(link: SyncLink, monkeypatch) -> None:
    """paho's subscribe without a socket returns no message id; give each call one, as a connected client does."""
    mids = iter(range(7, 100))
    monkeypatch.setattr(link.client, "subscribe", lambda topic, qos: (mqtt.MQTT_ERR_SUCCESS, next(mids)))


def test_downlink_is_subscribed_only_once_the_broker_granted_every_topic(data_dir, monkeypatch):
    link = _link(lane_store(data_dir))
    _granting_mids(link, monkeypatch)
    flags = type("Flags", (), {"session_present": False})()
    link._on_connect(link.client, None, flags, ReasonCode(PacketTypes.CONNACK, identifier=0), None)
    first, second = sorted(link._pending_subscriptions)  # the port's and the lane's downlink
    granted = [ReasonCode(PacketTypes.SUBACK, identifier=1)]
    assert link.connected() and not link.subscribed()  # connected, but a message now could be missed
    link._on_subscribe(link.client, None, first, granted, None)
    assert not link.subscribed()
    link._on_subscribe(link.client, None, second, granted, None)
    assert link.subscribed()
    link._on_disconnect(link.client, None, None, ReasonCode(PacketTypes.DISCONNECT, identifier=0x80), None)
    assert not link.subscribed()  # a new connect must be granted again


def test_a_refused_subscription_is_counted_and_logged_and_never_reads_as_subscribed(data_dir, caplog, monkeypatch):
    link = _link(lane_store(data_dir))
    _granting_mids(link, monkeypatch)
    flags = type("Flags", (), {"session_present": False})()
    link._on_connect(link.client, None, flags, ReasonCode(PacketTypes.CONNACK, identifier=0), None)
    first, second = sorted(link._pending_subscriptions)
    with caplog.at_level(logging.ERROR, logger="garita.sync"):
        link._on_subscribe(link.client, None, first, [ReasonCode(PacketTypes.SUBACK, identifier=0x87)], None)
        link._on_subscribe(link.client, None, second, [ReasonCode(PacketTypes.SUBACK, identifier=1)], None)
    assert not link.subscribed() and link.stats.subscriptions_refused == 1
    assert _fields(caplog, "link.subscription_refused") == [{"reasons": ["Not authorized"]}]
