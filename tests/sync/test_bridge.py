"""The shipped Mosquitto examples (config/mosquitto/) run for real: a lane broker bridged to a port broker.

Both brokers run the example files as written, with only addresses, ports, certificate and data paths
replaced (``override_conf``), so a broken example breaks these tests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from garita.sync.broker import MosquittoProcess, free_port, override_conf, run_as
from garita.sync.central import Batching, Central
from garita.sync.central.gaps import GapWatch
from garita.sync.central.store_sqlite import SqliteStore
from garita.sync.link import BrokerSettings
from garita.sync.tls import TlsFiles, client_context
from tests.sync.conftest import Pki, needs_mosquitto
from tests.sync.dummy_outbox import DummyOutbox
from tests.sync.helpers import LANE, PORT, Received, add_events, make_link, public_keys, pump_until, unsent

pytestmark = needs_mosquitto

EXAMPLES = Path(__file__).resolve().parents[2] / "config" / "mosquitto"
LANE_ID = f"{PORT}-{LANE}"  # certificate common name = bridge client id = ACL user (port-broker.acl)
FAST = {"reconnect_min_s": 0.05, "reconnect_max_s": 0.5, "keepalive_s": 5}


def _example(name: str, workdir: Path, port: int, values: dict[str, str]) -> MosquittoProcess:
    """The shipped example ``name`` on 127.0.0.1:``port`` with its data and log under ``workdir``."""
    local = {"listener": f"{port} 127.0.0.1", "persistence_location": f"{workdir}/",
             "log_dest": f"file {workdir}/mosquitto.log", **run_as()}
    text = override_conf((EXAMPLES / name).read_text(), {**local, **values})
    return MosquittoProcess(workdir, port, config=text)


def _port_broker_process(pki: Pki, workdir: Path) -> MosquittoProcess:
    server = pki.server
    return _example("port-broker.conf", workdir, free_port(), {
        "cafile": str(pki.ca.ca_file), "certfile": str(server.cert_file),  # type: ignore[attr-defined]
        "keyfile": str(server.key_file), "acl_file": str(EXAMPLES / "port-broker.acl")})  # type: ignore[attr-defined]


def _lane_broker_process(pki: Pki, workdir: Path, port_broker: MosquittoProcess) -> MosquittoProcess:
    cert = pki.ca.issue(LANE_ID)
    return _example("lane-broker.conf", workdir, free_port(), {
        "address": f"localhost:{port_broker.port}", "bridge_cafile": str(pki.ca.ca_file),
        "bridge_certfile": str(cert.cert_file), "bridge_keyfile": str(cert.key_file)})


@pytest.fixture
def port_broker(pki: Pki, tmp_path: Path) -> Iterator[MosquittoProcess]:
    process = _port_broker_process(pki, tmp_path / "port-broker")
    process.start()
    yield process
    process.stop()


@pytest.fixture
def lane_broker(pki: Pki, tmp_path: Path, port_broker: MosquittoProcess) -> Iterator[MosquittoProcess]:
    process = _lane_broker_process(pki, tmp_path / "lane-broker", port_broker)
    process.start()
    yield process
    process.stop()


@pytest.fixture
def port_central(port_broker: MosquittoProcess, pki: Pki, signing_key: Ed25519PrivateKey,
                 tmp_path: Path) -> Iterator[Central]:
    """The central consumer on the port broker, as user ``central`` of the example ACL."""
    settings = BrokerSettings("localhost", port_broker.port, "central-1", tls=pki.tls_for("central"), **FAST)
    watch = GapWatch(grace_s=1.0, retry_s=3.0)  # the product default is 5 s / 30 s; tests cannot wait that long
    # Small transactions, so that the stored count rises in steps and a crash comes mid-burst.
    node = Central(settings, SqliteStore(tmp_path / "central.db"), signing_key, "central-1", watch,
                   batching=Batching(max_messages=5))
    node.start()
    yield node
    node.stop()
    node.store.close()


def _to_lane_broker(broker: MosquittoProcess) -> BrokerSettings:
    """The lane daemon's view: plain MQTT to the broker on its own box."""
    return BrokerSettings("127.0.0.1", broker.port, LANE_ID, **FAST)


def _to_port_broker(broker: MosquittoProcess, pki: Pki) -> BrokerSettings:
    """A lane without a local broker: mTLS straight to the port broker, with the lane's certificate."""
    cert = pki.ca.issue(LANE_ID)
    return BrokerSettings("localhost", broker.port, LANE_ID, tls=TlsFiles(pki.ca.ca_file, cert.cert_file,
                                                                             cert.key_file), **FAST)


def _exactly_once_in_order(central: Central, count: int) -> None:
    ids = [row["id"] for row in central.store.events(PORT, LANE)]
    assert len(ids) == len(set(ids)) == count
    assert central.store.seqs(PORT, LANE) == list(range(1, count + 1))
    assert central.store.gaps(PORT, LANE) == []


def test_bridge_carries_uplink_through_a_port_broker_outage_and_downlink_back(
        port_broker, lane_broker, port_central, signing_key):
    outbox, received = DummyOutbox(), Received()
    link = make_link(outbox, _to_lane_broker(lane_broker), public_keys(signing_key), received, batch_max_events=50)
    link.start()
    try:
        add_events(outbox, 40)
        pump_until(link, lambda: unsent(outbox) == 0)
        assert port_central.wait_until(lambda: port_central.store.count() == 40)
        assert port_central.wait_until(lambda: port_central.store.presence(PORT, LANE) == "online")
        port_broker.stop()  # the WAN side goes; the lane broker keeps acknowledging
        add_events(outbox, 300, start=40)
        pump_until(link, lambda: unsent(outbox) == 0)
        assert link.connected() and port_central.store.count() == 40
        port_broker.start()  # same port, same persistence directory: the bridge's session is still there
        assert port_central.wait_until(lambda: port_central.store.count() == 340)
        port_central.publish_command(PORT, LANE, "lane.close", {"reason": "bridge test"})
        port_central.publish_command(PORT, None, "sampling.set", {"rate": 0.1})
        pump_until(link, lambda: len(received.items) == 2)
    finally:
        link.stop()
    _exactly_once_in_order(port_central, 340)
    assert port_central.store.seqs(PORT, LANE, by_arrival=True) == list(range(1, 341))  # one priority, one path
    assert [item.body["command"] for item in received.items] == ["lane.close", "sampling.set"]
    assert link.downlink.rejected == {}


def test_downlink_published_while_the_bridge_is_down_waits_in_its_session_on_the_port_broker(
        port_broker, lane_broker, port_central, signing_key):
    """``cleansession false`` over MQTT 3.1.1: the reason the example does not use a 2.0 MQTT 5 bridge."""
    outbox, received = DummyOutbox(), Received()
    link = make_link(outbox, _to_lane_broker(lane_broker), public_keys(signing_key), received)
    link.start()
    try:
        pump_until(link, link.subscribed)
        assert port_central.wait_until(lambda: port_central.store.presence(PORT, LANE) == "online")
        lane_broker.stop()  # the lane box reboots: its bridge leaves the port broker
        port_central.publish_delta(PORT, 1, 2, add=[{"type": "plate", "value": "BRG123"}], remove=[])
        port_central.publish_command(PORT, LANE, "lane.open")
        lane_broker.start()
        pump_until(link, lambda: len(received.items) == 2, timeout_s=25)
    finally:
        link.stop()
    assert received.kinds() == ["watchlist.delta", "lane.command"]


def _crash_mid_burst(link, outbox, central: Central, victim: MosquittoProcess, total: int) -> dict[str, float]:
    """Start a ``total``-event burst, SIGKILL ``victim`` while it is in flight, restart it (same port, same
    persistence directory) and pump until the lane's outbox is empty; returns what was measured."""
    add_events(outbox, total)
    link.start()
    pump_until(link, lambda: central.store.count() >= total // 10)
    figures = {"lane_acked_at_kill": link.uplink.stats.acked_events, "lane_inflight_msgs_at_kill": link.uplink.inflight}
    victim.stop(kill=True)
    figures["stored_at_kill"] = central.store.count()
    started = time.monotonic()
    victim.start()
    pump_until(link, lambda: unsent(outbox) == 0, timeout_s=30)
    figures["outbox_empty_after_s"] = round(time.monotonic() - started, 2)
    return figures


def _crash_ready(port_broker: MosquittoProcess, central: Central) -> None:
    """A broker up for longer than its autosave_interval has the central's session on disk; a clean
    restart writes it now, so a crash loses in-flight messages, not the central's subscription."""
    port_broker.restart()
    assert central.wait_until(central.client.is_connected)


def test_port_broker_killed_mid_burst_loses_nothing_and_stores_nothing_twice(pki, port_broker, port_central,
                                                                             signing_key, capsys):
    """The lane daemon publishing straight to the port broker (no lane broker): SIGKILL mid-burst."""
    total, outbox = 2000, DummyOutbox()
    _crash_ready(port_broker, port_central)
    link = make_link(outbox, _to_port_broker(port_broker, pki), public_keys(signing_key), backlog_rate_per_s=1500,
                     batch_max_events=20, max_inflight=16)
    try:
        figures = _crash_mid_burst(link, outbox, port_central, port_broker, total)
        _settle(link, outbox, port_central, total, figures)
    finally:
        link.stop()
    assert 0 < figures["stored_at_kill"] < total and figures["lane_acked_at_kill"] < total  # really mid-burst
    _exactly_once_in_order(port_central, total)
    assert link.stats.disconnects >= 1 and link.stats.connects >= 2
    with capsys.disabled():
        print(f"\n[direct] SIGKILL: {figures}, repeats dropped by the central: {port_central.store.duplicates}")


class _UplinkCounter:
    """A clean-session subscriber on the port broker (as the ``central`` user): counts what the broker received."""

    def __init__(self, broker: MosquittoProcess, pki: Pki) -> None:
        self.count = 0
        subscribed = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="uplink-counter", protocol=mqtt.MQTTv5)
        self.client.tls_set_context(client_context(pki.tls_for("central")))
        self.client.on_message = lambda *_args: self._seen()
        self.client.on_subscribe = lambda *_args: subscribed.set()
        self.client.connect("localhost", broker.port)
        self.client.subscribe(f"garita/v1/{PORT}/{LANE}/up/#", qos=1)
        self.client.loop_start()
        assert subscribed.wait(10), "no SUBACK for the counter"

    def _seen(self) -> None:
        self.count += 1

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _crash_while_the_central_is_away(link, outbox, central: Central, victim: MosquittoProcess, counter: _UplinkCounter,
                                     total: int) -> dict[str, float]:
    """The central takes a tenth of the burst, then goes away; once the port broker has taken (and acknowledged
    to the bridge) 40 more messages for the central's session, SIGKILL it before it saves them; restart both."""
    first = total // 10
    add_events(outbox, first)
    link.start()
    pump_until(link, lambda: central.store.count() == first)
    central.stop()  # its persistent session stays on the broker: what arrives now is queued there, in memory
    seen = counter.count
    add_events(outbox, total - first, start=first)
    pump_until(link, lambda: counter.count >= seen + 40)
    counter.close()
    victim.stop(kill=True)
    figures = {"stored_at_kill": central.store.count(), "queued_for_the_central_at_least": counter.count - seen}
    started = time.monotonic()
    victim.start()
    central.start()
    pump_until(link, lambda: unsent(outbox) == 0, timeout_s=30)
    figures["outbox_empty_after_s"] = round(time.monotonic() - started, 2)
    return figures


def test_port_broker_crash_behind_the_bridge_loses_nothing_the_lane_resends_what_the_broker_dropped(
        pki, port_broker, lane_broker, port_central, signing_key, capsys):
    """Mosquitto saves to disk only every autosave_interval: a SIGKILL loses what it had acknowledged to the
    bridge but not yet handed to the central, and neither hop resends it (both saw a PUBACK). The central
    sees the sequence gap and asks; the lane still holds delivered rows and publishes the range again."""
    total, outbox = 2000, DummyOutbox()
    _crash_ready(port_broker, port_central)  # autosave is 10 s away: the kill comes well before it
    counter = _UplinkCounter(port_broker, pki)
    link = make_link(outbox, _to_lane_broker(lane_broker), public_keys(signing_key), backlog_rate_per_s=1500,
                     batch_max_events=20, max_inflight=16)
    try:
        figures = _crash_while_the_central_is_away(link, outbox, port_central, port_broker, counter, total)
        add_events(outbox, 1, start=total)  # what a lane does all day (reads, metrics): a lost tail becomes a gap
        _settle(link, outbox, port_central, total + 1, figures)
    finally:
        link.stop()
    assert 0 < figures["stored_at_kill"] < total
    _exactly_once_in_order(port_central, total + 1)
    assert link.uplink.stats.resent_events >= figures["lost_before_resend"] > 0  # the broker really lost some
    assert port_central.resend_requests >= 1
    with capsys.disabled():
        print(f"\n[bridged] SIGKILL of the port broker: {figures}")


def _settle(link, outbox, central: Central, count: int, figures: dict[str, float]) -> None:
    """Pump until the central holds all ``count`` events (asking for gaps as it goes); record the figures."""
    started = time.monotonic()
    pump_until(link, lambda: unsent(outbox) == 0 and central.store.seqs(PORT, LANE)[-1:] == [count], timeout_s=30)
    figures["lost_before_resend"] = sum(high - low + 1 for low, high in central.store.gaps(PORT, LANE))
    pump_until(link, lambda: central.store.count() == count and unsent(outbox) == 0, timeout_s=30)
    figures["complete_after_s"] = round(time.monotonic() - started, 2)
    figures["resent"] = link.uplink.stats.resent_events
    figures["resend_requests"] = central.resend_requests


def test_the_example_port_broker_lets_a_consumer_group_share_the_uplink(pki, port_broker, signing_key,
                                                                       tmp_path):
    """The ACL's ``central`` user may join ``$share/central/...``; the broker hands each message to one member."""
    group = [Central(BrokerSettings("localhost", port_broker.port, f"central-{n}", tls=pki.tls_for("central"), **FAST),
                     SqliteStore(tmp_path / f"central-{n}.db"), signing_key, "central-1", group="central")
             for n in range(2)]
    for node in group:
        node.start()
    outbox = DummyOutbox()
    link = make_link(outbox, _to_port_broker(port_broker, pki), batch_max_events=5)
    link.start()
    try:
        add_events(outbox, 200)
        pump_until(link, lambda: unsent(outbox) == 0)
        assert group[0].wait_until(lambda: sum(node.store.count() for node in group) >= 200)
    finally:
        link.stop()
        for node in group:
            node.stop()
    assert all(node.store.count() > 0 for node in group)
    assert sorted(seq for node in group for seq in node.store.seqs(PORT, LANE)) == list(range(1, 201))
    for node in group:
        node.store.close()
