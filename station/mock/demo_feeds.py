"""Mock mode's central system, offline: a demo watchlist and declarations, signed and imported at start.

The feeds go through the same verification and import code as real ones, against the lane's own
``[[trust.keys]]``; only the key is a demo key, derived from a public seed, that config/mock-lane.toml
alone trusts (as ``mock-central-demo``). A lane that does not trust it simply starts without demo feeds.
"""

from __future__ import annotations

import hashlib
import logging
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from garita.station.links.signed_feed import json_line, write_feed
from garita.station.ops.event_log import log_event
from garita.station.storage.lane_store import LaneStore
from garita.sync.signing import KeyRing, SignatureError, public_key_b64

log = logging.getLogger("garita.mock")
DEMO_SEED = b"garita mock central - demo only, never trusted by a real lane"
DEMO_KEY_ID = "mock-central-demo"


def demo_key() -> Ed25519PrivateKey:
    """The mock central's signing key (public knowledge: a demo, not a secret)."""
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(DEMO_SEED).digest())


def demo_public_key_b64() -> str:
    """The form ``[[trust.keys]]`` lists it in (``public_key``)."""
    return public_key_b64(demo_key().public_key())


def _untrusted(ring: KeyRing) -> str | None:
    """Why the lane would refuse the demo feeds, or None when it trusts the demo key now."""
    try:
        trusted = ring.key_for(DEMO_KEY_ID)
    except SignatureError as exc:
        return f"{exc.reason}: {exc.detail}"
    if public_key_b64(trusted.public_key) != demo_public_key_b64():
        return f"[[trust.keys]] id {DEMO_KEY_ID!r} is not the demo key"
    return None


def _declarations(items: list[dict[str, Any]], version: int, now: datetime) -> list[dict[str, Any]]:
    # Arrival windows are relative to the run, so the demo trip is always expected today.
    window = {"arrival_from": (now - timedelta(hours=2)).isoformat(),
              "arrival_until": (now + timedelta(hours=12)).isoformat()}
    return [{"version": version, **item, **window} for item in items]


def publish_demo_feeds(source: Path, data_dir: Path, store: LaneStore, ring: KeyRing) -> dict[str, int]:
    """Sign the demo feeds in ``source`` and import those not already held; returns the versions held."""
    from garita.station.declarations.declaration_store import held_version, import_declarations
    from garita.station.watchlist.cache import Watchlist
    from garita.station.watchlist.importer import import_file

    problem = _untrusted(ring)
    if problem:  # a real lane's config: the demo central is not trusted, as it should be
        log_event(log, "mock.feeds_skipped", reason=problem)
        return {}
    spec = tomllib.loads(source.read_text(encoding="utf-8"))
    version, key = int(spec["version"]), demo_key()
    watchlist = Watchlist(data_dir)
    feeds = {
        "watchlist": (watchlist.version(), [{"version": version, **e} for e in spec.get("watchlist", [])],
                      lambda path: import_file(data_dir, path, ring).version),
        "declarations": (held_version(store), _declarations(spec.get("declarations", []), version,
                                                            datetime.now(UTC)),
                         lambda path: import_declarations(store, data_dir, path, ring)),
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
        write_feed(path, feed, "snapshot", version, (json_line(row) for row in rows), key, key_id=DEMO_KEY_ID)
        held[feed] = importer(path)
        log_event(log, "mock.feed_imported", feed=feed, version=held[feed], rows=len(rows))
    return held
