"""The LLRP codec and driver against bytes from the emulator's own encoder (hardware_mocks/llrp_wire.py).

Random bytes and random TLV trees never crash the driver (the only exception it lets out is
ReaderDown, which its link turns into a reconnect); every well-formed report round-trips.
"""

from __future__ import annotations

import struct
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from garita.drivers import llrp_messages as m
from garita.drivers.llrp_codec import MAX_MESSAGE, Framer, FramingError, LlrpError, decode_params, encode_message
from garita.drivers.llrp_session import ReaderDown
from garita.drivers.rfid_llrp import LlrpReader
from garita.hardware_mocks import llrp_wire as wire

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def offline_driver() -> tuple[LlrpReader, list[bytes], list]:
    """A driver past its connect step, writing into a list instead of a socket."""
    device = LlrpReader("rfid-h", "tcp://127.0.0.1:5084")
    sent: list[bytes] = []
    device._link = SimpleNamespace(write=sent.append)  # the link is the socket; everything above it is real
    reads: list = []
    device._emit = reads.append
    device._on_connect()
    return device, sent, reads


def feed(device: LlrpReader, data: bytes) -> None:
    """Hand bytes to the driver; a ReaderDown ends the connection, so start a new one."""
    try:
        device._on_bytes(data)
    except ReaderDown:
        device._on_connect()


# --- the spec's vectors --------------------------------------------------------------------

def test_protocols_md_vectors() -> None:
    keepalive = bytes.fromhex("043E0000000A00000001")
    assert wire.message(wire.MSG["KEEPALIVE"], 1) == keepalive
    assert m.keepalive_ack(1) == bytes.fromhex("04480000000A00000001")
    [msg] = Framer().feed(keepalive)
    assert (msg.type, msg.id, msg.body) == (m.KEEPALIVE, 1, b"")


def test_keepalive_is_acknowledged_with_its_id() -> None:
    device, sent, _ = offline_driver()
    device._on_bytes(wire.message(wire.MSG["KEEPALIVE"], 77))
    assert sent[-1] == m.keepalive_ack(77)


def test_framer_waits_for_the_rest_and_rejects_nonsense() -> None:
    framer = Framer()
    data = wire.message(wire.MSG["KEEPALIVE"], 5) * 2
    assert [x.id for x in framer.feed(data[:13])] == [5] and framer.pending == 3
    assert framer.feed(data[13:16]) == [] and framer.pending == 6
    assert [x.id for x in framer.feed(data[16:])] == [5] and framer.pending == 0
    with pytest.raises(FramingError, match="version 2"):
        Framer().feed(wire.message(62, 1, version=2))
    with pytest.raises(FramingError, match="length"):
        Framer().feed(struct.pack(">HII", 0x0400 | 61, MAX_MESSAGE + 1, 1))


def test_an_unknown_tv_type_is_an_error_not_a_guess() -> None:
    with pytest.raises(LlrpError, match="unknown TV parameter type 99"):
        decode_params(bytes([0x80 | 99, 0, 0]))


def test_epc_data_of_any_whole_byte_length() -> None:
    tag = wire.TagSeen("300833B2DDD9014000000000AABB", antenna=4)  # 112 bits: EPCData, not EPC-96
    [report] = m.parse_ro_access_report(wire.ro_access_report(9, [tag])[10:])
    assert (report.epc, report.antenna) == (tag.epc, 4)


# --- random input --------------------------------------------------------------------------

@SETTINGS
@given(st.lists(st.binary(max_size=300), max_size=8))
def test_random_bytes_never_crash_the_driver(chunks: list[bytes]) -> None:
    device, _, _ = offline_driver()
    for chunk in chunks:
        feed(device, chunk)
    assert device._framer.pending <= MAX_MESSAGE


@SETTINGS
@given(st.lists(st.binary(max_size=60), max_size=6), st.integers(0, 0xFFFFFFFF))
def test_random_bytes_inside_a_valid_header_never_crash_the_driver(bodies: list[bytes], msg_id: int) -> None:
    device, _, _ = offline_driver()
    for body in bodies:
        for msg_type in (m.RO_ACCESS_REPORT, m.READER_EVENT_NOTIFICATION, m.ERROR_MESSAGE, m.KEEPALIVE):
            feed(device, wire.message(msg_type, msg_id, body))


def tlv_trees(depth: int = 3) -> st.SearchStrategy[wire.Tlv]:
    """Random TLV trees from the emulator's encoder, biased to the types the driver looks at."""
    types = st.sampled_from([128, 240, 241, 246, 256, 257, 252, 287]) | st.integers(0, 1023)
    tvs = st.sampled_from(sorted(wire.TV_SIZE)).flatmap(
        lambda t: st.binary(min_size=wire.TV_SIZE[t], max_size=wire.TV_SIZE[t]).map(lambda v, t=t: wire.tv(t, v)))
    leaf = st.builds(wire.Tlv, types, st.binary(max_size=16))
    return st.recursive(leaf, lambda kids: st.builds(wire.Tlv, types, st.binary(max_size=6),
                                                     st.lists(kids | tvs, max_size=4)), max_leaves=12)


@SETTINGS
@given(st.lists(tlv_trees(), min_size=1, max_size=4),
       st.sampled_from([m.RO_ACCESS_REPORT, m.READER_EVENT_NOTIFICATION, m.ERROR_MESSAGE, m.ADD_ROSPEC_RESPONSE,
                        m.SET_READER_CONFIG_RESPONSE, 1023]))
def test_random_tlv_trees_never_crash_the_driver(trees: list[wire.Tlv], msg_type: int) -> None:
    device, _, reads = offline_driver()
    feed(device, wire.message(msg_type, 1, b"".join(t.encode() for t in trees)))
    health = device.health.snapshot()
    assert health["frames_ok"] + health["frames_rejected"] >= 1 or device.stats["sessions"] == 2
    assert all(r.kind == "rfid" and r.value for r in reads)


# --- round trip ----------------------------------------------------------------------------

epcs = st.integers(1, 31).flatmap(lambda words: st.binary(min_size=2 * words, max_size=2 * words)).map(bytes.hex)
tags = st.builds(
    wire.TagSeen, epcs.map(str.upper), st.none() | st.integers(0, 0xFFFF), st.none() | st.integers(-128, 127),
    st.none() | st.integers(0, 2**63), st.none() | st.integers(0, 2**63), st.none() | st.integers(0, 0xFFFF))


@SETTINGS
@given(st.lists(tags, min_size=1, max_size=10), st.integers(0, 0xFFFFFFFF))
def test_every_well_formed_report_round_trips(seen: list[wire.TagSeen], msg_id: int) -> None:
    [msg] = Framer().feed(wire.ro_access_report(msg_id, seen))
    assert msg.type == m.RO_ACCESS_REPORT and msg.id == msg_id
    got = m.parse_ro_access_report(msg.body)
    assert [(r.epc, r.antenna, r.peak_rssi, r.first_seen_us, r.last_seen_us, r.count) for r in got] == [
        (t.epc, t.antenna, t.peak_rssi, t.first_seen_us, t.last_seen_us, t.count) for t in seen]


@SETTINGS
@given(st.lists(tags, min_size=1, max_size=10, unique_by=lambda t: t.epc))
def test_every_reported_tag_becomes_one_read(seen: list[wire.TagSeen]) -> None:
    device, _, reads = offline_driver()
    report = wire.ro_access_report(3, seen)
    device._on_bytes(report + report)  # the second report is a re-read: no new reads
    assert [r.value for r in reads] == [t.epc for t in seen]
    for read, tag in zip(reads, seen, strict=True):
        assert (read.data["antenna"], read.data["peak_rssi"]) == (tag.antenna, tag.peak_rssi)
        assert read.raw == report


def test_driver_messages_decode_with_the_emulator_parser() -> None:
    """What the driver sends is what the emulator understands (each is written from the spec)."""
    from garita.hardware_mocks.llrp_rospec import parse_add_rospec, parse_reader_config

    settings_ = m.InventorySettings(rospec_id=7, antennas=(1, 3), tx_power_index=20, session=3, tag_population=4)
    spec = parse_add_rospec(m.add_rospec(1, settings_)[10:])
    assert (spec.id, spec.antennas, spec.session, spec.tag_population, spec.tx_power) == (
        7, {1, 3}, 3, 4, {1: 20, 3: 20})
    assert parse_reader_config(m.set_reader_config(2, 1500)[10:]) == (True, 1500)
    assert encode_message(m.START_ROSPEC, 3, struct.pack(">I", 7)) == m.rospec_id_message(m.START_ROSPEC, 3, 7)
