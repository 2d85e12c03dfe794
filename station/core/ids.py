"""Time-ordered unique ids (UUIDv7, RFC 9562) for crossings, decisions and outbox messages.

Python 3.11's ``uuid`` has no v7 yet; the layout is twelve lines, so it is written here
rather than pulling in a dependency.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def uuid7() -> str:
    """A UUIDv7 string; ids made in one process sort in creation order."""
    global _last_ms, _counter
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if now_ms <= _last_ms:
            _counter += 1
            now_ms = _last_ms
        else:
            _counter = 0
        _last_ms = now_ms
        counter = _counter & 0xFFF
    rand = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (now_ms << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | rand
    return str(uuid.UUID(int=value))
