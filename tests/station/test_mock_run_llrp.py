"""Mock mode end to end with an LLRP reader as rfid-1, through every LLRP reader fault (llrp-faults)."""

from __future__ import annotations

import re

from garita.hardware_mocks.scenario import load_scenario
from tests.station.test_mock_run import database, start_mock


def test_llrp_faults_scenario_reads_every_card_once(tmp_path):
    process = start_mock(tmp_path, "--config", "config/mock-lane-llrp.toml", "--scenario", "llrp-faults",
                         "--speed", "1.5", "--until-done")
    output, _ = process.communicate(timeout=150)
    assert process.returncode == 0, output
    assert "event=mock.finished crossings=7 decisions=7" in output
    rows = database(tmp_path).execute(
        "SELECT r.crossing_id, r.value FROM reads r JOIN crossings c ON c.id = r.crossing_id "
        "WHERE r.kind = 'rfid' ORDER BY c.opened_at, r.value").fetchall()
    by_crossing: dict[str, list[str]] = {}
    for crossing, value in rows:
        by_crossing.setdefault(crossing, []).append(value)
    expected = [sorted(v.rfid_tags) for v in load_scenario("llrp-faults").vehicles]
    assert list(by_crossing.values()) == expected  # every card, in its own vehicle's crossing, once
    # What the faults did reached the log: a rejected report, and each way the connection was lost.
    assert re.search(r"event=device.input_rejected device=rfid-1 .*TLV parameter 240", output)
    for why in ("connection closed by the device", "reader is closing the connection", "reader silent for"):
        assert re.search(rf"event=device.disconnected device=rfid-1 error=.*{why}", output), why
    assert re.search(r"event=device.still_down device=rfid-1 error=.*refused ADD_ROSPEC: status 101", output)
    assert re.search(r"event=device.connected device=rfid-1 reconnects=[5-9]", output)
