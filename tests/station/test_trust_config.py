"""[trust]: the one list of the central's keys; old configs are told what to move where, with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from garita.station.config.loader import ConfigError, load_config
from garita.sync.signing import public_key_b64
from tests.station.test_config import MINIMAL, problems, write
from tests.station.trust_configs import NEW, OLD, after_rotation, key_table

OLD_B64 = public_key_b64(OLD.public_key())
OLD_STYLE = MINIMAL + f'''
[mqtt]
enabled = false

[[mqtt.downlink_keys]]
key_id = "central-2026"
public_key_file = "/etc/garita/keys/central-2026.pub"

[watchlist]
stale_after_h = 24
public_keys = ["{OLD_B64}"]
'''


def _line(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(start))


def test_an_old_config_is_told_what_to_move_where_with_file_and_line(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, OLD_STYLE))
    rendered, file = caught.value.render().splitlines(), tmp_path / "lane.toml"
    assert rendered == [
        f"{file}: line {_line(OLD_STYLE, '[[mqtt.downlink_keys]]')}: mqtt.downlink_keys: moved to [trust]: write one "
        "[[trust.keys]] table per key with id (the old key_id), public_key (`garita keys show PUBLIC_KEY_FILE` "
        "prints it), not_before and not_after (docs/trust.md)",
        f"{file}: line {_line(OLD_STYLE, 'public_keys = ')}: watchlist.public_keys: moved to [trust]: write one "
        "[[trust.keys]] table per key with id, public_key (this base64), not_before and not_after "
        "(docs/trust.md); the same keys now sign the MQTT downlink too"]


def test_the_old_keys_inline_and_beside_other_mistakes(tmp_path):
    text = MINIMAL + '\n[mqtt]\ndownlink_keys = []\nprot = 1\n'
    assert [p.split(":")[0:2] for p in problems(tmp_path, text)] == [
        [f"line {_line(text, 'downlink_keys')}", " mqtt.downlink_keys"], [f"line {_line(text, 'prot')}", " mqtt.prot"]]


def test_the_shipped_configs_use_trust_and_not_the_old_keys():
    root = Path(__file__).resolve().parents[2] / "config"
    for path in root.glob("*.toml"):
        text = path.read_text()
        assert "public_keys" not in text and "downlink_keys" not in text, path
    mock = load_config(root / "mock-lane.toml").trust
    assert [k.id for k in mock.keys] == ["mock-central-demo"]


def test_a_key_listed_twice_or_without_an_offset_is_an_error_with_its_line(tmp_path):
    twice = MINIMAL + key_table(OLD, "a", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z") + key_table(
        OLD, "b", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z")
    first = _line(twice, "[[trust.keys]]")
    assert problems(tmp_path, twice) == [
        f"line {first}: trust.keys: Value error, public_key {OLD_B64!r} is listed twice"]
    same_id = MINIMAL + key_table(OLD, "a", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z") + key_table(
        NEW, "a", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z")
    assert problems(tmp_path, same_id) == [f"line {first}: trust.keys: Value error, id 'a' is listed twice"]
    local = MINIMAL + key_table(OLD, "a", "2026-01-01T00:00:00", "2027-01-01T00:00:00Z")
    assert problems(tmp_path, local) == [
        f"line {_line(local, 'not_before')}: trust.keys[0].not_before: Input should have timezone info"]


def test_the_rotated_config_lists_both_keys_by_id(tmp_path):
    ring = load_config(write(tmp_path, after_rotation())).trust.ring()
    assert list(ring) == ["central-2026", "central-2027"] and ring.describe() == "central-2026, central-2027"


def test_keys_show_prints_the_table_a_lane_lists(tmp_path):
    from garita.station.cli import cli
    from garita.sync.signing import write_keypair

    write_keypair(tmp_path / "c.pem", tmp_path / "c.pub")
    shown = CliRunner().invoke(cli, ["keys", "show", str(tmp_path / "c.pub"), "--id", "central-2027",
                                     "--not-before", "2027-01-01T00:00:00Z", "--not-after", "2028-01-31T00:00:00Z"])
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines()[0] == "[[trust.keys]]" and 'id = "central-2027"' in shown.output
    trust = load_config(write(tmp_path, MINIMAL + "\n" + shown.output)).trust
    assert trust.keys[0].not_after.isoformat() == "2028-01-31T00:00:00+00:00"
    made = CliRunner().invoke(cli, ["keys", "new", str(tmp_path / "n.pem"), str(tmp_path / "n.pub"), "--id", "n1"])
    assert made.exit_code == 0 and 'id = "n1"' in made.output
    assert load_config(write(tmp_path, MINIMAL + "\n" + made.output)).trust.keys[0].id == "n1"
    backwards = CliRunner().invoke(cli, ["keys", "show", str(tmp_path / "c.pub"), "--not-before", "2027-01-01",
                                         "--not-after", "2026-01-01"])
    assert backwards.exit_code == 2 and "later than --not-before" in backwards.output


def test_a_lane_with_no_key_valid_now_says_so_at_start(tmp_path, caplog):
    import logging

    from garita.station.links.mqtt_uplink import warn_if_nothing_is_trusted

    expired = load_config(write(tmp_path, MINIMAL + key_table(OLD, "old", "2020-01-01T00:00:00Z",
                                                              "2021-01-01T00:00:00Z")))
    current = load_config(write(tmp_path, MINIMAL + key_table(OLD, "now", "2020-01-01T00:00:00Z",
                                                              "2099-01-01T00:00:00Z")))
    with caplog.at_level(logging.WARNING, logger="garita.uplink"):
        warn_if_nothing_is_trusted(current)
        assert not caplog.records
        warn_if_nothing_is_trusted(expired)
    assert [r.getMessage() for r in caplog.records] == ["trust.no_valid_key"]
