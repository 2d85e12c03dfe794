"""Scenario loading and validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from garita.hardware_mocks.scenario import Scenario, ScenarioError, load_scenario

VEHICLE = """
[[vehicles]]
id = "{id}"
arrive_at = {at}
dwell_s = {dwell}
plate = "8XYZ123"
"""


def write(tmp_path: Path, body: str) -> str:
    path = tmp_path / "s.toml"
    path.write_text('name = "t"\n' + body)
    return str(path)


def iso6346(code: str) -> int:
    """Check digit per protocols.md §7, recomputed here."""
    values, n = {}, 10
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        n += n % 11 == 0
        values[letter], n = n, n + 1
    total = sum((int(c) if c.isdigit() else values[c]) << i for i, c in enumerate(code[:10]))
    return total % 11 % 10


def mrz_cd(text: str) -> int:
    """ICAO 9303 check digit."""
    val = {**{str(d): d for d in range(10)}, "<": 0}
    val |= {chr(65 + i): 10 + i for i in range(26)}
    return sum(val[c] * (7, 3, 1)[i % 3] for i, c in enumerate(text)) % 10


def test_builtin_default() -> None:
    s = load_scenario("default")
    assert isinstance(s, Scenario) and 6 <= len(s.vehicles) <= 8
    assert 40 <= s.duration_s <= 50
    decisions = {d.decision for v in s.vehicles for d in v.documents}
    assert decisions == {"release", "secondary", "detain"}
    containers = [c for v in s.vehicles for c in v.containers]
    assert all(iso6346(c) == int(c[-1]) for c in containers) and len(containers) == 3
    scans = {sc.symbology for v in s.vehicles for sc in v.scans}
    assert {"]C0", "]Q1", "]L2"} <= scans
    aamva = next(sc.data for v in s.vehicles for sc in v.scans if sc.symbology == "]L2")
    assert aamva.startswith("@\n\x1e\rANSI 636015") and len(aamva) == 280
    faults = {(f.device, f.fault) for f in s.faults}
    assert {("scanner-1", "garbage"), ("rfid-1", "unplug"), ("rfid-1", "replug")} <= faults


def test_default_has_one_bad_check_digit_passport() -> None:
    s = load_scenario("default")
    bad = [v.id for v in s.vehicles for d in v.documents
           if len(d.mrz) == 2 and mrz_cd(d.mrz[1][:9]) != int(d.mrz[1][9])]  # fmt: skip
    assert bad == ["car-badcd"]


def test_builtin_small() -> None:
    s = load_scenario("small")
    assert len(s.vehicles) == 3 and 10 <= s.duration_s <= 14
    assert any(d.decision == "secondary" for v in s.vehicles for d in v.documents)
    assert any(f.fault == "garbage" for f in s.faults)


def test_unknown_builtin_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no built-in scenario named 'nope'"):
        load_scenario("nope")
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(str(tmp_path / "missing.toml"))


def test_overlap_names_both_vehicles(tmp_path: Path) -> None:
    body = VEHICLE.format(id="a", at=0, dwell=5) + VEHICLE.format(id="b", at=5.5, dwell=5)
    with pytest.raises(ScenarioError, match=r"'a' and 'b' overlap") as err:
        load_scenario(write(tmp_path, body))
    assert "s.toml" in str(err.value) and "vehicles" in str(err.value)


def test_gap_of_one_second_is_enough(tmp_path: Path) -> None:
    body = VEHICLE.format(id="a", at=0, dwell=5) + VEHICLE.format(id="b", at=6, dwell=5)
    assert load_scenario(write(tmp_path, body)).duration_s == 11


def test_misspelt_key_is_named(tmp_path: Path) -> None:
    body = VEHICLE.format(id="a", at=0, dwell=5) + 'colour = "red"\n'
    with pytest.raises(ScenarioError, match=r"vehicles\[0\]\.colour: Extra inputs"):
        load_scenario(write(tmp_path, body))


def test_scan_after_departure_rejected(tmp_path: Path) -> None:
    body = VEHICLE.format(id="a", at=0, dwell=2) + '[[vehicles.scans]]\nat = 2.0\ndata = "X"\n'
    with pytest.raises(ScenarioError, match=r"scans\[0\]\.at=2\.0 must be < dwell_s"):
        load_scenario(write(tmp_path, body))


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ('rfid_tags = ["E200"]\n', "EPC must be 24 hex"),
        ('containers = ["CSQ3054383"]\n', "ISO 6346"),
        ('kind = "tank"\n', r"vehicles\[0\]\.kind"),
    ],
)
def test_field_errors(tmp_path: Path, extra: str, match: str) -> None:
    with pytest.raises(ScenarioError, match=match):
        load_scenario(write(tmp_path, VEHICLE.format(id="a", at=0, dwell=5) + extra))


def test_fault_must_fit_device(tmp_path: Path) -> None:
    body = VEHICLE.format(id="a", at=0, dwell=5)
    body += '[[faults]]\nat = 1\ndevice = "plate-cam"\nfault = "bad_bcc"\n'
    with pytest.raises(ScenarioError, match=r"faults\[0\].*does not apply"):
        load_scenario(write(tmp_path, body))


def test_bad_toml_and_relative_paths(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(write(tmp_path, "vehicles = [\n"))
    s = load_scenario(write(tmp_path, VEHICLE.format(id="a", at=0, dwell=5)))
    assert s.resolve("photos/x.jpg") == tmp_path / "photos" / "x.jpg"
    assert s.resolve("/abs/x.jpg") == Path("/abs/x.jpg")


def test_vehicle_decision_shortcuts() -> None:
    vehicles = {v.id: v for v in load_scenario("default").vehicles}
    assert vehicles["car-badcd"].decision == "secondary"
    assert vehicles["car-detain"].officer == "mock-officer-2"
    assert (vehicles["truck-2box"].decision, vehicles["truck-2box"].reason) == ("release", "routine")
