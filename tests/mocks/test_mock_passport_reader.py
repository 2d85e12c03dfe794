"""Document reader emulator: OEM framed block layout, length, BCC (protocols.md §3.1)."""

from __future__ import annotations

import time
from functools import reduce
from pathlib import Path

import pytest

from garita.hardware_mocks.passport_reader import PassportReader, build_frame
from garita.hardware_mocks.pty_port import Faults
from tests.mocks.serial_helpers import read_until

TD3 = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
]
TD1 = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
]


def read_block(host) -> bytes:
    """Read one framed block by its declared length (default rule: 'O' through BCC)."""
    head = read_exactly(host, 3)
    return head + read_exactly(host, head[1] | (head[2] << 8))


def read_exactly(host, n: int) -> bytes:
    """Read exactly n bytes or fail."""
    data = b""
    deadline = time.monotonic() + 2
    while len(data) < n:
        assert time.monotonic() < deadline, data
        data += host.read(n - len(data))
    return data


def parse_block(block: bytes) -> dict:
    """A test-side parser written from the spec text."""
    assert block[0] == 0x01 and block[3:5] == b"OU" and block[5] == 0x02
    length = block[1] | (block[2] << 8)
    etx = block.index(b"\x03", 6)
    slots = block[7:etx].split(b"\r")
    return {
        "length": length,
        "flag": block[6],
        "slots": [s.decode() for s in slots[:-1]],
        "tail": slots[-1],
        "bcc": block[etx + 1],
        "xor_stx_etx": reduce(lambda a, b: a ^ b, block[5 : etx + 1]),
        "size": len(block),
    }


@pytest.fixture
def docs(tmp_path: Path):
    dev = PassportReader("docs-1", tmp_path)
    dev.start()
    yield dev
    dev.stop()


def test_td3_block_layout(docs, open_serial) -> None:
    host = open_serial(docs.endpoint)
    sent = docs.present(TD3)
    block = read_block(host)
    assert block == sent
    info = parse_block(block)
    assert info["slots"] == ["", TD3[0], TD3[1]]  # bottom line always in slot 3
    assert info["tail"] == b""
    assert info["length"] == info["size"] - 3  # 'O' through BCC
    assert info["bcc"] == info["xor_stx_etx"]


def test_td1_padded_to_30(docs, open_serial) -> None:
    host = open_serial(docs.endpoint)
    docs.present([TD1[0], TD1[1], "ERIKSSON<<ANNA<MARIA"])
    info = parse_block(read_block(host))
    assert info["slots"][2] == "ERIKSSON<<ANNA<MARIA__________"
    assert all(len(s) == 30 for s in info["slots"])


def test_short_td3_lines_padded_to_44() -> None:
    info = parse_block(build_frame(["P<UTOX", "L898902C3"]))
    assert info["slots"] == ["", "P<UTOX".ljust(44, "_"), "L898902C3".ljust(44, "_")]


def test_bad_bcc_fault_then_clean(docs, open_serial) -> None:
    host = open_serial(docs.endpoint)
    docs.port.faults = Faults(bad_bcc=True, remaining=1)
    docs.present(TD3)
    docs.present(TD3)
    bad, good = parse_block(read_block(host)), parse_block(read_block(host))
    assert bad["bcc"] != bad["xor_stx_etx"] and good["bcc"] == good["xor_stx_etx"]


@pytest.mark.parametrize(("rule", "offset"), [("o_etx", 4), ("stx_etx", 6), ("whole", 0)])
def test_configurable_length_rule(rule: str, offset: int) -> None:
    block = build_frame(TD3, length_rule=rule)  # type: ignore[arg-type]
    assert parse_block(block)["length"] == len(block) - offset


def test_configurable_bcc_rule() -> None:
    block = build_frame(TD3, bcc_rule="soh_etx")
    assert block[-1] == reduce(lambda a, b: a ^ b, block[:-1])


def test_plain_mode(tmp_path: Path, open_serial) -> None:
    dev = PassportReader("docs-2", tmp_path, mode="plain")
    dev.start()
    try:
        host = open_serial(dev.endpoint)
        dev.present(TD3)
        assert read_until(host, TD3[1].encode() + b"\r") == f"{TD3[0]}\r{TD3[1]}\r".encode()
    finally:
        dev.stop()
