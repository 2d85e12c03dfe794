"""A key rotation for feed files in one edit of [trust]: both keys valid in the overlap, the old refused after."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from garita.station.config.loader import load_config
from garita.station.declarations.declaration_store import held_version, import_declarations
from garita.station.links.signed_feed import BadSignature, FeedError, KeyOutsideWindow, json_line, write_feed
from garita.station.watchlist import rejections
from garita.station.watchlist.cache import Watchlist
from garita.station.watchlist.importer import import_file
from garita.sync.signing import KeyRing
from tests.station.test_declarations import declaration
from tests.station.trust_configs import (
    AFTER_OLD,
    BEFORE_NEW,
    NEW,
    NEW_ID,
    OLD,
    OLD_ID,
    OVERLAP,
    Clock,
    after_rotation,
    before_rotation,
)
from tests.station.watchlist_feeds import entry


def _ring(config: Path, clock: Clock) -> KeyRing:
    return load_config(config).trust.ring(clock)


def _feed(folder: Path, version: int, key, key_id: str) -> Path:
    path = folder / f"s{version}-{key_id}.feed"
    write_feed(path, "watchlist", "snapshot", version, [json_line(entry(f"P{version}", "plate", plate=f"V{version}X"))],
               key, key_id=key_id)
    return path


def _refused(data_dir: Path, path: Path, ring: KeyRing) -> FeedError:
    with pytest.raises(FeedError) as caught:
        import_file(data_dir, path, ring)
    return caught.value


def _held(data_dir: Path) -> int | None:
    listing = Watchlist(data_dir)
    try:
        return listing.version()
    finally:
        listing.close()


def test_the_rotation_is_one_edit_that_only_adds_the_new_key():
    before, after = before_rotation(), after_rotation()
    changes = [op for op in difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines()).get_opcodes()
               if op[0] != "equal"]
    assert [op[0] for op in changes] == ["insert"]  # one hunk, nothing removed or changed
    added = after.splitlines()[changes[0][3]:changes[0][4]]
    assert added[:2] == ["", "[[trust.keys]]"] and f'id = "{NEW_ID}"' in added


def test_a_feed_file_through_the_rotation(tmp_path, data_dir):
    config, clock = tmp_path / "lane.toml", Clock(BEFORE_NEW)
    config.write_text(before_rotation())
    assert import_file(data_dir, _feed(tmp_path, 1, OLD, OLD_ID), _ring(config, clock)).version == 1

    config.write_text(after_rotation())  # the one edit, made ahead of the switch
    refused = _refused(data_dir, _feed(tmp_path, 2, NEW, NEW_ID), _ring(config, clock))
    assert isinstance(refused, KeyOutsideWindow) and refused.code == "key_not_yet_valid"
    assert str(refused) == ("watchlist snapshot v2: key 'central-2027' is trusted from 2027-01-01T00:00:00+00:00 "
                            "(not_before); the lane's clock says 2026-12-15T00:00:00+00:00")

    clock.now = OVERLAP  # both keys sign, both are accepted
    ring = _ring(config, clock)
    assert import_file(data_dir, _feed(tmp_path, 2, OLD, OLD_ID), ring).version == 2
    assert import_file(data_dir, _feed(tmp_path, 3, NEW, NEW_ID), ring).version == 3

    clock.now = AFTER_OLD  # no second edit: the old key has aged out on its own
    refused = _refused(data_dir, _feed(tmp_path, 4, OLD, OLD_ID), ring)
    assert isinstance(refused, KeyOutsideWindow) and refused.code == "key_expired"
    assert str(refused) == ("watchlist snapshot v4: key 'central-2026' expired at 2027-01-31T00:00:00+00:00 "
                            "(not_after); the lane's clock says 2027-02-15T00:00:00+00:00")
    assert _held(data_dir) == 3  # the refusal changed nothing
    assert import_file(data_dir, _feed(tmp_path, 4, NEW, NEW_ID), ring).version == 4
    counts = rejections.load(data_dir / "watchlist")["counts"]
    assert counts == {"key_not_yet_valid": 1, "key_expired": 1}


def test_declarations_use_the_same_ring(tmp_path, store, data_dir):
    config = tmp_path / "lane.toml"
    config.write_text(after_rotation())
    ring = _ring(config, Clock(AFTER_OLD))
    old = tmp_path / "d-old.feed"
    write_feed(old, "declarations", "snapshot", 1, [json_line(declaration())], OLD, key_id=OLD_ID)
    with pytest.raises(KeyOutsideWindow, match="key 'central-2026' expired"):
        import_declarations(store, data_dir, old, ring)
    assert held_version(store) is None
    new = tmp_path / "d-new.feed"
    write_feed(new, "declarations", "snapshot", 1, [json_line(declaration())], NEW, key_id=NEW_ID)
    assert import_declarations(store, data_dir, new, ring) == 1


def test_tampered_header_or_body_is_still_refused_inside_the_window(tmp_path, data_dir):
    config = tmp_path / "lane.toml"
    config.write_text(after_rotation())
    ring = _ring(config, Clock(OVERLAP))
    good = _feed(tmp_path, 5, NEW, NEW_ID)
    header, body = good.read_bytes().split(b"\n", 1)
    header_changed = tmp_path / "h.feed"
    header_changed.write_bytes(header.replace(b'"version":5', b'"version":6') + b"\n" + body)
    body_changed = tmp_path / "b.feed"
    body_changed.write_bytes(header + b"\n" + body.replace(b"V5X", b"V9X"))
    renamed = tmp_path / "k.feed"  # the new key's signature presented as the old key's
    renamed.write_bytes(header.replace(NEW_ID.encode(), OLD_ID.encode()) + b"\n" + body)
    for path in (header_changed, body_changed, renamed):
        assert isinstance(_refused(data_dir, path, ring), BadSignature), path
    assert _held(data_dir) is None
    assert rejections.load(data_dir / "watchlist")["counts"] == {"bad_signature": 3}
