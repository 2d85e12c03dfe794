"""A lane killed in the middle of an import keeps the version it held before."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from garita.station.watchlist import watchlist_store as store
from garita.station.watchlist.cache import Watchlist
from garita.station.watchlist.importer import import_file
from tests.conftest import REPO
from tests.station.watchlist_feeds import KEYS, LISTED, delta, entry, snapshot

KILLER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from garita.station.watchlist import importer
    from tests.station.watchlist_feeds import KEYS
    real = importer._apply_op
    applied = 0

    def dying_op(conn, op):
        global applied
        real(conn, op)
        applied += 1
        if applied == 500:
            os.kill(os.getpid(), signal.SIGKILL)

    importer._apply_op = dying_op
    importer.import_file(Path(sys.argv[1]), Path(sys.argv[2]), KEYS,
                         lambda done, total: done and os.kill(os.getpid(), signal.SIGKILL))
""")


def _killed_import(data_dir, path) -> None:
    done = subprocess.run([sys.executable, "-c", KILLER, str(data_dir), str(path)], cwd=REPO, timeout=120,
                          capture_output=True, text=True)
    assert done.returncode == -9, done.stderr


@pytest.fixture
def held(tmp_path, data_dir):
    import_file(data_dir, snapshot(tmp_path / "s1.feed", 1, LISTED), KEYS)
    return data_dir


def test_killed_snapshot_import_leaves_the_previous_version(tmp_path, held):
    big = [entry(f"X{n}", "plate", plate=f"K{n:06d}") for n in range(45_000)]
    _killed_import(held, snapshot(tmp_path / "s2.feed", 2, big))
    listing = Watchlist(held)
    assert listing.version() == 1 and listing.check("8XYZ123", "plate")
    assert listing.check("K000001", "plate") == []
    import_file(held, snapshot(tmp_path / "s2.feed", 2, big), KEYS)  # and the retry succeeds
    assert not list(store.watchlist_dir(held).glob("*.partial"))
    assert Watchlist(held).check("K000001", "plate")


def test_killed_delta_leaves_the_previous_version(tmp_path, held):
    ops = [{"op": "upsert", "entry": entry(f"Y{n}", "plate", plate=f"Y{n:06d}")} for n in range(2000)]
    _killed_import(held, delta(tmp_path / "d2.feed", 1, 2, ops))
    listing = Watchlist(held)
    assert listing.version() == 1
    assert listing.check("Y000001", "plate") == [] and listing.status().counts["plate"] == 2
    import_file(held, delta(tmp_path / "d2.feed", 1, 2, ops), KEYS)
    assert Watchlist(held).version() == 2
