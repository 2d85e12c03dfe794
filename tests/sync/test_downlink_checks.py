"""Each downlink refusal with its counter, its logged reason and detail; what is accepted, counted and remembered.

Written against the mutants of ``sync/downlink.py`` that the other downlink tests let through
(docs/testing.md): reasons and messages, the size and expiry boundaries, the snapshot handed on,
the counters, and which message ids are remembered.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from garita.sync.downlink import Downlink, Refused
from garita.sync.signing import KeyRing, sign
from garita.sync.snapshots import total_hash
from garita.sync.topics import LaneTopics, lane_down, port_down
from tests.sync.helpers import Received

KEY = Ed25519PrivateKey.generate()
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
DELTA = port_down("2504", "watchlist/delta")
SNAP = port_down("2504", "watchlist/snapshot")
COMMAND = lane_down("2504", "lane-03", "command")
DELTA_BODY = {"base_version": 1, "version": 2, "add": [{"type": "plate", "value": "X1"}], "remove": []}
CMD = {"lane": "lane-03", "command": "lane.close", "args": {}}


def _downlink(handler=None, **kwargs) -> tuple[Downlink, Received]:
    received = handler or Received()
    ring = KeyRing.of({"k1": KEY.public_key()})
    kwargs.setdefault("clock", lambda: NOW)
    return Downlink(LaneTopics("2504", "lane-03"), ring, received, **kwargs), received


def _logged(caplog, event: str) -> list[dict]:
    return [r.garita_fields for r in caplog.records if r.getMessage() == event]


def _refused(caplog, topic: str, payload: bytes, **kwargs) -> dict:
    """Feed one message to a fresh downlink; the one rejection line it logged (reason, detail, ...)."""
    downlink, received = _downlink(**kwargs)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="garita.sync"):
        assert downlink.receive(topic, payload) is False
    assert not isinstance(received, Received) or received.items == []
    [line] = _logged(caplog, "downlink.rejected")
    assert downlink.rejected[line["reason"]] == line["total"] == 1
    assert line["bytes"] == len(payload)
    return line


@pytest.mark.parametrize(("topic", "payload", "reason", "detail"), [
    ("garita/v1/2504/down/nothing", b"{}", "unknown_topic", "not a downlink topic of this lane"),
    (DELTA, b"[1]", "malformed", "not a JSON object"),
    (SNAP, sign(KEY, "k1", "watchlist.delta", DELTA_BODY), "wrong_topic",
     "kind 'watchlist.delta' on a watchlist.snapshot.chunk topic"),
])
def test_each_refusal_names_its_reason_and_says_why(caplog, topic, payload, reason, detail) -> None:
    line = _refused(caplog, topic, payload)
    assert (line["reason"], line["detail"]) == (reason, detail)


def test_lane_only_other_lane_expired_and_duplicate_say_which(caplog) -> None:
    resend = sign(KEY, "k1", "uplink.resend", {"lane": "lane-03", "ranges": [[1, 2]]})
    line = _refused(caplog, port_down("2504", "resend"), resend)
    assert line["reason"] == "wrong_topic" and line["detail"] == "uplink.resend only on this lane's own topic"
    line = _refused(caplog, port_down("2504", "command"), sign(KEY, "k1", "lane.command", {**CMD, "lane": "lane-04"}))
    assert (line["reason"], line["detail"]) == ("other_lane", "lane.command for lane 'lane-04'")
    past = (NOW - timedelta(seconds=1)).isoformat()
    line = _refused(caplog, COMMAND, sign(KEY, "k1", "lane.command", CMD, expires_at=past))
    assert (line["reason"], line["detail"]) == ("expired", f"expired at {past}")
    line = _refused(caplog, COMMAND, sign(KEY, "k1", "lane.command", CMD, expires_at="not a time at all"))
    assert (line["reason"], line["detail"]) == ("malformed", "expires_at 'not a time at all' is not ISO 8601")
    downlink, _ = _downlink()
    message = sign(KEY, "k1", "watchlist.delta", DELTA_BODY, message_id="m-42")
    downlink.receive(DELTA, message)
    with caplog.at_level(logging.INFO, logger="garita.sync"):
        assert not downlink.receive(DELTA, message)
    assert _logged(caplog, "downlink.rejected")[-1]["detail"] == "message m-42 seen already"


def test_not_json_is_refused_with_the_parser_s_message_cut_at_80(caplog) -> None:
    payload = b" " * 60_000 + b"{"
    with pytest.raises(json.JSONDecodeError) as parsed:  # its message names the column: over 80 characters
        json.loads(payload)
    message = str(parsed.value)
    assert len(message) > 80
    line = _refused(caplog, DELTA, payload)
    assert (line["reason"], line["detail"]) == ("malformed", f"not JSON: {message[:80]}")


def test_size_limit_is_inclusive_and_256_kib_by_default(caplog) -> None:
    at_limit = b" " * (256 * 1024)
    assert _refused(caplog, DELTA, at_limit)["reason"] == "malformed"  # read, and refused as junk
    line = _refused(caplog, DELTA, at_limit + b" ")
    assert (line["reason"], line["detail"]) == ("oversized", f"{256 * 1024 + 1} bytes > {256 * 1024}")


def test_long_topics_and_details_are_logged_cut_at_200(caplog) -> None:
    line = _refused(caplog, "garita/" + "t" * 300, b"{}")
    assert line["topic"] == ("garita/" + "t" * 300)[:200]
    odd_kind = sign(KEY, "k1", "x" * 300, DELTA_BODY)
    line = _refused(caplog, DELTA, odd_kind)
    assert line["reason"] == "wrong_topic"
    assert line["detail"] == f"kind {'x' * 300!r} on a watchlist.delta topic"[:200]


def test_a_handler_s_refusal_is_counted_under_its_reason_with_its_detail_or_the_reason(caplog) -> None:
    def refuse_plain(_verified):
        raise Refused("older_version")

    def refuse_said(_verified):
        raise Refused("older_version", "version 2 <= 5")

    for handler, detail in ((refuse_plain, "older_version"), (refuse_said, "version 2 <= 5")):
        line = _refused(caplog, DELTA, sign(KEY, "k1", "watchlist.delta", DELTA_BODY), handler=handler)
        assert (line["reason"], line["detail"]) == ("older_version", detail)


def test_expiry_is_strict_and_a_naive_time_is_utc() -> None:
    for expires_at, accepted in ((NOW.isoformat(), True), ((NOW - timedelta(microseconds=1)).isoformat(), False),
                                 ("2026-12-04T11:59:59", False), ("2026-12-04T12:00:01", True)):
        downlink, _ = _downlink()
        assert downlink.receive(COMMAND, sign(KEY, "k1", "lane.command", CMD, expires_at=expires_at)) is accepted
        assert downlink.rejected["expired"] == (0 if accepted else 1), expires_at


def test_the_default_clock_is_now() -> None:
    default = Downlink(LaneTopics("2504", "lane-03"), KeyRing.of({"k1": KEY.public_key()}), Received())
    soon = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    gone = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    assert default.receive(COMMAND, sign(KEY, "k1", "lane.command", CMD, expires_at=soon))
    assert not default.receive(COMMAND, sign(KEY, "k1", "lane.command", CMD, expires_at=gone))
    assert default.rejected == {"expired": 1}


def test_snapshot_chunks_are_counted_each_and_the_snapshot_handed_on_whole(caplog) -> None:
    entries = [{"type": "plate", "value": f"P{i}"} for i in range(10)]
    parts = [entries[i:i + 3] for i in range(0, 10, 3)]
    chunks = [sign(KEY, "k1", "watchlist.snapshot.chunk", {
        "snapshot_id": "s1", "version": 3, "index": i, "count": len(parts), "total_sha256": total_hash(entries),
        "entries": part}, message_id=f"c{i}") for i, part in enumerate(parts)]
    downlink, received = _downlink()
    with caplog.at_level(logging.INFO, logger="garita.sync"):
        assert all(downlink.receive(SNAP, chunk) for chunk in chunks)
    assert downlink.accepted == {"watchlist.snapshot.chunk": 4, "watchlist.snapshot": 1}
    [snapshot] = received.items
    assert (snapshot.kind, snapshot.message_id, snapshot.key_id, snapshot.expires_at) == (
        "watchlist.snapshot", "c3", "k1", None)
    assert snapshot.body == {"snapshot_id": "s1", "version": 3, "entries": entries, "sha256": total_hash(entries)}
    assert _logged(caplog, "downlink.accepted") == [{"kind": "watchlist.snapshot", "id": "c3"}]


def test_every_accepted_message_is_counted(caplog) -> None:
    downlink, received = _downlink()
    soon = (NOW + timedelta(minutes=1)).isoformat()
    for n in range(3):
        downlink.receive(COMMAND, sign(KEY, "k1", "lane.command", CMD, message_id=f"m{n}", expires_at=soon))
    assert downlink.accepted == {"lane.command": 3}
    assert [v.expires_at for v in received.items] == [soon] * 3


def test_the_last_10000_ids_are_remembered_and_the_oldest_forgotten_first() -> None:
    downlink, received = _downlink()
    first, second = (sign(KEY, "k1", "watchlist.delta", DELTA_BODY, message_id=f"m{n}") for n in (0, 1))
    assert downlink.receive(DELTA, first) and downlink.receive(DELTA, second)
    for n in range(10_000 - 2):  # ids as the downlink keeps them, without signing 10,000 messages
        downlink._remember(f"filler-{n}")
    assert not downlink.receive(DELTA, first)  # 10,000 held: the oldest is still known
    downlink._remember("one-more")
    assert not downlink.receive(DELTA, second)  # the oldest went, not the newest
    assert downlink.receive(DELTA, first)
    assert downlink.rejected["duplicate"] == 2 and len(received.items) == 3
