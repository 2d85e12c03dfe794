"""Lane config: the shipped files are valid; every kind of mistake is reported with key and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from garita.station.config.loader import ConfigError, key_lines, load_config
from tests.conftest import REPO

MINIMAL = """
[lane]
id = "lane-1"
port_code = "2504"
direction = "northbound"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lane.toml"
    path.write_text(text)
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    return [str(p) for p in caught.value.problems]


def test_shipped_configs_are_valid():
    example = load_config(REPO / "config/lane.example.toml")
    assert example.lane.id == "lane-03"
    assert [d.kind for d in example.devices] == ["camera", "rfid", "scanner", "document-reader"]
    mock = load_config(REPO / "config/mock-lane.toml")
    assert {d.name for d in mock.devices} == {"plate-cam", "rfid-1", "scanner-1", "docs-1"}


def test_minimal_config_gets_defaults(tmp_path):
    config = load_config(write(tmp_path, MINIMAL))
    assert config.storage.data_dir == Path("/var/lib/garita")
    assert config.booth.host == "127.0.0.1"
    assert config.mqtt.enabled is False


def test_misspelt_key_names_key_and_line(tmp_path):
    found = problems(tmp_path, MINIMAL + "\n[lifecycle]\nidle_timeout = 30\n")
    assert found == ["line 8: lifecycle.idle_timeout: unknown key (misspelt?)"]


def test_misspelt_key_inside_array_of_tables(tmp_path):
    text = MINIMAL + """
[[devices]]
name = "cam"
kind = "camera"
driver = "opencv"
url = "file:///x.jpg"

[[devices]]
name = "rfid"
kind = "rfid"
driver = "alien"
prot = "/dev/ttyUSB0"
"""
    found = problems(tmp_path, text)
    assert found == ["line 17: devices[1].prot: unknown key (misspelt?)"]
    fixed = problems(tmp_path, text.replace('prot = "/dev/ttyUSB0"', ""))
    assert fixed == ["line 13: devices[1]: Value error, rfid 'rfid' needs a port"]


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    text = MINIMAL.replace('"2504"', '"25"') + "\n[booth]\nport = 70000\nlanguage = \"fr\"\n"
    found = problems(tmp_path, text)
    assert len(found) == 3
    assert any("lane.port_code" in p and "line 4" in p for p in found)
    assert any("booth.port" in p and "65535" in p for p in found)
    assert any("booth.language" in p for p in found)


def test_missing_section_and_duplicate_device(tmp_path):
    assert any("lane: Field required" in p for p in problems(tmp_path, "[booth]\nport = 8080\n"))
    device = '\n[[devices]]\nname = "a"\nkind = "rfid"\ndriver = "alien"\nport = "/dev/x"\n'
    assert any("used twice" in p for p in problems(tmp_path, MINIMAL + device + device))


def test_syntax_error_names_line(tmp_path):
    found = problems(tmp_path, MINIMAL + "\n[booth\n")
    assert found[0].startswith("line 7: (syntax): not valid TOML")


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(ConfigError) as missing:
        load_config(tmp_path / "nope.toml")
    expected = "(file): does not exist; pass --config with the lane's TOML file"
    assert str(missing.value) == f"{tmp_path / 'nope.toml'}: {expected}"
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError) as unreadable:
        load_config(binary)
    assert [str(p) for p in unreadable.value.problems] == [
        "(file): cannot be read: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"]


def test_the_error_names_the_file_on_every_problem_one_per_line(tmp_path):
    """What check-config and the journal show: ``file: line N: key: message``, one problem a line."""
    path = write(tmp_path, MINIMAL + "\n[lifecycle]\nidle_timeout = 30\n[booth]\nport = 70000\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.file == path
    assert str(caught.value).split("\n") == [
        f"{path}: line 8: lifecycle.idle_timeout: unknown key (misspelt?)",
        f"{path}: line 10: booth.port: Input should be less than or equal to 65535"]


def test_a_missing_key_points_at_its_table_and_a_whole_file_rule_at_no_line(tmp_path):
    assert problems(tmp_path, MINIMAL.replace('id = "lane-1"\n', "")) == ["line 2: lane.id: Field required"]
    device = '\n[[devices]]\nname = "a"\nkind = "rfid"\ndriver = "alien"\nport = "/dev/x"\n'
    assert problems(tmp_path, MINIMAL + device + device) == [
        "(top level): Value error, device name 'a' is used twice"]


def test_a_misspelt_top_level_key_names_its_line(tmp_path):
    assert problems(tmp_path, "lnae = 1\n" + MINIMAL) == ["line 1: lnae: unknown key (misspelt?)"]


def test_a_bad_config_exits_with_the_status_the_unit_will_not_restart_on():
    """systemd's RestartPreventExitStatus must list what the CLI exits with on a bad config, or it loops."""
    from garita.station.config.loader import EX_CONFIG

    unit = (REPO / "config/systemd/garita.service").read_text()
    prevent = next(line for line in unit.splitlines() if line.startswith("RestartPreventExitStatus="))
    assert str(EX_CONFIG) in prevent.split("=", 1)[1].split()


def test_key_lines_maps_nested_tables():
    text = '[a]\nx = 1\n[[d]]\nn = 1\n[d.o]\nk = 2\n[[d]]\nn = 2\n[d.o]\nk = 3\n'
    lines = key_lines(text)
    assert lines[("a", "x")] == 2
    assert lines[("d", 0, "o", "k")] == 6
    assert lines[("d", 1, "o", "k")] == 10
    # top-level keys before any table; quotes stripped, nothing else (a key may end in any letter)
    assert key_lines('title = 1\n[a]\n"X" = 2\nmaX = 3\n') == {("title",): 1, ("a",): 2, ("a", "X"): 3, ("a", "maX"): 4}


def test_the_documented_llrp_reader_is_a_valid_device(tmp_path):
    """config/lane.example.toml's commented LLRP reader, uncommented, passes check-config's device build."""
    from garita.drivers.registry import build_device

    text = (REPO / "config/lane.example.toml").read_text()
    block = text[text.index("# [[devices]]\n# name = \"rfid-2\""):text.index("[[devices]]\nname = \"scanner-1\"")]
    config = tmp_path / "lane.toml"
    config.write_text(text + "\n" + "\n".join(line.removeprefix("# ") for line in block.splitlines()) + "\n")
    section = next(d for d in load_config(config).devices if d.name == "rfid-2")
    device = build_device(section.name, section.kind, section.driver, section.port, section.url, section.options)
    assert device.port == "tcp://10.20.3.12:5084" and device.options.antennas == [1, 2]
    mock = load_config(REPO / "config/mock-lane-llrp.toml")
    assert [d.driver for d in mock.devices if d.name == "rfid-1"] == ["llrp"]

STABLE_KEYS = {"title", "default", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength",
               "maxLength", "pattern", "enum", "const", "minItems", "maxItems", "required", "additionalProperties",
               "examples"}


def _stable(node: object, path: str = "") -> dict:
    """The parts of a JSON schema that say what lane.toml accepts (not how a pydantic version lays it out)."""
    found: dict = {}
    if isinstance(node, dict):
        for key, value in node.items():
            if key in STABLE_KEYS and not isinstance(value, dict):
                found[f"{path}/{key}"] = sorted(value) if key == "required" else value
            else:
                found |= _stable(value, f"{path}/{key}")
    elif isinstance(node, list):
        for n, value in enumerate(node):
            found |= _stable(value, f"{path}/{n}")
    return found


def test_the_config_reference_matches_the_models():
    """docs/lane-config.schema.json is the operators' reference: every key, title, default and bound."""
    import json

    from garita.station.config.lane_config import LaneConfig

    shipped = json.loads((REPO / "docs/lane-config.schema.json").read_text())
    assert _stable(LaneConfig.model_json_schema()) == _stable(shipped), (
        "the lane.toml models changed: regenerate docs/lane-config.schema.json with "
        "json.dumps(LaneConfig.model_json_schema(), indent=1, sort_keys=True, ensure_ascii=False)")


def test_the_default_risk_rules(tmp_path):
    rules = load_config(write(tmp_path, MINIMAL)).risk.rules
    assert [(r.id, r.action) for r in rules] == [
        ("watchlist-detain", "detain"), ("watchlist-refer", "secondary"), ("watchlist-notify", "release"),
        ("declaration-discrepancy", "secondary"), ("declaration-missing", "secondary"),
        ("document-flag", "secondary"), ("pre-arrival-high", "secondary")]
    assert all(r.reason_en and r.reason_es and r.reason_en != r.reason_es for r in rules)
    assert rules[5].when.document_flag == ["bad_check_digit", "expired"] and rules[4].when.declaration_missing


@pytest.mark.parametrize(("extra", "message"), [
    ('[[devices]]\nname = "cam"\nkind = "camera"\ndriver = "opencv"\n', "camera 'cam' needs a url"),
    ('[[devices]]\nname = "rfid-1"\nkind = "rfid"\ndriver = "alien"\n', "rfid 'rfid-1' needs a port"),
    ('[booth]\nbadge_reader = "nope"\n', "booth.badge_reader 'nope' is not a device of this lane"),
    ('[[devices]]\nname = "c"\nkind = "camera"\ndriver = "opencv"\nurl = "x"\n' * 2, "device name 'c' is used twice"),
    ('[[risk.rules]]\nid = "r1"\naction = "secondary"\nreason_en = "x"\nreason_es = "y"\n[risk.rules.when]\n',
     "a rule needs at least one condition under 'when'"),
])
def test_cross_field_rules_name_the_problem(tmp_path, extra, message):
    found = problems(tmp_path, MINIMAL + extra)
    assert any(p.endswith(f", {message}") or p.endswith(f" {message}") for p in found), found


def test_a_camera_with_a_url_and_a_reader_with_a_port_are_fine(tmp_path):
    text = MINIMAL + ('[[devices]]\nname = "cam"\nkind = "camera"\ndriver = "opencv"\nurl = "file:///x"\n'
                      '[[devices]]\nname = "rfid-1"\nkind = "rfid"\ndriver = "alien"\nport = "/dev/ttyS0"\n'
                      '[booth]\nbadge_reader = "rfid-1"\n')
    config = load_config(write(tmp_path, text))
    assert [d.name for d in config.devices] == ["cam", "rfid-1"] and config.booth.badge_reader == "rfid-1"
    with pytest.raises(ValueError, match="frozen"):
        config.lane.id = "lane-2"  # type: ignore[misc]  # a loaded config is never changed under the daemon


def test_the_default_vision_regions_confusions_and_rule_reasons(tmp_path):
    config = load_config(write(tmp_path, MINIMAL))
    assert config.vision.regions == ["us", "mx"]
    assert config.watchlist.confusion_classes == ["0ODQ", "1IL", "2Z", "5S", "8B", "6G"]
    reasons = [(r.reason_en, r.reason_es) for r in config.risk.rules]
    assert reasons == [
        ("Watchlist entry: detain", "Registro en lista de vigilancia: detener"),
        ("Watchlist entry: refer to secondary", "Registro en lista de vigilancia: enviar a revisión secundaria"),
        ("Watchlist entry: notify only", "Registro en lista de vigilancia: solo notificar"),
        ("Declaration discrepancy", "Discrepancia con la declaración"),
        ("No pre-arrival declaration", "Sin declaración previa"),
        ("Document failed a check (check digit or expiry)",
         "El documento no pasó una verificación (dígito verificador o vigencia)"),
        ("High pre-arrival risk", "Riesgo previo a la llegada alto")]
    assert config.risk.rules[3].when.discrepancy == ["*"]  # any discrepancy
