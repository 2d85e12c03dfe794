"""Uplink envelopes: round trips, schemas, and no input that makes the parser do anything but refuse."""

from __future__ import annotations

import contextlib
import json
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from garita.sync.envelope import EnvelopeError, decode_uplink, encode_batch, encode_event
from garita.sync.outbox import OutboxRow
from garita.sync.schema_check import first_error, schema_names

json_values = st.recursive(st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                       max_size=4), max_leaves=12)
kinds = st.sampled_from(["read", "decision", "alert", "crossing.opened", "audit", "lane.status"])
rows = st.builds(lambda seq, kind, payload, priority: OutboxRow(
    seq, f"id-{seq}", kind, json.dumps(payload), "2026-11-28T10:00:00+00:00", priority),
    st.integers(1, 2**40), kinds, st.dictionaries(st.text(max_size=10), json_values, max_size=5), st.integers(0, 9))


@given(rows)
def test_an_event_round_trips_and_matches_its_schema(row):
    data = encode_event(row, "2504", "lane-03")
    assert first_error("uplink-event.json", json.loads(data)) is None
    [event] = decode_uplink(row.kind, data)
    assert (event.id, event.seq, event.kind, event.payload) == (row.id, row.seq, row.kind, json.loads(row.payload))


@given(st.lists(rows, min_size=1, max_size=20), st.booleans())
def test_a_batch_round_trips_compressed_or_not(batch, compress):
    data = encode_batch(batch, "2504", "lane-03", compress)
    plain = zlib.decompress(data) if compress else data
    assert first_error("uplink-batch.json", json.loads(plain)) is None
    assert [e.id for e in decode_uplink("batch", data)] == [r.id for r in batch]


@settings(max_examples=300)
@given(st.sampled_from(["read", "batch"]), st.binary(max_size=300) | st.builds(lambda v: json.dumps(v).encode(),
                                                                                 json_values))
def test_garbage_is_refused_with_envelope_error_only(kind, data):
    with contextlib.suppress(EnvelopeError):
        decode_uplink(kind, data)


def test_a_kind_on_the_wrong_topic_and_a_zip_bomb_are_refused():
    row = OutboxRow(1, "a", "read", "{}", "2026-11-28T10:00:00+00:00", 5)
    with pytest.raises(EnvelopeError, match="topic"):
        decode_uplink("decision", encode_event(row, "2504", "lane-03"))
    with pytest.raises(EnvelopeError, match="size limit"):
        decode_uplink("batch", zlib.compress(b"{" + b" " * (80 * 1024 * 1024)))
    with pytest.raises(EnvelopeError, match="version"):
        decode_uplink("read", json.dumps({"v": "2.0"}).encode())


def test_every_shipped_schema_is_valid_json_schema():
    from jsonschema import Draft202012Validator

    names = schema_names()
    assert {"uplink-event.json", "uplink-batch.json", "presence.json", "downlink-signed.json", "declaration.json",
            "watchlist-snapshot-chunk.json", "watchlist-delta.json", "lane-command.json"} <= set(names)
    for name in names:
        from garita.sync.schema_check import load_schema

        Draft202012Validator.check_schema(load_schema(name))
