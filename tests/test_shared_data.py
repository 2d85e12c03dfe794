"""The real-data guard: without ../shared a test skips on a developer's machine and fails under CI."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO


def _run_guarded(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    test = tmp_path / "test_guarded.py"
    test.write_text(textwrap.dedent("""
        from tests.conftest import shared_path

        def test_needs_data():
            shared_path("datasets", "no-such-dataset-here")
    """))
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)} | ({"CI": ci} if ci is not None else {})
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rsf", str(test)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("ci", "outcome"), [(None, "1 skipped"), ("", "1 skipped"), ("true", "1 failed")])
def test_missing_data_skips_outside_ci_and_fails_in_ci(tmp_path, ci, outcome):
    result = _run_guarded(tmp_path, ci)
    assert outcome in result.stdout, result.stdout + result.stderr
    assert "development data not found" in result.stdout and "no-such-dataset-here" in result.stdout
    if ci == "true":
        assert "under CI=true this is a failure, not a skip" in result.stdout
