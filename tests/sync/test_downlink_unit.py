"""Downlink checks without a broker: signatures, schemas, targets, replays, snapshots, and fuzzing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from garita.sync.downlink import Downlink
from garita.sync.signing import KeyRing, canonical, sign
from garita.sync.snapshots import total_hash
from garita.sync.topics import LaneTopics, lane_down, port_down
from tests.sync.helpers import Received

KEY = Ed25519PrivateKey.generate()
DELTA = port_down("2504", "watchlist/delta")
SNAP = port_down("2504", "watchlist/snapshot")
DELTA_BODY = {"base_version": 1, "version": 2, "add": [{"type": "plate", "value": "X1"}], "remove": []}


def _downlink(handler=None) -> tuple[Downlink, Received]:
    received = handler or Received()
    ring = KeyRing.of({"k1": KEY.public_key()})
    return Downlink(LaneTopics("2504", "lane-03"), ring, received, max_bytes=64 * 1024), received


def test_a_signed_delta_is_delivered_once_even_when_redelivered():
    downlink, received = _downlink()
    message = sign(KEY, "k1", "watchlist.delta", DELTA_BODY)
    assert downlink.receive(DELTA, message) and not downlink.receive(DELTA, message)
    assert received.kinds() == ["watchlist.delta"] and received.items[0].body == DELTA_BODY
    assert downlink.rejected["duplicate"] == 1 and downlink.accepted["watchlist.delta"] == 1


def test_schema_violations_expired_and_foreign_lane_commands_are_rejected():
    downlink, received = _downlink()
    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    cmd = {"lane": "lane-03", "command": "lane.close", "args": {}}
    cases = {
        "malformed": (DELTA, sign(KEY, "k1", "watchlist.delta", {"version": "two"})),
        "expired": (lane_down("2504", "lane-03", "command"), sign(KEY, "k1", "lane.command", cmd, expires_at=past)),
        "other_lane": (port_down("2504", "command"), sign(KEY, "k1", "lane.command", {**cmd, "lane": "lane-04"})),
        "unknown_key": (DELTA, sign(KEY, "k2", "watchlist.delta", DELTA_BODY)),
        "unknown_topic": ("garita/v1/9999/down/watchlist/delta", sign(KEY, "k1", "watchlist.delta", DELTA_BODY)),
    }
    for reason, (topic, payload) in cases.items():
        assert not downlink.receive(topic, payload), reason
        assert downlink.rejected[reason] == 1, reason
    assert received.items == []
    assert downlink.receive(port_down("2504", "command"), sign(KEY, "k1", "lane.command", {**cmd, "lane": "*"}))


def _chunks(entries, size, digest=None):
    parts = [entries[i:i + size] for i in range(0, len(entries), size)]
    digest = digest or total_hash(entries)
    return [sign(KEY, "k1", "watchlist.snapshot.chunk", {"snapshot_id": "s1", "version": 3, "index": i,
                                                         "count": len(parts), "total_sha256": digest, "entries": p})
            for i, p in enumerate(parts)]


def test_snapshot_chunks_in_any_order_make_one_snapshot_and_a_bad_total_hash_none():
    entries = [{"type": "plate", "value": f"P{i}"} for i in range(10)]
    downlink, received = _downlink()
    for chunk in reversed(_chunks(entries, 3)):
        downlink.receive(SNAP, chunk)
    assert received.kinds() == ["watchlist.snapshot"] and received.items[0].body["entries"] == entries
    downlink, received = _downlink()
    for chunk in _chunks(entries, 3, digest="0" * 64):
        downlink.receive(SNAP, chunk)
    assert received.items == [] and downlink.rejected["hash_mismatch"] == 1


def test_a_failing_handler_is_counted_not_raised():
    def boom(_verified):
        raise RuntimeError("station bug")

    downlink, _ = _downlink(boom)
    assert not downlink.receive(DELTA, sign(KEY, "k1", "watchlist.delta", DELTA_BODY))
    assert downlink.rejected["handler_failed"] == 1


@settings(max_examples=300)
@given(st.binary(max_size=400) | st.dictionaries(st.sampled_from(
    ["v", "kind", "id", "issued_at", "key_id", "body", "sig", "expires_at", "x"]),
    st.none() | st.text(max_size=30) | st.integers() | st.dictionaries(st.text(max_size=5), st.integers(),
                                                                       max_size=3), max_size=9).map(canonical))
def test_no_downlink_input_crashes_or_gets_through_unsigned(data):
    downlink, received = _downlink()
    assert downlink.receive(DELTA, data) is False
    assert received.items == [] and sum(downlink.rejected.values()) == 1


@given(st.integers(0, 400))
def test_a_signature_breaks_when_any_byte_of_the_signed_part_changes(position):
    message = json.loads(sign(KEY, "k1", "watchlist.delta", DELTA_BODY))
    text = canonical({k: v for k, v in message.items() if k != "sig"}).decode()
    position %= len(text)
    if not text[position].isalnum():
        return
    flipped = text[:position] + ("1" if text[position] != "1" else "2") + text[position + 1:]
    try:
        changed = {**json.loads(flipped), "sig": message["sig"]}
    except json.JSONDecodeError:
        return
    downlink, received = _downlink()
    downlink.receive(DELTA, canonical(changed))
    assert received.items == []


def test_a_resend_request_is_taken_only_on_this_lanes_own_topic_and_for_this_lane():
    downlink, received = _downlink()
    body = {"lane": "lane-03", "ranges": [[5, 9]]}
    assert not downlink.receive(port_down("2504", "resend"), sign(KEY, "k1", "uplink.resend", body))
    assert not downlink.receive(lane_down("2504", "lane-03", "resend"),
                                sign(KEY, "k1", "uplink.resend", {**body, "lane": "*"}))
    assert not downlink.receive(lane_down("2504", "lane-03", "resend"),
                                sign(KEY, "k1", "uplink.resend", {**body, "ranges": [[0, 3]]}))
    assert downlink.rejected == {"wrong_topic": 1, "other_lane": 1, "malformed": 1}
    assert downlink.receive(lane_down("2504", "lane-03", "resend"), sign(KEY, "k1", "uplink.resend", body))
    assert received.kinds() == ["uplink.resend"] and received.items[0].body["ranges"] == [[5, 9]]
