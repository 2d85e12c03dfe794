"""`garita decide` on a joint lane: the same rules as the booth; one agency alone never completes a decision."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import pytest

from garita.station.core.lifecycle import Lifecycle, ReadIn
from tests.station.test_cli import garita

CONFIG = """
[lane]
id = "lane-9"
port_code = "2504"
direction = "northbound"

[joint]
enabled = true
countersign_within_s = 600
"""


@pytest.fixture
def joint_lane(data_dir, tmp_path):
    from garita.station.booth.officer_accounts import add_officer
    from garita.station.storage.database import open_database
    from garita.station.storage.lane_store import LaneStore

    store = LaneStore(open_database(data_dir))
    crossing_id = Lifecycle(store, "lane-9", 300).record_read(
        ReadIn("cam", "plate", "ABC123", {}, datetime.now(UTC))).crossing_id
    for officer_id, role, agency in (("us-1", "officer", "US"), ("us-2", "officer", "US"), ("mx-1", "officer", "MX"),
                                     ("sup-1", "supervisor", "US")):
        add_officer(store, officer_id, officer_id.upper(), role, "1234", agency=agency)
    store.db.conn.close()
    config = tmp_path / "lane.toml"
    config.write_text(CONFIG)
    return data_dir, config, crossing_id


def decide(joint_lane, officer: str, action: str, *extra: str):
    data_dir, config, crossing_id = joint_lane
    return garita("decide", crossing_id, action, "--officer", officer, "--pin-stdin", "--config", str(config),
                  *extra, env={"GARITA_DATA_DIR": str(data_dir)}, stdin="1234\n")


def decisions(data_dir) -> int:
    with sqlite3.connect(data_dir / "garita.db") as db:
        return db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]


def test_one_agency_alone_cannot_complete_and_the_other_countersigns(joint_lane):
    data_dir, _config, crossing_id = joint_lane
    proposed = decide(joint_lane, "us-1", "release")
    assert proposed.returncode == 0 and "not yet recorded" in proposed.stdout and "MX" in proposed.stdout
    waiting = garita("show", crossing_id, env={"GARITA_DATA_DIR": str(data_dir)}).stdout
    assert "us-1 (US) proposed release; awaiting MX countersign until" in waiting
    again = decide(joint_lane, "us-2", "release")
    assert again.returncode == 1 and "(awaiting_other_agency)" in again.stderr
    assert decisions(data_dir) == 0
    done = decide(joint_lane, "mx-1", "release")
    assert done.returncode == 0 and "recorded: release" in done.stdout, done.stderr
    env = {"GARITA_DATA_DIR": str(data_dir)}
    shown = json.loads(garita("show", crossing_id, "--json", env=env).stdout)
    assert shown["decision"]["joint"]["countersigner_id"] == "mx-1"
    assert "countersigned by mx-1 (MX)" in garita("show", crossing_id, env=env).stdout
    assert "US us-1 + MX mx-1" in garita("crossings", env=env).stdout
    exported = json.loads(garita("export", env=env).stdout.splitlines()[0])
    assert exported["decision"]["joint"]["proposer_agency"] == "US"


def test_a_disagreement_waits_for_a_supervisor(joint_lane):
    data_dir, _config, crossing_id = joint_lane
    assert decide(joint_lane, "us-1", "release").returncode == 0
    no_reason = decide(joint_lane, "mx-1", "detain")
    assert no_reason.returncode == 1 and "(disagreement_reason_required)" in no_reason.stderr
    disputed = decide(joint_lane, "mx-1", "detain", "--reason", "seal broken")
    assert disputed.returncode == 0 and "a supervisor decides" in disputed.stdout
    shown = json.loads(garita("show", crossing_id, "--json", env={"GARITA_DATA_DIR": str(data_dir)}).stdout)
    assert shown["joint_pending"]["disagreed"] == {"officer_id": "mx-1", "agency": "MX", "action": "detain",
                                                   "reason": "seal broken"}
    party = decide(joint_lane, "us-1", "release")
    assert party.returncode == 1 and "(dispute_needs_supervisor)" in party.stderr
    settled = decide(joint_lane, "sup-1", "secondary", "--reason", "inspect the seal")
    assert settled.returncode == 0 and decisions(data_dir) == 1, settled.stderr
    line = garita("show", crossing_id, env={"GARITA_DATA_DIR": str(data_dir)}).stdout
    assert "after us-1 (US) proposed release and mx-1 (MX) disagreed (detain)" in line


def test_the_joint_section_is_strict(tmp_path):
    from tests.station.test_config import problems

    minimal = CONFIG.split("[joint]")[0]
    bad_time = problems(tmp_path, minimal + "[joint]\nenabled = true\ncountersign_within_s = 2\n")
    assert any("countersign_within_s" in p and "line 9" in p for p in bad_time), bad_time
    misspelt = problems(tmp_path, minimal + "[joint]\nenabeld = true\n")
    assert any("enabeld" in p for p in misspelt), misspelt


def test_officer_add_takes_the_agency_and_list_shows_it(joint_lane):
    data_dir, _config, _crossing = joint_lane
    env = {"GARITA_DATA_DIR": str(data_dir)}
    added = garita("officer", "add", "mx-2", "--name", "Rosa Díaz", "--agency", "MX", "--pin", "2468", env=env)
    assert added.returncode == 0 and "(officer, MX)" in added.stdout, added.stderr
    listed = {line.split()[0]: line.split()[2] for line in garita("officer", "list", env=env).stdout.splitlines()}
    assert listed["mx-2"] == "MX" and listed["us-1"] == "US"
    wrong = garita("officer", "add", "x-1", "--name", "X", "--agency", "CA", "--pin", "2468", env=env)
    assert wrong.returncode == 2 and "CA" in wrong.stderr


def test_without_the_config_the_cli_keeps_the_joint_rule_the_daemon_ran_with(joint_lane):
    from garita.station.storage.database import open_database
    from garita.station.storage.joint_decisions import save_joint_rule
    from garita.station.storage.lane_store import LaneStore

    data_dir, _config, crossing_id = joint_lane
    store = LaneStore(open_database(data_dir))
    save_joint_rule(store, True, 600.0)  # as LaneDaemon.run does at start
    store.db.conn.close()
    env = {"GARITA_DATA_DIR": str(data_dir)}
    alone = garita("decide", crossing_id, "release", "--officer", "us-1", "--pin-stdin", env=env, stdin="1234\n")
    assert alone.returncode == 0 and "not yet recorded" in alone.stdout, alone.stderr
    again = garita("decide", crossing_id, "release", "--officer", "us-2", "--pin-stdin", env=env, stdin="1234\n")
    assert again.returncode == 1 and "(awaiting_other_agency)" in again.stderr
    assert decisions(data_dir) == 0
