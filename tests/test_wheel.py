"""The wheel claims one import name, `garita`, and carries every data file the lane opens at run time."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    out = tmp_path_factory.mktemp("wheel")
    # From a copy: setuptools reuses ./build/, where a module deleted since the last build would linger.
    source = out / "src"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "*.egg-info", ".garita", "tests", "__pycache__", ".hypothesis", ".train"))
    # No build isolation: the test must not fetch setuptools from the network; the venv's own is used.
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                            "-w", str(out), str(source)], capture_output=True, text=True, timeout=240)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = out.glob("garita-*.whl")
    return zipfile.ZipFile(wheel).namelist()


def test_the_wheel_installs_one_top_level_name(wheel_names: list[str]) -> None:
    tops = {name.split("/")[0] for name in wheel_names if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {"garita"}
    assert "garita/__init__.py" not in wheel_names  # a namespace package: nothing claims garita/__init__.py


@pytest.mark.parametrize("data", [
    "garita/vision/model_files/ppocrv4_det_int8.onnx",
    "garita/hardware_mocks/scenarios/default.toml",
    "garita/station/booth/static/index.html",
    "garita/station/booth/i18n/es.json",
    "garita/station/lane_files/lane.example.toml",
    "garita/station/lane_files/systemd/garita.service",
])
def test_the_wheel_carries_what_the_lane_opens(wheel_names: list[str], data: str) -> None:
    assert data in wheel_names


def test_no_training_code_or_tests_in_the_wheel(wheel_names: list[str]) -> None:
    assert not [n for n in wheel_names if n.startswith(("garita/vision/training/", "tests/"))]


def test_every_schema_ships(wheel_names: list[str]) -> None:
    shipped = {Path(n).name for n in wheel_names if n.startswith("garita/sync/schemas/")}
    assert {p.name for p in (REPO / "sync" / "schemas").glob("*.json")} <= shipped
