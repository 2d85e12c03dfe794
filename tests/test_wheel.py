"""The wheel claims one import name, `garita`, and carries every data file the lane opens at run time."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


READ_A_PLATE = """
import cv2, numpy as np
from garita.vision import Recognizer
frame = np.full((720, 1280, 3), 90, np.uint8)
cv2.rectangle(frame, (500, 400), (780, 540), (245, 245, 245), -1)
cv2.putText(frame, "7ABC123", (520, 495), cv2.FONT_HERSHEY_SIMPLEX, 1.9, (20, 20, 20), 5)
print(Recognizer(regions=("us",), threads=2).read_plates(frame)[0].text)
"""


@pytest.fixture(scope="module")
def wheel_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
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
    return wheel


@pytest.fixture(scope="module")
def wheel_names(wheel_file: Path) -> list[str]:
    return zipfile.ZipFile(wheel_file).namelist()


def test_a_plain_install_of_the_wheel_reads_a_plate(wheel_file: Path, tmp_path: Path) -> None:
    """Into a fresh virtualenv, with its dependencies and nothing else: the models come with it."""
    venv = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    # Dependencies come from the package index (pip's cache after the bootstrap); the lane itself then runs
    # with no network: the read below opens only files inside the installed package.
    installed = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(wheel_file)],
                               capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stderr[-3000:]
    read = subprocess.run([str(venv / "bin" / "python"), "-c", READ_A_PLATE], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert read.returncode == 0, read.stderr[-3000:]
    assert read.stdout.strip() == "7ABC123"


def test_the_wheel_installs_one_top_level_name(wheel_names: list[str]) -> None:
    tops = {name.split("/")[0] for name in wheel_names if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {"garita"}
    assert "garita/__init__.py" not in wheel_names  # a namespace package: nothing claims garita/__init__.py


@pytest.mark.parametrize("data", [
    "garita/vision/model_files/ppocrv4_det_int8.onnx",
    "garita/vision/model_files/ch_PP-OCRv4_det_infer.onnx",
    "garita/vision/model_files/PP-OCRv6_rec_small.onnx",
    "garita/vision/model_files/NOTICE.md",
    "garita/vision/model_files/plate_finder.onnx",
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
