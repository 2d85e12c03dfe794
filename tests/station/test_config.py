"""Lane config: the shipped files are valid; every kind of mistake is reported with key and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.config_loader import ConfigError, key_lines, load_config
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
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(binary)


def test_key_lines_maps_nested_tables():
    text = '[a]\nx = 1\n[[d]]\nn = 1\n[d.o]\nk = 2\n[[d]]\nn = 2\n[d.o]\nk = 3\n'
    lines = key_lines(text)
    assert lines[("a", "x")] == 2
    assert lines[("d", 0, "o", "k")] == 6
    assert lines[("d", 1, "o", "k")] == 10


def test_the_documented_llrp_reader_is_a_valid_device(tmp_path):
    """config/lane.example.toml's commented LLRP reader, uncommented, passes check-config's device build."""
    from drivers.registry import build_device

    text = (REPO / "config/lane.example.toml").read_text()
    block = text[text.index("# [[devices]]\n# name = \"rfid-2\""):text.index("[[devices]]\nname = \"scanner-1\"")]
    config = tmp_path / "lane.toml"
    config.write_text(text + "\n" + "\n".join(line.removeprefix("# ") for line in block.splitlines()) + "\n")
    section = next(d for d in load_config(config).devices if d.name == "rfid-2")
    device = build_device(section.name, section.kind, section.driver, section.port, section.url, dict(section.options))
    assert device.port == "tcp://10.20.3.12:5084" and device.options.antennas == [1, 2]
    mock = load_config(REPO / "config/mock-lane-llrp.toml")
    assert [d.driver for d in mock.devices if d.name == "rfid-1"] == ["llrp"]
