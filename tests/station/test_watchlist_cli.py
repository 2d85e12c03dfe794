"""``garita watchlist import/status/check`` and ``garita bench watchlist``, run as the port's IT would."""

from __future__ import annotations

import json

import pytest

from garita.sync.signing import public_key_b64
from tests.conftest import REPO
from tests.station.test_cli import garita
from tests.station.watchlist_feeds import CENTRAL, LISTED, ROGUE, snapshot, trust_toml


@pytest.fixture
def lane(tmp_path):
    """A lane config trusting CENTRAL, and its data directory."""
    text = (REPO / "config/lane.example.toml").read_text()
    text += trust_toml()
    config = tmp_path / "lane.toml"
    config.write_text(text)
    return ["--config", str(config), "--data-dir", str(tmp_path / "data")]


def test_import_status_and_check(tmp_path, lane):
    imported = garita("watchlist", "import", str(snapshot(tmp_path / "s.feed", 7, LISTED)), *lane)
    assert imported.returncode == 0, imported.stderr
    assert "applied snapshot v7 (was none): 9 lines" in imported.stdout
    status = garita("watchlist", "status", *lane)
    assert "watchlist v7 (snapshot v7), age 0.0 h" in status.stdout and "STALE" not in status.stdout
    assert status.returncode == 0
    assert "plate 2" in status.stdout and "person 2" in status.stdout
    hit = garita("watchlist", "check", "BXYZ123", *lane)
    assert hit.returncode == 2
    assert "HIT DETAIN P1 plate 8XYZ123 [ocr_confusion]" in hit.stdout and "1: read 'B', listed '8'" in hit.stdout
    miss = garita("watchlist", "check", "QQQ000", "--kind", "plate", *lane)
    assert miss.returncode == 0 and "no hit" in miss.stdout
    as_json = json.loads(garita("watchlist", "check", "john smith", "--json", *lane).stdout)
    assert as_json["hits"][0]["entry_id"] == "N2" and as_json["watchlist"]["version"] == 7


def test_refused_file_is_reported_and_counted(tmp_path, lane):
    refused = garita("watchlist", "import", str(snapshot(tmp_path / "s.feed", 1, LISTED, key=ROGUE)), *lane)
    assert refused.returncode == 1
    assert "refused (bad_signature)" in refused.stderr and "nothing was applied" in refused.stderr
    assert "Traceback" not in refused.stderr
    status = garita("watchlist", "status", *lane)
    assert "none imported" in status.stdout and "STALE" in status.stdout
    assert "refused files: bad_signature 1" in status.stdout
    assert status.returncode == 1  # nothing held: a monitoring script sees it
    unchecked = garita("watchlist", "check", "8XYZ123", *lane)
    assert unchecked.returncode == 3 and "no watchlist held" in unchecked.stdout


def test_import_without_trusted_keys_is_a_config_error(tmp_path):
    result = garita("watchlist", "import", str(snapshot(tmp_path / "s.feed", 1, LISTED)),
                    "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 78 and "[[trust.keys]]" in result.stderr


def test_bad_key_in_config_is_a_config_error(tmp_path):
    config = tmp_path / "lane.toml"
    text = (REPO / "config/lane.example.toml").read_text() + trust_toml()
    config.write_text(text.replace(public_key_b64(CENTRAL.public_key()), "not-a-key"))
    checked = garita("check-config", str(config))
    line = config.read_text().splitlines().index('public_key = "not-a-key"') + 1
    assert checked.returncode == 78 and f"line {line}: trust.keys[0].public_key" in checked.stdout


def test_bench_watchlist_json_has_the_figures():
    result = garita("bench", "watchlist", "--entries", "2000", "--lookups", "200", "--baseline-lookups", "20",
                    "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    for key in ("entries", "import_s", "lookup_p50_ms", "lookup_p99_ms", "lookups_per_s", "rss_mb",
                "baseline_lookup_p50_ms"):
        assert key in figures
    assert figures["entries"] == 2000 and figures["agree"] is True


def test_declarations_import(tmp_path, lane):
    from garita.station.links.signed_feed import json_line, write_feed
    from garita.station.storage.database import open_database
    from tests.station.test_declarations import declaration

    open_database(tmp_path / "data").conn.close()  # the lane has run once
    write_feed(tmp_path / "d.feed", "declarations", "snapshot", 4, [json_line(declaration())], CENTRAL)
    done = garita("declarations", "import", str(tmp_path / "d.feed"), *lane)
    assert done.returncode == 0 and "declarations v4 applied" in done.stdout, done.stderr
    again = garita("declarations", "import", str(tmp_path / "d.feed"), *lane)
    assert again.returncode == 1 and "refused (older)" in again.stderr
