"""The JSON form of the lane's TEXT columns that hold objects (read data, decision basis, payloads)."""

from __future__ import annotations

import json

JsonObject = dict[str, object]


def to_json(value: object) -> str:
    """Compact, key-sorted JSON (what the audit chain hashes, so it must stay stable)."""
    return json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))


def from_json(text: str | JsonObject | None) -> JsonObject:
    """A stored object column as a dict (an already parsed one passes through; NULL is empty)."""
    if text is None:
        return {}
    return json.loads(text) if isinstance(text, str) else text
