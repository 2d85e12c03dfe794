"""Every shipped scenario loads, says what it claims, and bad files give clear errors."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from garita.hardware_mocks.documents import mrz_check_digit
from garita.hardware_mocks.llrp_reader import LlrpReaderMock
from garita.hardware_mocks.mock_lane import MockLane
from garita.hardware_mocks.scenario import FAULTS_BY_DEVICE, LLRP_FAULTS, Scenario, ScenarioError, load_scenario
from tests.mocks.test_mock_scenario import VEHICLE, iso6346, write

SHIPPED = sorted(p.name.removesuffix(".toml")
                 for p in resources.files("garita.hardware_mocks.scenarios").iterdir() if p.name.endswith(".toml"))
FAST_CARD = "3000214160C0040000006013"


def test_the_promised_scenarios_ship() -> None:
    assert {"default", "small", "sentri-car", "truck-fast", "passenger-passport", "faulty-day",
            "llrp-faults"} <= set(SHIPPED)


def mrz_checks_ok(lines: list[str]) -> bool:
    """Document-number check digit of a TD1/TD2/TD3 MRZ (recomputed by the mock's generator)."""
    if len(lines) == 3:
        return mrz_check_digit(lines[0][5:14]) == lines[0][14]
    return mrz_check_digit(lines[1][0:9]) == lines[1][9]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenario_is_consistent(name: str) -> None:
    s = load_scenario(name)
    assert isinstance(s, Scenario) and s.name == name and s.description.strip()
    for v in s.vehicles:
        assert all(iso6346(c) == int(c[-1]) for c in v.containers), v.id
        for doc in v.documents:
            # Only documents scripted as check-digit failures may carry one.
            assert mrz_checks_ok(doc.mrz) or "check digit" in doc.reason, (v.id, doc.mrz)
        for scan in v.scans:
            if scan.symbology == "]L2":
                assert scan.data.startswith("@\n\x1e\rANSI ") and scan.data.endswith("\r")


def test_sentri_car() -> None:
    (car,) = load_scenario("sentri-car").vehicles
    assert car.kind == "car" and len(car.rfid_tags) == 2 and len(car.documents) == 2
    assert car.decision == "release"


def test_truck_fast() -> None:
    (truck,) = load_scenario("truck-fast").vehicles
    assert truck.kind == "truck" and len(truck.containers) == 2 and FAST_CARD in truck.rfid_tags
    data = [scan.data for scan in truck.scans]
    assert "ABCD2611290001" in data  # PAPS: SCAC + reference
    assert any(len(d) == 15 and d.isdigit() and d[4:8] == "3456" for d in data)  # pedimento


def test_passenger_passport() -> None:
    (car,) = load_scenario("passenger-passport").vehicles
    assert not car.rfid_tags and [len(d.mrz[0]) for d in car.documents] == [44]


def test_faulty_day_uses_every_fault_on_every_device() -> None:
    s = load_scenario("faulty-day")
    used = {(f.device, f.fault) for f in s.faults}
    assert {d for d, _ in used} == set(FAULTS_BY_DEVICE)
    # Every fault but the LLRP reader's ("drop" is the camera's too): llrp-faults has those.
    assert {k for _, k in used} == set().union(*FAULTS_BY_DEVICE.values()) - (LLRP_FAULTS - {"drop"})
    assert {d for d, k in used if k == "unplug"} == {"rfid-1", "scanner-1", "docs-1"}


def test_faulty_day_faults_all_apply_to_a_running_lane(tmp_path: Path) -> None:
    s = load_scenario("faulty-day")
    with MockLane(s, tmp_path, speed=100) as lane:
        for fault in sorted(s.faults, key=lambda f: f.at):
            lane.inject(fault.device, fault.fault)
        assert all(Path(lane.endpoints[d]).exists() for d in ("rfid-1", "scanner-1", "docs-1"))
        assert not lane.camera.frozen


@pytest.mark.parametrize(("faults", "match"), [
    ([("rfid-1", "replug", 1)], r"faults\[0\]: replug at 1\.0s but rfid-1 is not unplugged"),
    ([("docs-1", "unplug", 1), ("docs-1", "unplug", 2)], r"faults\[1\].*already unplugged"),
    ([("scanner-1", "replug", 3), ("scanner-1", "unplug", 1)], None),  # file order is not time order
])
def test_unplug_and_replug_must_alternate(tmp_path: Path, faults: list, match: str | None) -> None:
    body = VEHICLE.format(id="a", at=0, dwell=5)
    for device, fault, at in faults:
        body += f'[[faults]]\nat = {at}\ndevice = "{device}"\nfault = "{fault}"\n'
    if match is None:
        assert len(load_scenario(write(tmp_path, body)).faults) == 2
        return
    with pytest.raises(ScenarioError, match=match) as err:
        load_scenario(write(tmp_path, body))
    assert "s.toml" in str(err.value)


@pytest.mark.parametrize(("content", "match"), [
    (b"", r"s\.toml: name: Field required; vehicles: Field required"),
    (b'name = "t"\n', r"vehicles: Field required"),
    (b'name = "t"\n[[vehicles]]\nid = "a"\narrive_at = "soon"\ndwell_s = 5\nplate = "X1"\n',
     r"vehicles\[0\]\.arrive_at: Input should be a valid number"),
    (b'name = "t"\n\xff\xfe garbage', r"not a UTF-8 text file \(byte 11 is 0xff\)"),
    (b'name = "bad name!"\n', r"name: String should match pattern"),
])
def test_bad_files_name_the_problem(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(content)
    with pytest.raises(ScenarioError, match=match):
        load_scenario(str(path))


def test_directory_is_not_a_scenario(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read scenario"):
        load_scenario(str(tmp_path) + "/")


def test_llrp_faults_uses_every_llrp_fault_and_each_applies(tmp_path: Path) -> None:
    s = load_scenario("llrp-faults")
    assert {f.fault for f in s.faults} == LLRP_FAULTS and {f.device for f in s.faults} == {"rfid-1"}
    with MockLane(s, tmp_path, speed=100, rfid_protocol="llrp") as lane:
        assert isinstance(lane.rfid, LlrpReaderMock) and lane.endpoints["rfid-1"].startswith("tcp://127.0.0.1:")
        assert lane.faults["rfid-1"] >= LLRP_FAULTS and "garbage" not in lane.faults["rfid-1"]
        for fault in sorted(s.faults, key=lambda f: f.at):
            lane.inject(fault.device, fault.fault)
        assert lane.rfid.counts["faults"] == len(s.faults)
        lane.inject("rfid-1", "garbage")  # a serial-line fault: skipped for an LLRP reader, not an error
        assert lane.rfid.counts["faults"] == len(s.faults)
