"""The RFID field of a mock Alien reader: tags present, their read stats, and their text forms.

Formats follow protocols.md §1.1 (Text, Terse, XML); every line ends CR LF.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

_HEX24 = re.compile(r"^[0-9A-F]{24}$")
TIME_FORMAT = "%Y/%m/%d %H:%M:%S"  # reader local time, as on the wire
FORMATS = ("Text", "Terse", "XML")


def normalize_epc(epc: str) -> str:
    """Return a 96-bit EPC as 24 upper-case hex digits; spaces anywhere are ignored."""
    digits = "".join(epc.split()).upper()
    if not _HEX24.match(digits):
        raise ValueError(f"EPC must be 24 hex digits (96 bits), got {epc!r}")
    return digits


def group_epc(epc: str) -> str:
    """Print an EPC the reader's way: 6 space-separated groups of 4 hex digits."""
    return " ".join(epc[i : i + 4] for i in range(0, len(epc), 4))


@dataclass
class TagRead:
    """One tag in the field and what the reader knows about it."""

    epc: str
    antenna: int
    discovered: datetime
    last_seen: datetime
    count: int = 1
    protocol: int = 2  # 2 = Gen2 in the numeric form


def format_tag(tag: TagRead, fmt: str) -> str:
    """Render one tag in ``fmt`` (Text, Terse or XML), CR LF terminated."""
    epc = group_epc(tag.epc)
    if fmt == "Terse":
        return f"{epc},{tag.count},{tag.antenna}\r\n"
    if fmt == "XML":
        fields = (
            ("TagID", epc),
            ("DiscoveryTime", tag.discovered.strftime(TIME_FORMAT)),
            ("LastSeenTime", tag.last_seen.strftime(TIME_FORMAT)),
            ("Antenna", tag.antenna),
            ("ReadCount", tag.count),
            ("Protocol", tag.protocol),
        )
        inner = "".join(f"    <{k}>{v}</{k}>\r\n" for k, v in fields)
        return f"  <Alien-RFID-Tag>\r\n{inner}  </Alien-RFID-Tag>\r\n"
    return (
        f"Tag:{epc}, Disc:{tag.discovered.strftime(TIME_FORMAT)}, "
        f"Last:{tag.last_seen.strftime(TIME_FORMAT)}, Count:{tag.count}, "
        f"Ant:{tag.antenna}, Proto:{tag.protocol}\r\n"
    )


def format_tag_list(tags: list[TagRead], fmt: str) -> str:
    """Render a whole tag list (without the final NUL); empty lists read ``(No Tags)``."""
    if not tags:
        return "(No Tags)\r\n"
    body = "".join(format_tag(t, fmt) for t in tags)
    if fmt == "XML":
        return f"<Alien-RFID-Tag-List>\r\n{body}</Alien-RFID-Tag-List>\r\n"
    return body


class TagField:
    """Tags currently in the reader's field; thread-safe."""

    def __init__(self, clock: Callable[[], datetime] = datetime.now) -> None:
        """Start with an empty field; ``clock`` gives reader local time."""
        self.clock = clock
        self._tags: dict[str, TagRead] = {}
        self._lock = threading.Lock()

    def put(self, epc: str, antenna: int = 0) -> tuple[TagRead, bool]:
        """Bring a tag into the field (or re-read it); returns (tag, newly added)."""
        key = normalize_epc(epc)
        now = self.clock()
        with self._lock:
            tag = self._tags.get(key)
            if tag is None:
                tag = self._tags[key] = TagRead(key, antenna, now, now)
                return tag, True
            tag.antenna, tag.last_seen, tag.count = antenna, now, tag.count + 1
            return tag, False

    def remove(self, epc: str) -> TagRead | None:
        """Take a tag out of the field; returns it, or None if it was not there."""
        with self._lock:
            return self._tags.pop(normalize_epc(epc), None)

    def clear(self) -> None:
        """Empty the field."""
        with self._lock:
            self._tags.clear()

    def poll(self) -> list[TagRead]:
        """One inventory round: every tag in the field is read again (Count+1, Last=now)."""
        now = self.clock()
        with self._lock:
            for tag in self._tags.values():
                tag.count += 1
                tag.last_seen = now
            return [TagRead(**vars(t)) for t in self._tags.values()]

    def snapshot(self) -> list[TagRead]:
        """Copies of the tags in the field, without reading them."""
        with self._lock:
            return [TagRead(**vars(t)) for t in self._tags.values()]
