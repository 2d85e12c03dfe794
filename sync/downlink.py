"""Downlink: size check, parse, signature, schema, target lane, replay -> hand to the station.

Anything that fails is counted under a reason and logged once, and the link carries on: a flood
of garbage costs CPU, never the lane.
"""

from __future__ import annotations

import json
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from garita.sync.burst_log import BurstLog
from garita.sync.logs import log_event
from garita.sync.schema_check import BODY_SCHEMAS, first_error
from garita.sync.signing import KeyRing, SignatureError, verify
from garita.sync.snapshots import SnapshotAssembler, SnapshotError
from garita.sync.topics import LANE_ONLY_KINDS, LaneTopics

SEEN_IDS = 10_000  # persistent sessions redeliver after a reconnect; remember enough ids to drop repeats


@dataclass(frozen=True)
class Verified:
    """What the station receives: a verified delta, declaration or command, or a whole snapshot."""

    kind: str  # "watchlist.snapshot", "watchlist.delta", "declaration", "lane.command" or "uplink.resend"
    message_id: str
    issued_at: str
    body: dict[str, Any]
    expires_at: str | None = None
    key_id: str = ""  # the trusted key that signed it (kept in the watchlist history)


class Refused(Exception):
    """Raised by a handler for a message it did not apply (replayed, older version, invalid content)."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(detail or reason)
        self.reason = reason


Handler = Callable[[Verified], None]


class Rejected(Exception):
    """A downlink message refused: ``reason`` is its counter, the message says why."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail or reason)
        self.reason = reason


class Downlink:
    """Checks each downlink message and passes the good ones to ``handler``."""

    def __init__(self, topics: LaneTopics, ring: KeyRing, handler: Handler,
                 max_bytes: int = 256 * 1024, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.topics, self.ring, self.handler = topics, ring, handler
        self.max_bytes, self.clock = max_bytes, clock
        self.accepted: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._snapshots = SnapshotAssembler()
        self.rejections_log = BurstLog("downlink.rejected")

    def receive(self, topic: str, payload: bytes) -> bool:
        """Handle one message; True when it was accepted. Never raises."""
        try:
            verified = self._check(topic, payload)
            if verified is not None:
                self._deliver(verified)
        except Rejected as exc:
            self.rejected[exc.reason] += 1
            self.rejections_log.log(exc.reason, topic=topic[:200], bytes=len(payload), detail=str(exc)[:200],
                                    total=self.rejected[exc.reason])
            return False
        return True

    def _check(self, topic: str, payload: bytes) -> Verified | None:
        expected = self.topics.down_kind(topic)
        if expected is None:
            raise Rejected("unknown_topic", "not a downlink topic of this lane")
        if len(payload) > self.max_bytes:
            raise Rejected("oversized", f"{len(payload)} bytes > {self.max_bytes}")
        message = _parse(payload)
        try:
            signed = verify(message, self.ring)
        except SignatureError as exc:
            raise Rejected(exc.reason, str(exc)) from None
        self._check_fields(signed, expected)
        if signed["id"] in self._seen:
            raise Rejected("duplicate", f"message {signed['id']} seen already")
        self._remember(signed["id"])
        return self._assemble(signed)

    def _check_fields(self, signed: dict[str, Any], expected: tuple[str, bool]) -> None:
        kind, lane_only = expected
        if signed.get("kind") != kind:
            raise Rejected("wrong_topic", f"kind {signed.get('kind')!r} on a {kind} topic")
        problem = first_error("downlink-signed.json", {**signed, "sig": "x"}) or first_error(
            BODY_SCHEMAS[kind], signed["body"])
        if problem:
            raise Rejected("malformed", problem)
        if "expires_at" in signed and _expired(signed["expires_at"], self.clock()):
            raise Rejected("expired", f"expired at {signed['expires_at']}")
        if kind in LANE_ONLY_KINDS and not lane_only:
            raise Rejected("wrong_topic", f"{kind} only on this lane's own topic")
        if kind in ("lane.command", *LANE_ONLY_KINDS):
            target = signed["body"]["lane"]
            if target != self.topics.lane and (lane_only or target != "*"):
                raise Rejected("other_lane", f"{kind} for lane {target!r}")

    def _assemble(self, signed: dict[str, Any]) -> Verified | None:
        if signed["kind"] != "watchlist.snapshot.chunk":
            return Verified(signed["kind"], signed["id"], signed["issued_at"], signed["body"], signed.get("expires_at"),
                            signed["key_id"])
        try:
            snapshot = self._snapshots.add(signed["body"])
        except SnapshotError as exc:
            raise Rejected(exc.reason, str(exc)) from None
        self.accepted["watchlist.snapshot.chunk"] += 1
        if snapshot is None:
            return None
        body = {"snapshot_id": snapshot.snapshot_id, "version": snapshot.version, "entries": snapshot.entries,
                "sha256": snapshot.sha256}
        return Verified("watchlist.snapshot", signed["id"], signed["issued_at"], body, key_id=signed["key_id"])

    def _deliver(self, verified: Verified) -> None:
        try:
            self.handler(verified)
        except Refused as exc:
            raise Rejected(exc.reason, str(exc)) from None
        except Exception as exc:  # the station's problem; counted so it is seen, but the link goes on
            raise Rejected("handler_failed", repr(exc)) from None
        self.accepted[verified.kind] += 1
        log_event("downlink.accepted", kind=verified.kind, id=verified.message_id)

    def _remember(self, message_id: str) -> None:
        self._seen[message_id] = None
        while len(self._seen) > SEEN_IDS:
            self._seen.popitem(last=False)


def _parse(payload: bytes) -> dict[str, Any]:
    try:
        message = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise Rejected("malformed", f"not JSON: {str(exc)[:80]}") from None
    if not isinstance(message, dict):
        raise Rejected("malformed", "not a JSON object")
    return message


def _expired(expires_at: str, now: datetime) -> bool:
    try:
        when = datetime.fromisoformat(expires_at)
    except ValueError:
        raise Rejected("malformed", f"expires_at {expires_at[:40]!r} is not ISO 8601") from None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)) < now
