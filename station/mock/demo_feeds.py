"""Mock mode's central system, offline: a demo watchlist and declarations, signed and imported at start.

The feeds go through the same verification and import code as real ones; only the key is a demo
key, derived from a public seed, that config/mock-lane.toml alone trusts.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from garita.station.links.signed_feed import json_line, key_id, write_feed
from garita.station.ops.event_log import log_event
from garita.station.storage.lane_store import LaneStore

log = logging.getLogger("garita.mock")
DEMO_SEED = b"garita mock central - demo only, never trusted by a real lane"


def demo_key() -> Ed25519PrivateKey:
    """The mock central's signing key (public knowledge: a demo, not a secret)."""
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(DEMO_SEED).digest())


def demo_public_key_b64() -> str:
    """The form `[watchlist] public_keys` lists it in."""
    return base64.b64encode(demo_key().public_key().public_bytes_raw()).decode()


def _declarations(items: list[dict[str, Any]], version: int, now: datetime) -> list[dict[str, Any]]:
    # Arrival windows are relative to the run, so the demo trip is always expected today.
    window = {"arrival_from": (now - timedelta(hours=2)).isoformat(),
              "arrival_until": (now + timedelta(hours=12)).isoformat()}
    return [{"version": version, **item, **window} for item in items]


def publish_demo_feeds(source: Path, data_dir: Path, store: LaneStore) -> dict[str, int]:
    """Sign the demo feeds in ``source`` and import those not already held; returns the versions held."""
    from garita.station.declarations.declaration_store import held_version, import_declarations
    from garita.station.watchlist.cache import Watchlist
    from garita.station.watchlist.importer import import_file

    spec = tomllib.loads(source.read_text(encoding="utf-8"))
    version, key = int(spec["version"]), demo_key()
    keys = {key_id(key.public_key()): key.public_key()}
    watchlist = Watchlist(data_dir)
    feeds = {
        "watchlist": (watchlist.version(), [{"version": version, **e} for e in spec.get("watchlist", [])],
                      lambda path: import_file(data_dir, path, keys).version),
        "declarations": (held_version(store), _declarations(spec.get("declarations", []), version,
                                                            datetime.now(UTC)),
                         lambda path: import_declarations(store, data_dir, path, keys)),
    }
    watchlist.close()
    folder = data_dir / "mock-central"
    folder.mkdir(parents=True, exist_ok=True)
    held: dict[str, int] = {}
    for feed, (current, rows, importer) in feeds.items():
        if current is not None and current >= version:
            held[feed] = current  # a re-run on the same data: nothing new to publish
            continue
        path = folder / f"{feed}-v{version}.feed"
        write_feed(path, feed, "snapshot", version, (json_line(row) for row in rows), key)
        held[feed] = importer(path)
        log_event(log, "mock.feed_imported", feed=feed, version=held[feed], rows=len(rows))
    return held
