"""A tag reads the same whichever protocol delivered it: Alien (poll, notify) and LLRP."""

from __future__ import annotations

from pathlib import Path

from garita.drivers.rfid_alien import AlienReader
from garita.drivers.rfid_llrp import LlrpReader
from garita.hardware_mocks.alien_rfid_reader import AlienRfidReader
from garita.hardware_mocks.llrp_reader import LlrpReaderMock

# A SENTRI/passport card, a FAST card, a truck transponder and a badge (96-bit EPCs).
CARDS = ["E2003411B802011512345678", "3000214160C0040000006013", "A5B6C7D8E9F0112233445566",
         "E28068940000401AB3400001"]


def reads_from(run_device, device, put) -> list:
    run = run_device(device)
    assert run.wait_for(lambda: device.health.connected, 5), device.health
    for card in CARDS:
        put(card)
    run.wait_reads(len(CARDS))
    assert not run.wait_for(lambda: len(run.reads) > len(CARDS), 0.5)
    return run.reads


def test_alien_and_llrp_reads_agree(tmp_path: Path, run_device) -> None:
    alien_mock = AlienRfidReader("rfid-a", tmp_path, tcp=True)
    llrp_mock = LlrpReaderMock("rfid-l", reread_s=0.1)
    alien_mock.start()
    llrp_mock.start()
    try:
        alien = reads_from(run_device, AlienReader("rfid-a", alien_mock.endpoint.replace("socket://", "tcp://"),
                                                   {"poll_interval_s": 0.05}), alien_mock.put_tag)
        llrp = reads_from(run_device, LlrpReader("rfid-l", llrp_mock.endpoint), llrp_mock.put_tag)
    finally:
        alien_mock.stop()
        llrp_mock.stop()
    assert [(r.kind, r.value) for r in alien] == [(r.kind, r.value) for r in llrp] == [("rfid", c) for c in CARDS]
    for a, b in zip(alien, llrp, strict=True):
        assert set(a.data) <= set(b.data)  # every field the lane gets from Alien, it gets from LLRP
        assert a.data["epc"] == b.data["epc"] and a.data["protocol"] == b.data["protocol"] == "2"
        assert isinstance(b.data["count"], int) and b.data["first_seen"] <= b.data["last_seen"]
