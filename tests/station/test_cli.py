"""The garita command line, run as a real subprocess the way port IT runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from garita.station.core.lifecycle import Lifecycle, ReadIn
from tests.conftest import REPO


def garita(*args: str, env: dict | None = None, cwd: Path = REPO, stdin: str | None = None
           ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "garita.station", *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, **(env or {})}, cwd=cwd,
                          input=stdin if stdin is not None else "")


def test_check_config_ok_on_the_example():
    result = garita("check-config", "config/lane.example.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "OK"


def test_check_config_and_run_refuse_a_bad_config_with_78(tmp_path):
    bad = tmp_path / "lane.toml"
    bad.write_text((REPO / "config/lane.example.toml").read_text().replace("idle_timeout_s", "idle_timout_s"))
    checked = garita("check-config", str(bad))
    assert checked.returncode == 78
    assert "lifecycle.idle_timout_s: unknown key (misspelt?)" in checked.stdout
    line = bad.read_text().splitlines().index("idle_timout_s = 300") + 1
    assert f"line {line}: lifecycle.idle_timout_s" in checked.stdout
    ran = garita("run", "--config", str(bad), "--data-dir", str(tmp_path / "d"))
    assert ran.returncode == 78
    assert ran.stdout == checked.stdout
    assert "Traceback" not in ran.stderr


def test_unknown_driver_option_is_a_config_error(tmp_path):
    bad = tmp_path / "lane.toml"
    bad.write_text((REPO / "config/lane.example.toml").read_text().replace("poll_interval_s", "poll_intervl_s"))
    checked = garita("check-config", str(bad))
    assert checked.returncode == 78
    assert "poll_intervl_s" in checked.stdout


def test_missing_config_file(tmp_path):
    result = garita("run", "--config", str(tmp_path / "missing.toml"))
    assert result.returncode == 78
    assert "missing.toml: (file): does not exist" in result.stdout


def test_unwritable_data_dir_exits_73(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    result = garita("run", "--config", "config/lane.example.toml", env={"GARITA_DATA_DIR": str(blocker / "x")})
    assert result.returncode == 73
    assert "cannot be created" in result.stdout and "Traceback" not in result.stderr


@pytest.fixture
def filled(data_dir):
    from garita.station.storage.database import open_database
    from garita.station.storage.lane_store import LaneStore

    store = LaneStore(open_database(data_dir))
    now = datetime.now(UTC)
    clock = [now]
    lifecycle = Lifecycle(store, "lane-9", 300, clock=lambda: clock[0])
    first = lifecycle.record_read(ReadIn("rfid-1", "rfid", "E2003411B802011512345678", {}, now)).crossing_id
    lifecycle.record_read(ReadIn("docs-1", "document", "L898902C3", {"surname": "ERIKSSON"}, now))
    lifecycle.decide(first, "secondary", "off-42", "random compliance exam")
    clock[0] = now + timedelta(seconds=30)  # the next vehicle, well after the late-read window
    second = lifecycle.record_read(ReadIn("scanner-1", "barcode", "ABCD2403150001", {}, now)).crossing_id
    from garita.station.booth.officer_accounts import add_officer

    add_officer(store, "off-1", "Ana Ruiz", "officer", "1234")
    add_officer(store, "sup-1", "Luis Soto", "supervisor", "5555")
    add_officer(store, "tech-1", "Kim Tech", "technician", "7777")
    store.db.conn.close()
    return data_dir, first, second


def test_crossings_json_show_export_and_decide(filled):
    data_dir, first, second = filled
    env = {"GARITA_DATA_DIR": str(data_dir)}
    listed = json.loads(garita("crossings", "--json", env=env).stdout)
    assert [c["id"] for c in listed] == [second, first]
    assert listed[1]["decision"]["action"] == "secondary"
    assert listed[1]["reads"][1]["data"] == {"surname": "ERIKSSON"}
    table = garita("crossings", "--data-dir", str(data_dir))
    assert "off-42" in table.stdout
    shown = garita("show", first[:20], "--json", env=env)
    assert json.loads(shown.stdout)["audit"][0]["action"] == "crossing.opened"
    human = garita("show", first, env=env).stdout
    assert "decision: secondary (recommended none) by off-42" in human and "random compliance exam" in human
    lines = garita("export", "--since", "2000-01-01", env=env).stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [first, second]
    assert garita("export", "--since", "2999-01-01", env=env).stdout == ""
    decided = garita("decide", second, "release", "--officer", "off-1", "--pin-stdin", env=env, stdin="1234\n")
    assert decided.returncode == 0 and "recorded" in decided.stdout, decided.stderr
    again = garita("decide", second, "detain", "--officer", "off-1", "--pin-stdin", env=env, stdin="1234\n")
    assert again.returncode == 1 and "already_decided" in again.stderr


def _assess(data_dir: Path, crossing_id: str, recommendation: str, waiting_for: list[str]) -> None:
    """A recorded assessment, as the risk engine writes one."""
    import sqlite3

    with sqlite3.connect(data_dir / "garita.db") as db:
        db.execute("INSERT INTO assessments (id, crossing_id, recommendation, detail, assessed_at)"
                   " VALUES (?, ?, ?, ?, ?)", (f"a-{recommendation}", crossing_id, recommendation,
                                              json.dumps({"reasons": [], "waiting_for": waiting_for}),
                                              datetime.now(UTC).isoformat()))


@pytest.mark.parametrize(("args", "stdin", "code"), [
    (["--officer", "ghost-officer", "--reason", "looks fine", "--pin-stdin"], "1234\n", "officer_refused"),
    (["--officer", "off-1", "--reason", "looks fine", "--pin-stdin"], "9999\n", "officer_refused"),
    (["--officer", "tech-1", "--reason", "looks fine", "--pin-stdin"], "7777\n", "officer_refused"),
    (["--officer", "off-1", "--pin-stdin"], "1234\n", "override_reason_required"),
    (["--officer", "off-1", "--reason", "looks fine", "--pin-stdin"], "1234\n", "supervisor_required"),
    (["--officer", "off-1", "--reason", "looks fine", "--supervisor", "sup-1", "--pin-stdin"], "1234\n0000\n",
     "supervisor_refused"),
    (["--officer", "off-1", "--reason", "looks fine", "--supervisor", "off-1", "--pin-stdin"], "1234\n1234\n",
     "supervisor_refused"),
])
def test_cli_decision_refusals_are_refused_and_audited(filled, args, stdin, code):
    data_dir, _first, second = filled
    _assess(data_dir, second, "detain", [])
    env = {"GARITA_DATA_DIR": str(data_dir)}
    result = garita("decide", second, "release", *args, env=env, stdin=stdin)
    assert result.returncode == 1 and f"({code})" in result.stderr, result.stderr
    import sqlite3

    with sqlite3.connect(data_dir / "garita.db") as db:
        assert db.execute("SELECT COUNT(*) FROM decisions WHERE crossing_id = ?", (second,)).fetchone()[0] == 0
        [detail] = db.execute("SELECT detail FROM audit WHERE action = 'decision.refused'").fetchall()
    assert json.loads(detail[0])["code"] == code and json.loads(detail[0])["channel"] == "cli"


def test_cli_without_a_terminal_refuses_to_ask_for_the_pin(filled):
    data_dir, _first, second = filled
    result = garita("decide", second, "release", "--officer", "off-1", env={"GARITA_DATA_DIR": str(data_dir)})
    assert result.returncode == 1 and "--pin-stdin" in result.stderr


def test_cli_detain_override_with_the_supervisor_and_early_release_with_a_reason(filled):
    data_dir, _first, second = filled
    env = {"GARITA_DATA_DIR": str(data_dir)}
    _assess(data_dir, second, "release", ["document"])
    early = garita("decide", second, "release", "--officer", "off-1", "--pin-stdin", env=env, stdin="1234\n")
    assert early.returncode == 1 and "(incomplete_reason_required)" in early.stderr
    _assess(data_dir, second, "detain", [])
    ok = garita("decide", second, "release", "--officer", "off-1", "--reason", "false match: other DOB",
                "--supervisor", "sup-1", "--pin-stdin", env=env, stdin="1234\n5555\n")
    assert ok.returncode == 0, ok.stderr
    shown = json.loads(garita("show", second, "--json", env=env).stdout)
    assert shown["decision"]["second_officer_id"] == "sup-1" and shown["decision"]["override"] == 1


def test_commands_on_a_missing_database_say_so(tmp_path):
    result = garita("crossings", "--data-dir", str(tmp_path / "empty"))
    assert result.returncode == 73
    assert "no database" in result.stderr


def test_install_service_writes_unit_and_config(tmp_path):
    result = garita("install-service", "--root", str(tmp_path), "--user", "lane")
    assert result.returncode == 0, result.stderr
    unit = (tmp_path / "etc/systemd/system/garita.service").read_text()
    for line in ("Type=notify", "WatchdogSec=", "Restart=on-failure", "RestartPreventExitStatus=78",
                 "User=lane", "StateDirectory=garita", "ProtectSystem=strict", "NoNewPrivileges=yes",
                 "PrivateTmp=yes"):
        assert line in unit
    assert str(Path(sys.executable).with_name("garita")) in unit
    documentation = next(line for line in unit.splitlines() if line.startswith("Documentation=file://"))
    doc = tmp_path / documentation.removeprefix("Documentation=file:///")
    assert "garita backup" in doc.read_text()  # the installed README that systemctl status points at
    config = tmp_path / "etc/garita/lane.toml"
    assert garita("check-config", str(config)).stdout.strip() == "OK"
    config.write_text(config.read_text() + "\n# edited by IT\n")
    again = garita("install-service", "--root", str(tmp_path))
    assert "kept existing" in again.stdout and "edited by IT" in config.read_text()


def test_bench_lane_measures_full_against_the_normal_baseline():
    result = garita("bench", "lane", "--vehicles", "20", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["synchronous"] for r in rows] == ["FULL", "NORMAL"]
    for row in rows:
        assert row["vehicles"] == 20 and row["reads_per_s"] > 0
        assert 0 < row["read_p50_ms"] <= row["read_p95_ms"]
