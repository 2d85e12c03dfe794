"""AIM / ISO 15424 symbology identifiers ("]" + code letter + modifier)."""

from __future__ import annotations

import re

_AIM = re.compile(rb"^\][A-Za-z][0-9A-Za-z]")


def split_symbology(payload: bytes) -> tuple[str | None, bytes]:
    """Split ']C1...' into (']C1', rest); (None, payload) when no identifier is present."""
    if _AIM.match(payload):
        return payload[:3].decode("ascii"), payload[3:]
    return None, payload
