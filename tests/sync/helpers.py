"""Lane-side helpers for the sync tests: an outbox with rows (the in-memory ``DummyOutbox``, or a lane
database where a test needs the real one), a link over it, pumping until done."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from garita.station.storage.database import open_database
from garita.station.storage.lane_store import LaneStore
from garita.station.storage.outbox_repo import LaneStoreOutbox
from garita.sync.downlink import Verified
from garita.sync.link import BrokerSettings, LinkSettings, SyncLink
from garita.sync.outbox import OutboxSource
from garita.sync.signing import KeyRing
from garita.sync.topics import LaneTopics
from garita.sync.uplink import UplinkSettings
from tests.sync.dummy_outbox import DummyOutbox

PORT, LANE = "2504", "lane-03"


def lane_store(data_dir: Path) -> LaneStore:
    return LaneStore(open_database(data_dir))


Outbox = DummyOutbox | LaneStore  # what a test feeds its link from


def add_events(outbox: Outbox, count: int, kind: str = "read", priority: int = 5, start: int = 0) -> list[str]:
    """``count`` outbox rows (a lane's in one transaction: fast; the sequence is what the lifecycle would give)."""
    if isinstance(outbox, DummyOutbox):
        return [outbox.add(kind, {"lane": LANE, "n": n}, priority) for n in range(start, start + count)]
    with outbox.transaction() as tx:
        return [tx.outbox(datetime.now(UTC), kind, {"lane": LANE, "n": n}, priority)
                for n in range(start, start + count)]


def unsent(outbox: Outbox) -> int:
    return outbox.unsent() if isinstance(outbox, DummyOutbox) else LaneStoreOutbox(outbox).usage().pending_rows


def source(outbox: Outbox) -> OutboxSource:
    return outbox if isinstance(outbox, DummyOutbox) else LaneStoreOutbox(outbox)


class Received:
    """The station's downlink callback in the tests: keeps what arrives."""

    def __init__(self) -> None:
        self.items: list[Verified] = []

    def __call__(self, verified: Verified) -> None:
        self.items.append(verified)

    def kinds(self) -> list[str]:
        return [item.kind for item in self.items]


def make_link(outbox: Outbox, broker: BrokerSettings, keys: KeyRing | None = None, handler: Callable | None = None,
              **uplink: object) -> SyncLink:
    settings = LinkSettings(broker=broker, uplink=UplinkSettings(**uplink), poll_s=0.05)  # type: ignore[arg-type]
    return SyncLink(settings, LaneTopics(PORT, LANE), source(outbox), keys or KeyRing(), handler or Received())


def public_keys(key: Ed25519PrivateKey, key_id: str = "central-1") -> KeyRing:
    return KeyRing.of({key_id: key.public_key()})


def pump_until(link: SyncLink, condition: Callable[[], bool], timeout_s: float = 20.0) -> None:
    """Drive the link like the daemon does until ``condition`` holds; fails on timeout (a hang, not a race)."""
    if not link.pump_until(condition, timeout_s):
        raise AssertionError("condition not reached; the link is stuck")
