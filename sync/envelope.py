"""Uplink message bodies: one event per MQTT message, or a compressed batch of backlog events.

An event on the wire (schemas/uplink-event.json)::

    {"v": "1.0", "id": "<uuid7>", "seq": 42, "port": "2504", "lane": "lane-03",
     "kind": "decision", "created_at": "...", "payload": {...}}

A batch (schemas/uplink-batch.json) is ``{"v": "1.0", "port", "lane", "events": [event, ...]}``,
zlib-compressed on the ``up/batch`` topic. Consumers accept any ``v`` with major 1 and ignore
fields they do not know (docs/topics.md, compatibility rule).
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Any

from garita.sync.outbox import OutboxRow

VERSION = "1.0"
MAJOR = "1"
BATCH_KIND = "batch"
MAX_DECOMPRESSED = 64 * 1024 * 1024  # a batch can never legitimately be bigger: a zip bomb stops here


class EnvelopeError(ValueError):
    """An uplink message that is not a well-formed envelope."""


@dataclass(frozen=True)
class UplinkEvent:
    """One event as the consumer sees it."""

    id: str
    seq: int
    port: str
    lane: str
    kind: str
    created_at: str
    payload: dict[str, Any]
    stale: bool = False


def _header(row: OutboxRow, port: str, lane: str, stale: bool) -> str:
    head: dict[str, Any] = {"v": VERSION, "id": row.id, "seq": row.seq, "port": port, "lane": lane,
                            "kind": row.kind, "created_at": row.created_at}
    if stale:
        head["stale"] = True
    return json.dumps(head, separators=(",", ":"))


def event_json(row: OutboxRow, port: str, lane: str, stale: bool = False) -> str:
    """The event's JSON text; the stored payload text is spliced in, not re-serialised."""
    return _header(row, port, lane, stale)[:-1] + ',"payload":' + row.payload + "}"


def encode_event(row: OutboxRow, port: str, lane: str, stale: bool = False) -> bytes:
    return event_json(row, port, lane, stale).encode()


def encode_batch(rows: list[OutboxRow], port: str, lane: str, compress: bool = True) -> bytes:
    """Several events in one message; compressed, JSON compresses around 5-10x."""
    head = json.dumps({"v": VERSION, "port": port, "lane": lane}, separators=(",", ":"))
    body = head[:-1] + ',"events":[' + ",".join(event_json(r, port, lane) for r in rows) + "]}"
    data = body.encode()
    return zlib.compress(data, 1) if compress else data


def _inflate(data: bytes) -> bytes:
    if data[:1] in (b"{", b" ", b"\n"):
        return data
    try:
        inflater = zlib.decompressobj()
        out = inflater.decompress(data, MAX_DECOMPRESSED)
    except zlib.error as exc:
        raise EnvelopeError(f"batch is neither JSON nor zlib: {exc}") from None
    if inflater.unconsumed_tail:
        raise EnvelopeError("batch inflates beyond the size limit")
    return out


def _load(data: bytes) -> Any:
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EnvelopeError(f"not JSON: {exc}") from None


def _check_version(obj: dict[str, Any]) -> None:
    version = obj.get("v")
    if not isinstance(version, str) or version.split(".")[0] != MAJOR:
        raise EnvelopeError(f"unsupported envelope version {version!r}")


def _event(obj: Any) -> UplinkEvent:
    if not isinstance(obj, dict):
        raise EnvelopeError("an event must be a JSON object")
    _check_version(obj)
    try:
        event = UplinkEvent(id=obj["id"], seq=obj["seq"], port=obj["port"], lane=obj["lane"], kind=obj["kind"],
                            created_at=obj["created_at"], payload=obj["payload"], stale=obj.get("stale", False))
    except KeyError as exc:
        raise EnvelopeError(f"event lacks {exc.args[0]!r}") from None
    text_fields = (event.id, event.port, event.lane, event.kind, event.created_at)
    if not all(isinstance(value, str) and value for value in text_fields):
        raise EnvelopeError("id, port, lane, kind and created_at must be non-empty strings")
    if type(event.seq) is not int or event.seq < 1 or not isinstance(event.payload, dict):
        raise EnvelopeError("seq must be a positive integer and payload an object")
    return event


def decode_uplink(kind: str, data: bytes) -> list[UplinkEvent]:
    """The events in one uplink message (``kind`` is the topic's last level)."""
    if kind != BATCH_KIND:
        event = _event(_load(data))
        if event.kind != kind:
            raise EnvelopeError(f"event kind {event.kind!r} published on the {kind!r} topic")
        return [event]
    batch = _load(_inflate(data))
    if not isinstance(batch, dict) or not isinstance(batch.get("events"), list):
        raise EnvelopeError("a batch must be an object with an events list")
    _check_version(batch)
    return [_event(item) for item in batch["events"]]
