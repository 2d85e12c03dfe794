"""Issue 17 item 4: the systemd unit bounds the lane and scores under 2.0 in `systemd-analyze security`."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parents[2] / "config" / "systemd" / "garita.service"


def test_the_unit_sets_the_bounds() -> None:
    text = UNIT.read_text()
    for line in ("LimitNOFILE=4096", "MemoryMax=", "TasksMax=", "SystemCallFilter=@system-service",
                 "DevicePolicy=closed", "DeviceAllow=char-ttyUSB rw", "ProtectProc=invisible", "IPAddressDeny=any",
                 "IPAddressAllow=localhost"):
        assert line in text, line


def test_systemd_analyze_security_scores_under_2() -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    result = subprocess.run(["systemd-analyze", "security", "--offline=yes", str(UNIT)],
                            capture_output=True, text=True, timeout=60)
    match = re.search(r"Overall exposure level for \S+: ([0-9.]+)", result.stdout + result.stderr)
    assert match, result.stdout + result.stderr
    print(f"\nsystemd-analyze security: {match.group(1)} (3.5 before issue 17)")
    assert float(match.group(1)) < 2.0
