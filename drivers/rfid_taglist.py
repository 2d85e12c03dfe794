"""Parse Alien reader tag lists (Text, Terse, XML) and auto-notification messages."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

NO_TAGS = "(No Tags)"
NOTIFY_START = "#Alien RFID Reader Auto Notification Message"
NOTIFY_END = "#End of Notification Message"
_HEX = re.compile(r"^[0-9A-F]+$")
_XML_TAG = re.compile(r"<Alien-RFID-Tag>(.*?)</Alien-RFID-Tag>", re.S | re.I)
_XML_FIELD = re.compile(r"<([A-Za-z]+)>([^<]*)</\1>")


class TagListError(ValueError):
    """A tag line or list that does not follow any Alien format."""


@dataclass(frozen=True)
class TagRead:
    """One tag as reported by the reader."""

    epc: str
    format: str
    antenna: int | None = None
    count: int | None = None
    discovered: str | None = None
    last_seen: str | None = None
    protocol: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly dict."""
        return asdict(self)


@dataclass
class Notification:
    """A parsed auto-notification block: header fields plus tags."""

    header: dict[str, str] = field(default_factory=dict)
    tags: list[TagRead] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


def normalise_epc(text: str) -> str:
    """Upper-case hex without spaces; raises TagListError if not hex."""
    epc = "".join(text.split()).upper()
    if not epc or len(epc) % 2 or not _HEX.match(epc):
        raise TagListError(f"not a hex EPC: {text!r}")
    return epc


def _int(text: str, what: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise TagListError(f"{what} is not a number: {text!r}") from None


def _iso(ts: str) -> str:
    # Reader time is local and zone-less: keep it naive, just reformat.
    try:
        return datetime.strptime(ts.strip(), "%Y/%m/%d %H:%M:%S").isoformat()
    except ValueError:
        raise TagListError(f"bad reader timestamp: {ts!r}") from None


def parse_text_line(line: str) -> TagRead:
    """Parse 'Tag:<epc>, Disc:..., Last:..., Count:n, Ant:n, Proto:n'."""
    fields: dict[str, str] = {}
    for part in re.split(r",\s*", line.strip()):
        key, sep, value = part.partition(":")
        if not sep:
            raise TagListError(f"field without ':' in {line!r}")
        fields[key.strip().lower()] = value.strip()
    if "tag" not in fields:
        raise TagListError(f"no Tag field in {line!r}")
    return TagRead(
        epc=normalise_epc(fields["tag"]), format="text",
        antenna=_int(fields["ant"], "Ant") if "ant" in fields else None,
        count=_int(fields["count"], "Count") if "count" in fields else None,
        discovered=_iso(fields["disc"]) if "disc" in fields else None,
        last_seen=_iso(fields["last"]) if "last" in fields else None,
        protocol=fields.get("proto"),
    )


def parse_terse_line(line: str) -> TagRead:
    """Parse 'epc,count,ant'."""
    parts = [p.strip() for p in line.strip().split(",")]
    if len(parts) != 3:
        raise TagListError(f"terse line needs epc,count,ant: {line!r}")
    return TagRead(epc=normalise_epc(parts[0]), format="terse",
                   count=_int(parts[1], "count"), antenna=_int(parts[2], "antenna"))


def parse_tag_line(line: str) -> TagRead:
    """Parse one Text or Terse tag line, picking the format from its shape."""
    if line.strip().lower().startswith("tag:"):
        return parse_text_line(line)
    return parse_terse_line(line)


def parse_xml(text: str) -> list[TagRead]:
    """Parse an <Alien-RFID-Tag-List> document into tags."""
    tags = []
    for block in _XML_TAG.findall(text):
        fields = {k.lower(): v.strip() for k, v in _XML_FIELD.findall(block)}
        if "tagid" not in fields:
            raise TagListError("XML tag without TagID")
        tags.append(TagRead(
            epc=normalise_epc(fields["tagid"]), format="xml",
            antenna=_int(fields["antenna"], "Antenna") if "antenna" in fields else None,
            count=_int(fields["readcount"], "ReadCount") if "readcount" in fields else None,
            discovered=_iso(fields["discoverytime"]) if "discoverytime" in fields else None,
            last_seen=_iso(fields["lastseentime"]) if "lastseentime" in fields else None,
            protocol=fields.get("protocol"),
        ))
    return tags


def is_tag_line(line: str) -> bool:
    """Cheap test: does this line look like it is meant to be a tag line?"""
    s = line.strip()
    return s.lower().startswith("tag:") or (s.count(",") == 2 and bool(s[:1].isalnum()))


def parse_taglist(text: str) -> tuple[list[TagRead], list[str]]:
    """Parse a whole reply in any format; returns (tags, rejected lines)."""
    if "<alien-rfid-tag" in text.lower():
        return parse_xml(text), []
    tags: list[TagRead] = []
    rejected: list[str] = []
    for line in text.replace("\x00", "").splitlines():
        if not line.strip() or line.strip() == NO_TAGS or line.startswith("#"):
            continue
        try:
            tags.append(parse_tag_line(line))
        except TagListError:
            rejected.append(line)
    return tags, rejected


def parse_notification(text: str) -> Notification:
    """Parse a notification block; header lines are '#Key: value'."""
    lines = text.replace("\x00", "").splitlines()
    if not lines or lines[0].strip() != NOTIFY_START:
        raise TagListError("not an Alien notification message")
    note = Notification()
    body = []
    for line in lines[1:]:
        if line.strip() == NOTIFY_END:
            break
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            note.header[key.strip()] = value.strip()
        else:
            body.append(line)
    note.tags, note.rejected = parse_taglist("\n".join(body))
    return note
