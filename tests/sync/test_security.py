"""Mutual TLS and passwords against a broker that allows no anonymous access."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sync.tls import TlsFiles
from tests.sync.conftest import needs_mosquitto
from tests.sync.helpers import lane_store, make_link, pump_until

pytestmark = needs_mosquitto


def _refused_repeatedly(link) -> bool:
    """Three attempts in a row end without a connection (and the link keeps trying)."""
    link.start()
    try:
        pump_until(link, lambda: link.stats.connect_failures >= 3 or link.connected())
        return not link.connected() and link.stats.connects == 0
    finally:
        link.client.loop_stop()


def test_the_right_certificate_and_password_connect(broker_settings, data_dir):
    link = make_link(lane_store(data_dir), broker_settings())
    link.start()
    try:
        pump_until(link, link.connected)
    finally:
        link.stop()


@pytest.mark.parametrize("case", ["wrong_password", "no_password", "rogue_client_cert", "no_client_cert",
                                  "untrusted_broker"])
def test_wrong_credentials_are_refused(case, broker_settings, pki, data_dir):
    good = broker_settings()
    bad = {
        "wrong_password": replace(good, password="guess"),
        "no_password": replace(good, username=None, password=None),
        "rogue_client_cert": replace(good, tls=pki.tls_for("rogue-lane")),
        "no_client_cert": replace(good, tls=TlsFiles(pki.ca.ca_file)),
        "untrusted_broker": replace(good, tls=replace(good.tls, ca_file=pki.rogue.ca_file)),
    }[case]
    link = make_link(lane_store(data_dir), bad)
    assert _refused_repeatedly(link)
