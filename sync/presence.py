"""Retained lane presence on ``.../status``: online, offline (the broker's Last Will) and stopped."""

from __future__ import annotations

import json
from typing import Literal

from garita.sync.signing import now_iso

State = Literal["online", "offline", "stopped"]


def presence(state: State, port: str, lane: str, client_id: str) -> bytes:
    """The status message (schemas/presence.json)."""
    return json.dumps({"v": "1.0", "state": state, "port": port, "lane": lane, "client_id": client_id,
                       "at": now_iso()}, separators=(",", ":")).encode()
