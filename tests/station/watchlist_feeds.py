"""Helpers for watchlist tests: a central signing key and signed feed files built from entry dicts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from garita.station.links.signed_feed import json_line, write_feed
from garita.sync.signing import KeyRing, public_key_b64

CENTRAL = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
ROGUE = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
CENTRAL_ID = "central-test"
KEYS = KeyRing.of({CENTRAL_ID: CENTRAL.public_key()})


def trust_key(key: Ed25519PrivateKey = CENTRAL, key_id: str = CENTRAL_ID, not_before: datetime | None = None,
              not_after: datetime | None = None) -> dict[str, Any]:
    """One ``[[trust.keys]]`` table as a dict; the window defaults to a day either side of now."""
    now = datetime.now(UTC)
    return {"id": key_id, "public_key": public_key_b64(key.public_key()),
            "not_before": not_before or now - timedelta(days=1), "not_after": not_after or now + timedelta(days=1)}


def trust_toml(key: Ed25519PrivateKey = CENTRAL, key_id: str = CENTRAL_ID, not_before: datetime | None = None,
               not_after: datetime | None = None) -> str:
    """The same as TOML text, to append to a lane.toml."""
    table = trust_key(key, key_id, not_before, not_after)
    times = {name: table[name].isoformat() for name in ("not_before", "not_after")}
    return (f'\n[[trust.keys]]\nid = "{table["id"]}"\npublic_key = "{table["public_key"]}"\n'
            f'not_before = {times["not_before"]}\nnot_after = {times["not_after"]}\n')


def entry(entry_id: str, kind: str, action: str = "refer", **values: Any) -> dict[str, Any]:
    """A valid entry with bilingual reasons; ``values`` are the kind's fields."""
    return {"id": entry_id, "kind": kind, "action": action, "reason_code": "T1", "reason_en": f"test {entry_id}",
            "reason_es": f"prueba {entry_id}", "agency": "joint", "version": 1, **values}


def snapshot(path: Path, version: int, entries: Iterable[dict], key: Ed25519PrivateKey = CENTRAL) -> Path:
    write_feed(path, "watchlist", "snapshot", version, (json_line(e) for e in entries), key)
    return path


def delta(path: Path, base: int, version: int, ops: Iterable[dict], key: Ed25519PrivateKey = CENTRAL) -> Path:
    write_feed(path, "watchlist", "delta", version, (json_line(op) for op in ops), key, base_version=base)
    return path


LISTED = [
    entry("P1", "plate", "detain", plate="8XYZ123", state="CA", country="USA"),
    entry("P2", "plate", "refer", plate="ABC-123-D", state="BC", country="MEX"),
    entry("C1", "container", "refer", container="CSQU3054383"),
    entry("D1", "document", "detain", number="G12345678", country="MEX", doc_type="P"),
    entry("N1", "person", "refer", names=["María de la Luz García López"], dob="1985-03-15", nationality="MEX"),
    entry("N2", "person", "notify", names=["John Robert Smith"]),
    entry("R1", "rfid", "notify", epc="E200 3411 B802 0115 1234 5678"),
    entry("S1", "carrier", "refer", scac="ABCD", company="Acme Freight"),
    entry("F1", "carrier", "notify", rfc="AAA010101AAA"),
]
