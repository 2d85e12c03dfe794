"""Issue 17 row 6: an old or wrong trusted key is exit 78 naming key and line; a damaged database is exit 73.

Real subprocesses, the way systemd runs them: ``garita check-config``, ``garita run`` and
``garita audit verify``. None of them may end in a traceback (systemd would restart in a loop).
"""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from garita.station.storage.database import DB_NAME, open_database
from garita.station.storage.lane_store import LaneStore
from garita.sync.signing import public_key_b64
from tests.conftest import REPO
from tests.station.test_cli import garita
from tests.station.watchlist_feeds import CENTRAL, trust_toml

OLD_KEY_TABLE = '\n[[mqtt.downlink_keys]]\nkey_id = "central-2026"\npublic_key_file = "{path}"\n'


def _config_with(tmp_path: Path, extra: str, marker: str) -> tuple[Path, int]:
    """lane.example.toml with [mqtt] on and ``extra`` appended; the line of ``marker`` in it."""
    text = (REPO / "config/lane.example.toml").read_text().replace("enabled = false\nhost = \"central",
                                                                   "enabled = true\nhost = \"central", 1)
    text += extra
    config = tmp_path / "lane.toml"
    config.write_text(text)
    return config, text.splitlines().index(marker) + 1


def _refused_with_78(tmp_path: Path, config: Path, expected: str) -> None:
    checked = garita("check-config", str(config))
    ran = garita("run", "--config", str(config), "--data-dir", str(tmp_path / "data"))
    for result in (checked, ran):
        assert result.returncode == 78, result.stdout + result.stderr
        assert expected in result.stdout, result.stdout
        assert "Traceback" not in result.stdout + result.stderr


def test_an_old_downlink_key_table_is_78_saying_what_to_move_where(tmp_path: Path) -> None:
    config, line = _config_with(tmp_path, OLD_KEY_TABLE.format(path=tmp_path / "central.pub"),
                                "[[mqtt.downlink_keys]]")
    _refused_with_78(tmp_path, config, f"line {line}: mqtt.downlink_keys: moved to [trust]: write one "
                                       "[[trust.keys]] table per key with id (the old key_id), public_key")


def test_a_trusted_key_that_is_not_a_key_is_78_with_key_and_line(tmp_path: Path) -> None:
    table = trust_toml().replace(public_key_b64(CENTRAL.public_key()), "not-a-key")
    config, line = _config_with(tmp_path, table, 'public_key = "not-a-key"')
    _refused_with_78(tmp_path, config, f"line {line}: trust.keys[0].public_key: String should match pattern")


def test_a_key_window_that_ends_before_it_starts_is_78(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    config, line = _config_with(tmp_path, trust_toml(not_before=now, not_after=now - timedelta(days=1)),
                                "[[trust.keys]]")
    _refused_with_78(tmp_path, config, f"line {line}: trust.keys[0]: Value error, key 'central-test': not_after "
                                       "must be later than not_before")


def _damaged_database(data_dir: Path) -> None:
    store = LaneStore(open_database(data_dir))
    now = datetime.now(UTC)
    with store.transaction() as tx:
        for n in range(3000):
            tx.audit(now, "test", "filler", None, {"n": n, "pad": "x" * 200})
    store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.db.conn.close()
    path = data_dir / DB_NAME
    size, noise = path.stat().st_size, random.Random(17)
    with path.open("r+b") as db:  # random bytes inside pages, the header left alone
        for _ in range(40):
            db.seek(noise.randrange(8192, size - 512))
            db.write(noise.randbytes(256))
        db.flush()
        os.fsync(db.fileno())


def test_a_damaged_database_is_73_naming_integrity_check(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    _damaged_database(data_dir)
    ran = garita("run", "--config", "config/lane.example.toml", "--data-dir", str(data_dir))
    verified = garita("audit", "verify", "--data-dir", str(data_dir))
    for result, stream in ((ran, ran.stdout), (verified, verified.stderr)):
        assert result.returncode == 73, result.stdout + result.stderr
        assert "PRAGMA integrity_check" in stream and "backup" in stream
        assert "Traceback" not in result.stdout + result.stderr
