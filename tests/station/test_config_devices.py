"""[[devices]] tables through the real loader: each driver's options are typed, and a mistake names its line."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from garita.drivers.driver_options import DriverOptions
from garita.drivers.registry import DRIVERS
from garita.station.config.device_sections import DEVICE_SECTIONS, OPTIONS_BY_DRIVER
from garita.station.config.loader import ConfigError, load_config

HEAD = """[lane]
id = "lane-1"
port_code = "2504"
direction = "northbound"

[[devices]]
name = "dev-1"
"""
# driver -> (kind, its address line, a real option misspelt, (an option, a value of the wrong type))
DEVICES = {
    "opencv": ("camera", 'url = "rtsp://10.0.0.2/1"', "triger", ("jpeg_quality", '"high"')),
    "alien": ("rfid", 'port = "/dev/ttyUSB0"', "poll_intervall_s", ("poll_interval_s", '"fast"')),
    "llrp": ("rfid", 'port = "tcp://10.0.0.3"', "sesion", ("session", '"2"')),
    "serial-barcode": ("scanner", 'port = "/dev/ttyUSB1"', "sufix", ("max_length", "true")),
    "mrz-serial": ("document-reader", 'port = "/dev/ttyACM0"', "framming", ("line_gap_s", '"1s"')),
}
OPTIONS_TABLE = 12  # the [devices.options] line of device_toml(); its first option is the next line


def device_toml(driver: str, options: str = "") -> str:
    kind, address, _, _ = DEVICES[driver]
    return HEAD + f'kind = "{kind}"\ndriver = "{driver}"\n{address}\n\n[devices.options]\n{options}'


def problems_in(path: Path, text: str) -> list[str]:
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return [str(p) for p in caught.value.problems]


def test_every_registered_driver_has_a_config_section_of_the_same_kind_and_options():
    assert set(OPTIONS_BY_DRIVER) == set(DRIVERS) == set(DEVICES)
    for section in DEVICE_SECTIONS:
        driver = get_args(section.model_fields["driver"].annotation)[0]
        assert get_args(section.model_fields["kind"].annotation) == (DRIVERS[driver].kind,)
        assert OPTIONS_BY_DRIVER[driver] is DRIVERS[driver].options
        assert issubclass(DRIVERS[driver].options, DriverOptions)


@pytest.mark.parametrize("driver", sorted(DEVICES))
def test_each_drivers_defaults_load(tmp_path, driver):
    path = tmp_path / "lane.toml"
    path.write_text(device_toml(driver))
    device = load_config(path).devices[0]
    assert device.driver == driver and device.options == DRIVERS[driver].options()


@pytest.mark.parametrize("driver", sorted(DEVICES))
def test_a_misspelt_option_names_file_line_and_key(tmp_path, driver):
    misspelt = DEVICES[driver][2]
    found = problems_in(tmp_path / "lane.toml", device_toml(driver, f"{misspelt} = 1\n"))
    assert len(found) == 1, found
    assert found[0].startswith(f"line {OPTIONS_TABLE + 1}: devices[0].options.{misspelt}: unknown option of driver "
                               f"{driver!r} (misspelt?); known: ")
    known = found[0].split("known: ")[1].split(", ")
    assert known == sorted(DRIVERS[driver].options.model_fields)


@pytest.mark.parametrize("driver", sorted(DEVICES))
def test_an_option_of_the_wrong_type_names_file_line_and_key(tmp_path, driver):
    key, value = DEVICES[driver][3]
    text = device_toml(driver, f"# a comment line first\n{key} = {value}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, text))
    rendered = caught.value.render()
    assert rendered.startswith(f"{tmp_path / 'lane.toml'}: line {OPTIONS_TABLE + 2}: devices[0].options.{key}: ")
    assert "Input should be a valid" in rendered and "\n" not in rendered


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lane.toml"
    path.write_text(text)
    return path


# TOML bare keys: letters, digits, '_' and '-'.
bare_keys = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"),
                    min_size=1, max_size=24)


@settings(max_examples=150, deadline=None)
@given(driver=st.sampled_from(sorted(DEVICES)), key=bare_keys,
       value=st.sampled_from(["1", "2.5", "true", '"x"', "[1, 2]"]))
def test_any_unknown_option_name_is_refused_naming_the_key(driver, key, value):
    if key in OPTIONS_BY_DRIVER[driver].model_fields:
        return  # a real option: not what this test is about
    with tempfile.TemporaryDirectory() as folder:
        found = problems_in(Path(folder) / "lane.toml", device_toml(driver, f"{key} = {value}\n"))
    assert found == [f"line {OPTIONS_TABLE + 1}: devices[0].options.{key}: unknown option of driver {driver!r} "
                     f"(misspelt?); known: {', '.join(sorted(OPTIONS_BY_DRIVER[driver].model_fields))}"]


@pytest.mark.parametrize(("driver", "options", "expected"), [
    ("llrp", "keepalive_s = 20\n",
     "line 12: devices[0].options.keepalive_timeout_s: must be longer than keepalive_s"),
    ("llrp", "session = 4\n", "line 13: devices[0].options.session: Input should be less than or equal to 3"),
    ("alien", 'mode = "notify"\nnotify_listen = "10.0.0.9:4000"\n',
     "line 12: devices[0].options.notify_allow_from: is needed when the reader is on a serial port"),
    ("alien", 'notify_listen = "0.0.0.0:4000"\n', "line 13: devices[0].options.notify_listen: needs mode = 'notify'"),
    ("opencv", 'trigger = "sometimes"\n',
     "line 13: devices[0].options.trigger: Input should be 'motion' or 'interval'"),
    ("serial-barcode", 'suffix = "NONE"\n', "line 13: devices[0].options.suffix: Value error, must not be empty"),
    ("mrz-serial", 'bcc = "crc"\n', "line 13: devices[0].options.bcc: Input should be 'xor' or 'none'"),
])
def test_rules_across_and_within_options_point_at_one_key(tmp_path, driver, options, expected):
    found = problems_in(tmp_path / "lane.toml", device_toml(driver, options))
    assert len(found) == 1 and found[0].startswith(expected), found


def test_driver_and_kind_mistakes_name_their_line(tmp_path):
    text = HEAD + 'kind = "rfid"\ndriver = "lrp"\nport = "/dev/x"\n'
    assert problems_in(tmp_path / "a.toml", text) == [
        "line 9: devices[0].driver: unknown driver 'lrp' (known: alien, llrp, mrz-serial, opencv, serial-barcode)"]
    text = HEAD + 'kind = "camera"\ndriver = "llrp"\nport = "tcp://h"\n'
    assert problems_in(tmp_path / "b.toml", text) == ["line 8: devices[0].kind: driver 'llrp' serves kind 'rfid', "
                                                      "not 'camera'"]
    text = HEAD + 'kind = "rfid"\nport = "/dev/x"\n'
    assert problems_in(tmp_path / "c.toml", text)[0].startswith("line 6: devices[0].driver: Field required")
    text = HEAD + 'kind = "rfid"\ndriver = "llrp"\nport = "tcp://h"\nalien = 1\n'
    assert problems_in(tmp_path / "d.toml", text) == ["line 11: devices[0].alien: unknown key (misspelt?)"]
    text = HEAD + 'kind = "rfid"\ndriver = "llrp"\nport = "/dev/ttyUSB0"\n'
    assert problems_in(tmp_path / "e.toml", text) == [
        "line 10: devices[0].port: expected tcp://host[:port] for an LLRP reader, got '/dev/ttyUSB0'"]


def test_the_loaded_options_are_what_the_driver_runs_with(tmp_path):
    from garita.drivers.registry import build_device

    path = _write(tmp_path, device_toml("alien", 'mode = "notify"\nnotify_format = "xml"\nforget_after_s = 2\n'))
    section = load_config(path).devices[0]
    assert section.options.notify_format == "XML" and section.options.forget_after_s == 2.0
    device = build_device(section.name, section.kind, section.driver, section.port, section.url, section.options)
    assert device.options is section.options


@pytest.mark.parametrize("example", ["lane.example.toml", "mock-lane.toml", "mock-lane-llrp.toml"])
def test_every_example_lane_config_loads_and_builds(example):
    from garita.station.commands.lane import mock_stand_ins
    from garita.station.runner import build_devices
    from tests.conftest import REPO

    config = load_config(REPO / "config" / example)
    devices = build_devices(config, endpoints=mock_stand_ins(config))
    assert [d.name for d in devices] == [d.name for d in config.devices if d.enabled]


def test_a_key_named_like_the_driver_is_still_reported_where_it_is(tmp_path):
    text = device_toml("opencv", 'driver = "opencv"\nopencv = 1\n')
    found = problems_in(tmp_path / "lane.toml", text)
    assert [p.split(": unknown")[0] for p in found] == [
        "line 13: devices[0].options.driver", "line 14: devices[0].options.opencv"]
