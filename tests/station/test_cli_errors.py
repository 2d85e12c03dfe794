"""The CLI's rules: a known problem is one plain line and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from garita.station.storage.database import open_database
from tests.conftest import REPO
from tests.station.cli_matrix import run_all

# Commands for which the setting is no problem at all: init creates a missing data directory.
SUCCEEDS = {"missing": {"init"}, "read-only": set()}


def check(results: list[dict], case: str) -> None:
    assert len(results) >= 15, [r["command"] for r in results]
    for result in results:
        assert result["escaped"] is None, f"{result['args']}:\n{result['escaped']}"
        assert "Traceback" not in result["output"], result
        if result["command"] not in SUCCEEDS.get(case, set()):
            assert result["exit_code"] != 0, result
        assert result["output"].strip(), f"{result['args']} said nothing"


def test_every_command_with_a_bad_config(tmp_path):
    bad = tmp_path / "lane.toml"
    bad.write_text((REPO / "config/lane.example.toml").read_text().replace("[lane]", "[lane]\nlanes = 3", 1))
    results = run_all(tmp_path, ["--config", str(bad)])
    check(results, "bad-config")
    for result in results:
        assert "lane.lanes: unknown key" in result["output"] or result["command"] == "devices", result


def test_every_command_with_a_missing_data_dir(tmp_path):
    check(run_all(tmp_path, ["--data-dir", str(tmp_path / "nowhere-{command}")]), "missing")


def test_every_command_with_a_read_only_data_dir(tmp_path_factory):
    # As root nothing is read-only, so the commands run as `nobody` on a directory that user cannot write.
    base = Path(os.environ.get("TMPDIR", "/tmp")) / f"garita-ro-{os.getpid()}"
    data_dir = base / "data"
    data_dir.mkdir(parents=True)
    open_database(data_dir).conn.close()
    base.chmod(0o755)
    (data_dir / "garita.db").chmod(0o644)
    data_dir.chmod(0o555)
    user = 65534 if os.geteuid() == 0 else None
    if user is not None and not os.access(sys.executable, os.X_OK):
        pytest.skip("the interpreter is not usable by nobody")
    try:
        done = subprocess.run([sys.executable, "-m", "tests.station.cli_matrix", str(base), "--", "--data-dir",
                               str(data_dir)], cwd=REPO, capture_output=True, text=True, timeout=240, user=user,
                              group=user, extra_groups=[] if user else None,
                              env={**os.environ, "HOME": str(base)})
        assert done.returncode == 0, done.stderr
        check(json.loads(done.stdout), "read-only")
    finally:
        data_dir.chmod(0o755)
        subprocess.run(["rm", "-rf", str(base)], check=False)
