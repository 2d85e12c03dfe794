"""Signed snapshots and deltas: what is applied, what is refused (and counted), and that refusals change nothing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from garita.station.links.signed_feed import (
    BadSignature,
    FeedError,
    GapNeedsResync,
    MalformedFeed,
    OlderVersion,
    OutOfSequence,
    UnsignedFeed,
)
from garita.station.watchlist import rejections
from garita.station.watchlist import watchlist_store as store
from garita.station.watchlist.cache import Watchlist
from garita.station.watchlist.importer import import_file
from garita.sync.signing import KeyRing
from tests.station.watchlist_feeds import KEYS as TRUSTED
from tests.station.watchlist_feeds import LISTED, ROGUE, delta, entry, snapshot


@pytest.fixture
def held(tmp_path, data_dir):
    """A lane holding snapshot v3 of LISTED."""
    import_file(data_dir, snapshot(tmp_path / "s3.feed", 3, LISTED), TRUSTED)
    return data_dir


def version(data_dir) -> int | None:
    return store.held_version(store.watchlist_dir(data_dir))


def refused(data_dir) -> dict:
    return rejections.load(store.watchlist_dir(data_dir))["counts"]


def test_snapshot_then_delta_apply_in_order(tmp_path, held):
    ops = [{"op": "upsert", "entry": entry("P9", "plate", plate="NEW999")}, {"op": "remove", "id": "P2"}]
    result = import_file(held, delta(tmp_path / "d4.feed", 3, 4, ops), TRUSTED)
    assert (result.kind, result.version, result.previous, result.lines) == ("delta", 4, 3, 2)
    listing = Watchlist(held)
    assert listing.check("NEW999", "plate")[0].entry_id == "P9"
    assert listing.check("ABC123D", "plate") == []
    assert listing.status().counts["plate"] == 2
    assert listing.status().snapshot_version == 3 and listing.status().version == 4


def test_upsert_replaces_an_entry_and_its_keys(tmp_path, held):
    ops = [{"op": "upsert", "entry": entry("P1", "plate", "notify", plate="7QQQ777")}]
    import_file(held, delta(tmp_path / "d4.feed", 3, 4, ops), TRUSTED)
    listing = Watchlist(held)
    assert listing.check("8XYZ123", "plate") == []
    assert [h.action for h in listing.check("7QQQ777", "plate")] == ["notify"]


def _assert_refused(data_dir, path, error, code):
    before, counted = version(data_dir), refused(data_dir).get(code, 0)
    with pytest.raises(error):
        import_file(data_dir, path, TRUSTED)
    assert version(data_dir) == before
    assert refused(data_dir).get(code, 0) == counted + 1  # this refusal was counted, once


def test_each_refusal_is_counted(tmp_path, held):
    path = snapshot(tmp_path / "s4.feed", 4, LISTED, key=ROGUE)
    for _ in range(3):
        _assert_refused(held, path, BadSignature, "bad_signature")
    assert refused(held)["bad_signature"] == 3


def test_unsigned_is_refused(tmp_path, held):
    path = snapshot(tmp_path / "s4.feed", 4, LISTED)
    lines = path.read_bytes().split(b"\n", 1)
    header = json.loads(lines[0])
    del header["signature"]
    path.write_bytes(json.dumps(header).encode() + b"\n" + lines[1])
    _assert_refused(held, path, UnsignedFeed, "unsigned")


def test_unknown_key_is_refused(tmp_path, held):
    _assert_refused(held, snapshot(tmp_path / "s4.feed", 4, LISTED, key=ROGUE), BadSignature, "bad_signature")


def test_tampered_header_is_refused(tmp_path, held):
    path = snapshot(tmp_path / "s4.feed", 4, LISTED)
    path.write_bytes(path.read_bytes().replace(b'"version":4', b'"version":5', 1))
    _assert_refused(held, path, BadSignature, "bad_signature")


def test_tampered_body_is_refused_and_nothing_applied(tmp_path, held):
    path = snapshot(tmp_path / "s4.feed", 4, [entry("X1", "plate", plate="ZZZ111")])
    path.write_bytes(path.read_bytes().replace(b"ZZZ111", b"ZZZ112"))
    _assert_refused(held, path, BadSignature, "bad_signature")
    assert Watchlist(held).check("ZZZ112") == [] and Watchlist(held).check("8XYZ123", "plate")


def test_body_swapped_under_a_signed_header_is_refused(tmp_path, held):
    """The signature covers the body's hash: a new body with its hash recomputed does not verify."""
    path = snapshot(tmp_path / "s4.feed", 4, [entry("X1", "plate", plate="ZZZ111")])
    header_line, body = path.read_bytes().split(b"\n", 1)
    forged = body.replace(b"ZZZ111", b"ZZZ112")
    header = json.loads(header_line) | {"body_sha256": hashlib.sha256(forged).hexdigest()}
    path.write_bytes(json.dumps(header).encode() + b"\n" + forged)
    _assert_refused(held, path, BadSignature, "bad_signature")
    assert Watchlist(held).check("ZZZ112", "plate") == []


def test_replayed_and_older_snapshots_are_refused(tmp_path, held):
    _assert_refused(held, snapshot(tmp_path / "s3b.feed", 3, LISTED), OlderVersion, "older")
    _assert_refused(held, snapshot(tmp_path / "s2.feed", 2, LISTED), OlderVersion, "older")


def test_replayed_delta_is_refused(tmp_path, held):
    path = delta(tmp_path / "d4.feed", 3, 4, [{"op": "remove", "id": "P2"}])
    import_file(held, path, TRUSTED)
    _assert_refused(held, path, OlderVersion, "older")


def test_gap_asks_for_a_resync(tmp_path, held):
    with pytest.raises(GapNeedsResync, match="request a resync"):
        import_file(held, delta(tmp_path / "d6.feed", 5, 6, [{"op": "remove", "id": "P2"}]), TRUSTED)
    assert version(held) == 3 and refused(held)["gap"] == 1


def test_out_of_order_delta_is_refused(tmp_path, held):
    import_file(held, delta(tmp_path / "d4.feed", 3, 4, [{"op": "remove", "id": "P2"}]), TRUSTED)
    _assert_refused(held, delta(tmp_path / "d35.feed", 3, 5, []), OutOfSequence, "out_of_sequence")


def test_delta_without_a_snapshot_needs_one(tmp_path, data_dir):
    _assert_refused(data_dir, delta(tmp_path / "d1.feed", 0, 1, []), GapNeedsResync, "gap")


def test_delta_removing_an_unknown_entry_applies_nothing(tmp_path, held):
    ops = [{"op": "remove", "id": "P1"}, {"op": "remove", "id": "NOPE"}]
    _assert_refused(held, delta(tmp_path / "d4.feed", 3, 4, ops), OutOfSequence, "out_of_sequence")
    assert Watchlist(held).check("8XYZ123", "plate")  # the first op was rolled back


@pytest.mark.parametrize("content", [b"", b"not json\n", b'{"format": "garita-feed/1"}\n', b"{" * 5000])
def test_malformed_files_are_refused(tmp_path, held, content):
    path = tmp_path / "bad.feed"
    path.write_bytes(content)
    _assert_refused(held, path, MalformedFeed, "malformed")


def test_truncated_body_is_refused(tmp_path, held):
    path = snapshot(tmp_path / "s4.feed", 4, LISTED)
    path.write_bytes(path.read_bytes()[:-40])
    _assert_refused(held, path, MalformedFeed, "malformed")


def test_invalid_entry_names_its_line(tmp_path, held):
    bad = [*LISTED[:2], {**LISTED[2], "action": "shoot"}]
    with pytest.raises(MalformedFeed, match="body line 3: action"):
        import_file(held, snapshot(tmp_path / "s4.feed", 4, bad), TRUSTED)
    assert version(held) == 3


def test_duplicate_ids_are_refused(tmp_path, held):
    _assert_refused(held, snapshot(tmp_path / "s4.feed", 4, [LISTED[0], LISTED[0]]), MalformedFeed, "malformed")


def test_a_declarations_feed_is_not_a_watchlist(tmp_path, held):
    from garita.station.links.signed_feed import json_line, write_feed
    from tests.station.watchlist_feeds import CENTRAL

    write_feed(tmp_path / "x.feed", "declarations", "snapshot", 9, [json_line({})], CENTRAL)
    _assert_refused(held, tmp_path / "x.feed", MalformedFeed, "malformed")


def test_new_snapshot_replaces_the_old_and_old_files_are_pruned(tmp_path, held):
    for v in (4, 5, 6):
        plate = str(v) * 6
        import_file(held, snapshot(tmp_path / f"s{v}.feed", v, [entry(f"V{v}", "plate", plate=plate)]), TRUSTED)
    listing = Watchlist(held)
    assert listing.check("666666", "plate") and not listing.check("555555", "plate")
    assert len(list(store.watchlist_dir(held).glob("wl-*.db"))) == 2  # live and the one before


def test_open_reader_follows_a_new_snapshot(tmp_path, held):
    listing = Watchlist(held)
    assert listing.check("8XYZ123", "plate")
    import_file(held, snapshot(tmp_path / "s4.feed", 4, [entry("X1", "plate", plate="ZZZ111")]), TRUSTED)
    assert listing.check("8XYZ123", "plate") == [] and listing.check("ZZZ111", "plate")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_are_a_feed_error_never_a_crash(content):
    import io

    from garita.station.links.signed_feed import FeedError, read_header

    with pytest.raises(FeedError):
        read_header(io.BytesIO(content), "watchlist", TRUSTED)


def _damaged(listed: dict) -> st.SearchStrategy[bytes]:
    """A listed entry as a body line: intact (two in five), with a field dropped or replaced, or raw bytes."""
    return st.from_regex(r"[A-Z][0-9]{1,6}", fullmatch=True).flatmap(lambda i: _damaged_entry(listed | {"id": i}))


def _damaged_entry(entry_dict: dict) -> st.SearchStrategy[bytes]:
    keys = st.sampled_from(sorted(entry_dict))
    values = st.one_of(st.text(max_size=8), st.integers(), st.none(), st.lists(st.text(max_size=4), max_size=2))
    damage = {
        "intact": st.just(entry_dict),
        "dropped": keys.map(lambda k: {n: v for n, v in entry_dict.items() if n != k}),
        "replaced": st.tuples(keys, values).map(lambda kv: entry_dict | {kv[0]: kv[1]}),
    }
    as_json = {name: made.map(lambda d: json.dumps(d).encode()) for name, made in damage.items()}
    lines = as_json | {"bytes": st.binary(max_size=80)}
    return st.sampled_from(["intact", "intact", "dropped", "replaced", "bytes"]).flatmap(lines.__getitem__)


def test_any_body_line_is_applied_or_refused_cleanly(tmp_path_factory):
    from garita.station.links.signed_feed import FeedError, write_feed
    from tests.station.watchlist_feeds import CENTRAL

    outcomes: dict[str, int] = {"applied": 0, "refused": 0}

    @settings(max_examples=100, deadline=None)
    @given(line=st.sampled_from(LISTED).flatmap(_damaged))
    def import_one(line: bytes) -> None:
        root = tmp_path_factory.mktemp("prop")
        write_feed(root / "s.feed", "watchlist", "snapshot", 1, [line.replace(b"\n", b" ") + b"\n"], CENTRAL)
        try:
            import_file(root / "data", root / "s.feed", TRUSTED)
        except FeedError as error:
            event("refused")
            outcomes["refused"] += 1
            assert version(root / "data") is None and refused(root / "data") == {error.code: 1}
            return
        event("applied")
        outcomes["applied"] += 1
        listing = Watchlist(root / "data")
        assert version(root / "data") == 1 and sum(listing.status().counts.values()) == 1
        assert refused(root / "data") == {}

    import_one()
    print(f"\nfeed body property: {outcomes}")
    # Both branches must be exercised, or the property says nothing about one of them.
    assert outcomes["applied"] >= 20 and outcomes["refused"] >= 20, outcomes


def _signed_header_fields(**changes) -> dict:
    """A valid signed header as a dict (then changed), for FeedHeader-level checks."""
    from garita.station.links.signed_feed import FeedHeader

    fields = {"format": "garita-feed/1", "feed": "watchlist", "kind": "snapshot", "version": 4,
              "created_at": "2026-12-01T00:00:00+00:00", "count": 0, "body_sha256": "0" * 64,
              "key_id": "0123456789abcdef"}
    FeedHeader.model_validate(fields)  # the unchanged fields are valid
    return fields | changes


@pytest.mark.parametrize("changes", [
    {"surprise": 1}, {"feed": ""}, {"feed": "w" * 33}, {"version": 0}, {"version": None},
    {"base_version": -1, "kind": "delta"}, {"count": -1}, {"body_sha256": "A" * 64}, {"key_id": "not an id"},
    {"kind": "delta"}, {"base_version": 3}, {"created_at": "2026-12-01T00:00:00"},
    {"kind": "delta", "base_version": 4}, {"kind": "delta", "base_version": 5},
])
def test_a_header_field_out_of_bounds_is_malformed(changes):
    from pydantic import ValidationError

    from garita.station.links.signed_feed import FeedHeader

    with pytest.raises(ValidationError):
        FeedHeader.model_validate(_signed_header_fields(**changes))


def test_header_bounds_that_are_allowed_and_immutable():
    from pydantic import ValidationError

    from garita.station.links.signed_feed import FeedError, FeedHeader

    header = FeedHeader.model_validate(_signed_header_fields(feed="w" * 32, version=1))
    assert FeedHeader.model_validate(_signed_header_fields(feed="w")).feed == "w"
    with pytest.raises(ValidationError):
        header.version = 9  # type: ignore[misc]  # a verified header cannot be changed afterwards
    assert FeedError("x").code == MalformedFeed("x").code == "malformed"


def test_a_header_line_may_be_4096_bytes_and_no_more(tmp_path, held):
    path = snapshot(tmp_path / "s4.feed", 4, [entry("X1", "plate", plate="ZZZ111")])
    header_line, body = path.read_bytes().split(b"\n", 1)
    padded = tmp_path / "padded.feed"
    padded.write_bytes(header_line + b" " * (4095 - len(header_line)) + b"\n" + body)  # JSON allows the spaces
    assert import_file(held, padded, TRUSTED).version == 4
    longer = snapshot(tmp_path / "s5.feed", 5, [entry("X2", "plate", plate="ZZZ222")])
    header_line, body = longer.read_bytes().split(b"\n", 1)
    longer.write_bytes(header_line + b" " * (4096 - len(header_line)) + b"\n" + body)
    _assert_refused(held, longer, MalformedFeed, "malformed")


def test_delta_and_snapshot_rules_say_why():
    from pydantic import ValidationError

    from garita.station.links.signed_feed import FeedHeader

    with pytest.raises(ValidationError, match="error, a delta needs base_version lower than version"):
        FeedHeader.model_validate(_signed_header_fields(kind="delta", base_version=4))
    with pytest.raises(ValidationError, match="error, a snapshot has no base_version"):
        FeedHeader.model_validate(_signed_header_fields(base_version=3))
    assert FeedHeader.model_validate(_signed_header_fields(kind="delta", base_version=3)).base_version == 3


def test_the_signed_bytes_are_canonical_json_the_central_can_produce():
    """Sorted keys, no spaces, every field but the signature: another implementation must sign the same bytes."""
    from garita.station.links.signed_feed import FeedHeader

    header = FeedHeader.model_validate(_signed_header_fields(signature="c2ln"))
    assert header.signed_bytes() == (
        b'{"base_version":null,"body_sha256":"' + b"0" * 64 + b'","count":0,'
        b'"created_at":"2026-12-01T00:00:00Z","feed":"watchlist","format":"garita-feed/1",'
        b'"key_id":"0123456789abcdef","kind":"snapshot","version":4}')


def test_configured_keys_are_base64_of_32_raw_bytes():
    from garita.station.config.lane_config import TrustSection
    from garita.sync.signing import public_key_b64, public_key_from_b64
    from tests.station.watchlist_feeds import CENTRAL, trust_key

    text = public_key_b64(CENTRAL.public_key())
    assert list(TrustSection.model_validate({"keys": [trust_key()]}).ring()) == list(TRUSTED) == ["central-test"]
    assert public_key_from_b64(text).public_bytes_raw() == CENTRAL.public_key().public_bytes_raw()
    for bad in (text + "!!", text[:-4], "not base64 at all"):
        with pytest.raises(ValueError, match=r"^not a base64 Ed25519 public key \(32 bytes\)"):
            public_key_from_b64(bad)


def test_a_header_without_its_newline_is_refused(tmp_path, held):
    path = snapshot(tmp_path / "s4.feed", 4, [])
    path.write_bytes(path.read_bytes().rstrip(b"\n"))  # a signed empty snapshot, cut before the newline
    _assert_refused(held, path, MalformedFeed, "malformed")


def _header_error(path, keys=TRUSTED, feed="watchlist") -> str:
    from garita.station.links.signed_feed import FeedError, read_header

    with path.open("rb") as stream, pytest.raises(FeedError) as caught:
        read_header(stream, feed, keys)
    return str(caught.value)


def test_each_refusal_says_exactly_why(tmp_path):
    good = snapshot(tmp_path / "s4.feed", 4, LISTED)
    header_line, body = good.read_bytes().split(b"\n", 1)
    header = json.loads(header_line)

    def variant(name: str, **changes) -> Path:
        path = tmp_path / name
        fields = {k: v for k, v in (header | changes).items() if v is not None}
        path.write_bytes(json.dumps(fields).encode() + b"\n" + body)
        return path

    rogue_id = json.loads(snapshot(tmp_path / "r.feed", 4, [], key=ROGUE).read_bytes().split(b"\n")[0])["key_id"]
    (trusted_id,) = TRUSTED
    assert _header_error(variant("u", signature=None)) == "watchlist snapshot v4 is not signed"
    assert _header_error(tmp_path / "r.feed") == (
        f"signed with key {rogue_id}, which this lane does not trust (configured: {trusted_id})")
    assert _header_error(good, keys=KeyRing()).endswith("does not trust (configured: none)")
    assert _header_error(variant("v", version=5)) == (
        "watchlist snapshot v5: signature does not verify (tampered or corrupted)")
    assert _header_error(variant("j", signature=header["signature"] + "!!")).endswith("does not verify "
                                                                                     "(tampered or corrupted)")
    assert _header_error(good, feed="declarations") == "this is a 'watchlist' feed, not 'declarations'"
    two_wrong = variant("w", version=0, count=-1)
    assert _header_error(two_wrong).startswith("header is not a valid garita-feed/1 header: version: ")


def test_sequence_and_body_refusals_say_exactly_why():
    import io

    from garita.station.links.signed_feed import FeedHeader, body_lines, check_sequence

    snap = FeedHeader.model_validate(_signed_header_fields(version=4))
    delta_of = lambda base, version: FeedHeader.model_validate(  # noqa: E731
        _signed_header_fields(kind="delta", base_version=base, version=version))
    cases = [
        (snap, 4, "watchlist snapshot v4 is not newer than the held v4"),
        (delta_of(3, 4), None, "watchlist delta v4 needs a snapshot first (none held): request a resync"),
        (delta_of(3, 4), 4, "watchlist delta v4 is not newer than the held v4 (replayed or old)"),
        (delta_of(6, 7), 3, "watchlist delta v7 starts at v6 but v3 is held: deltas v4..v6 are missing, "
                            "request a resync"),
        (delta_of(2, 4), 3, "watchlist delta v4 starts at v2, before the held v3"),
    ]
    for header, held, message in cases:
        with pytest.raises(FeedError) as caught:
            check_sequence(header, held)
        assert str(caught.value) == message
    two = FeedHeader.model_validate(_signed_header_fields(count=2, body_sha256=hashlib.sha256(b"a\nb\n").hexdigest()))
    for body, message in [(b"a\n", "body ends after 1 of 2 lines (truncated)"),
                          (b"a\nb\nc\n", "body has more than the 2 lines the header announces"),
                          (b"a\nc\n", "body does not match the signed hash (tampered or corrupted)")]:
        with pytest.raises(FeedError) as caught:
            list(body_lines(io.BytesIO(body), two))
        assert str(caught.value) == message
    assert list(body_lines(io.BytesIO(b"a\nb\n"), two)) == [b"a\n", b"b\n"]
