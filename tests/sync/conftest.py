"""Fixtures for the sync tests: a PKI, a real Mosquitto with mTLS and passwords, a central, a lane link."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from garita.sync.broker import BrokerTls, MosquittoProcess
from garita.sync.central import Central
from garita.sync.central.store_sqlite import SqliteStore
from garita.sync.link import BrokerSettings
from garita.sync.tls import TlsFiles
from tests.sync.pki import TestCA

PORT, LANE = "2504", "lane-03"
USERS = {"lane-03": "lane-secret", "central": "central-secret", "lane-04": "other-secret"}
needs_mosquitto = pytest.mark.skipif(not MosquittoProcess.available(),
                                     reason="mosquitto is not installed (apt-get install mosquitto)")


@dataclass(frozen=True)
class Pki:
    ca: TestCA
    rogue: TestCA
    server: object
    clients: dict[str, object]

    def tls_for(self, name: str) -> TlsFiles:
        issued = self.clients[name]
        return TlsFiles(self.ca.ca_file, issued.cert_file, issued.key_file)  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    directory = tmp_path_factory.mktemp("pki")
    os.chmod(directory, 0o755)
    ca, rogue = TestCA(directory / "ca"), TestCA(directory / "rogue", "Rogue CA")
    clients = {name: ca.issue(name) for name in ("lane-03", "lane-04", "central")}
    clients["rogue-lane"] = rogue.issue("lane-03-rogue")
    return Pki(ca, rogue, ca.issue("broker", server=True), clients)


@pytest.fixture
def broker(pki: Pki, tmp_path: Path) -> Iterator[MosquittoProcess]:
    server = pki.server
    tls = BrokerTls(pki.ca.ca_file, server.cert_file, server.key_file)  # type: ignore[attr-defined]
    process = MosquittoProcess(tmp_path / "broker", tls=tls, users=USERS)
    process.start()
    yield process
    process.stop()


@pytest.fixture
def broker_settings(broker: MosquittoProcess, pki: Pki) -> Callable[..., BrokerSettings]:
    def make(name: str = "lane-03", **changes: object) -> BrokerSettings:
        settings = BrokerSettings(host="localhost", port=broker.port, client_id=f"{PORT}-{name}",
                                  username=name, password=USERS.get(name), tls=pki.tls_for(name),
                                  reconnect_min_s=0.05, reconnect_max_s=0.5, keepalive_s=5)
        return replace(settings, **changes)  # type: ignore[arg-type]
    return make


@pytest.fixture
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def central(broker_settings: Callable[..., BrokerSettings], signing_key: Ed25519PrivateKey,
            tmp_path: Path) -> Iterator[Central]:
    node = Central(broker_settings("central"), SqliteStore(tmp_path / "central.db"), signing_key, "central-1")
    node.start()
    yield node
    node.stop()
    node.store.close()
