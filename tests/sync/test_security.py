"""Mutual TLS and passwords against a broker that allows no anonymous access."""

from __future__ import annotations

from dataclasses import replace

import pytest

from garita.sync.tls import TlsFiles
from tests.sync.conftest import needs_mosquitto
from tests.sync.dummy_outbox import DummyOutbox
from tests.sync.helpers import make_link, pump_until

pytestmark = needs_mosquitto


def _refused_repeatedly(link) -> bool:
    """Three attempts in a row end without a connection (and the link keeps trying)."""
    link.start()
    try:
        pump_until(link, lambda: link.stats.connect_failures >= 3 or link.connected())
        return not link.connected() and link.stats.connects == 0
    finally:
        link.client.loop_stop()


def test_the_right_certificate_and_password_connect(broker_settings):
    link = make_link(DummyOutbox(), broker_settings())
    link.start()
    try:
        pump_until(link, link.connected)
    finally:
        link.stop()


@pytest.mark.parametrize("case", ["wrong_password", "no_password", "rogue_client_cert", "no_client_cert",
                                  "untrusted_broker"])
def test_wrong_credentials_are_refused(case, broker_settings, pki):
    good = broker_settings()
    bad = {
        "wrong_password": replace(good, password="guess"),
        "no_password": replace(good, username=None, password=None),
        "rogue_client_cert": replace(good, tls=pki.tls_for("rogue-lane")),
        "no_client_cert": replace(good, tls=TlsFiles(pki.ca.ca_file)),
        "untrusted_broker": replace(good, tls=replace(good.tls, ca_file=pki.rogue.ca_file)),
    }[case]
    link = make_link(DummyOutbox(), bad)
    assert _refused_repeatedly(link)


@pytest.fixture
def acl_broker(pki, tmp_path):
    """A broker whose ACL lets lane-03 announce its presence but not publish uplink events."""
    from garita.sync.broker import BrokerTls, MosquittoProcess
    from tests.sync.conftest import USERS

    acl = tmp_path / "lane.acl"
    acl.write_text("user lane-03\ntopic readwrite garita/v1/2504/lane-03/status\ntopic read garita/v1/2504/#\n")
    server = pki.server
    tls = BrokerTls(pki.ca.ca_file, server.cert_file, server.key_file)
    process = MosquittoProcess(tmp_path / "acl-broker", tls=tls, users=USERS, extra=f"acl_file {acl}")
    process.start()
    yield process
    process.stop()


def test_a_publish_the_broker_refuses_stays_unsent(acl_broker, broker_settings):
    """A PUBACK with a failure reason code (0x87, not authorised) is a refusal: the rows are kept and retried."""
    from tests.sync.helpers import add_events, unsent

    outbox = DummyOutbox()
    add_events(outbox, 3)
    link = make_link(outbox, replace(broker_settings(), port=acl_broker.port))
    link.start()
    try:
        pump_until(link, lambda: link.uplink.stats.refused_events >= 3)
        assert link.uplink.stats.acked_events == 0, link.uplink.stats
        assert unsent(outbox) == 3
    finally:
        link.stop()
