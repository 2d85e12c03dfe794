"""Framers: vectors, garbage handling and hypothesis properties."""

from hypothesis import given
from hypothesis import strategies as st

from garita.drivers.framing import AnyByteFramer, BlockFramer, LineFramer, NulFramer, bcc_xor, build_block

TD3 = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
       "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]


def test_line_framer_terminators_and_prefix() -> None:
    assert LineFramer("CR").feed(b"]C0AB\r]E0X\r") == [b"]C0AB", b"]E0X"]
    assert LineFramer("CRLF").feed(b"a\r\nb\r\n") == [b"a", b"b"]
    assert LineFramer("LF", prefix=b"\x02").feed(b"\x02abc\n") == [b"abc"]


def test_line_framer_split_across_chunks() -> None:
    f = LineFramer("CRLF")
    assert f.feed(b"abc\r") == []
    assert f.feed(b"\ndef\r\n") == [b"abc", b"def"]


def test_line_framer_discards_overlong_garbage() -> None:
    f = LineFramer("CR", max_len=16)
    assert f.feed(b"x" * 100) == []
    assert f.discarded >= 80
    assert f.feed(b"\rgood\r") == [b"good"]


def test_nul_framer_vector_v2() -> None:
    assert NulFramer().feed(b"(No Tags)\r\n\x00") == [b"(No Tags)\r\n"]


def test_block_roundtrip_and_bad_bcc() -> None:
    block = build_block(TD3)
    frames = BlockFramer().feed(b"noise" + block)
    assert len(frames) == 1 and frames[0][0] == 0x02 and frames[0][-1] == 0x03
    assert b"L898902C36" in frames[0]
    bad = block[:-1] + bytes([block[-1] ^ 0xFF])
    f = BlockFramer()
    assert f.feed(bad + block) == [frames[0]]
    assert f.rejected == 1


def test_block_without_bcc_and_all_span() -> None:
    block = build_block(TD3)[:-1]
    assert len(BlockFramer(bcc=None).feed(block)) == 1
    full = build_block(TD3)
    body_all = full[:-1]
    all_span = body_all + bytes([bcc_xor(body_all)])
    assert len(BlockFramer(bcc_span="all").feed(all_span)) == 1
    assert BlockFramer(bcc_span="all").feed(full) == []


def test_any_byte_framer_keeps_terminator() -> None:
    frames = AnyByteFramer().feed(b"Tag:1\r\nTag:2\r\n\x00")
    assert frames == [b"Tag:1\r", b"Tag:2\r", b"\x00"]


@given(st.lists(st.binary(max_size=300), max_size=20))
def test_line_framer_bounded(chunks: list[bytes]) -> None:
    f = LineFramer("CRLF", max_len=64)
    for c in chunks:
        for frame in f.feed(c):
            assert len(frame) <= 64 and b"\r\n" not in frame
    assert len(f._buf) <= 65


@given(st.lists(st.binary(max_size=300), max_size=20))
def test_nul_and_anybyte_framers_never_raise(chunks: list[bytes]) -> None:
    n, a = NulFramer(max_len=128), AnyByteFramer(max_len=128)
    for c in chunks:
        assert all(b"\x00" not in fr for fr in n.feed(c))
        assert all(len(fr) <= 129 for fr in a.feed(c))


@given(st.binary(max_size=400), st.binary(max_size=400))
def test_block_framer_finds_block_after_garbage(pre: bytes, post: bytes) -> None:
    f = BlockFramer(max_len=256)
    frames = f.feed(pre.replace(b"\x01", b"") + build_block(TD3))
    assert frames and b"ERIKSSON" in frames[-1]
    f.feed(post)
    assert len(f._buf) <= 400


@given(st.lists(st.text(alphabet="ABC<0123456789", max_size=44), min_size=1, max_size=3))
def test_block_roundtrip(lines: list[str]) -> None:
    frames = BlockFramer().feed(build_block(lines))
    assert len(frames) == 1
    assert frames[0][2:-1].decode().split("\r")[-2] == lines[-1]
