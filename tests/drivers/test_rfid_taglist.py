"""Alien tag list parsing: protocols.md V1-V4 and properties."""

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from garita.drivers.rfid_alien import POLL_COMMAND
from garita.drivers.rfid_taglist import TagListError, normalise_epc, parse_notification, parse_tag_line, parse_taglist

V1_CMD = b"\x01get TagList\r\n"
V1_REPLY = (b"Tag:E200 3411 B802 0115 1234 5678, Disc:2025/03/14 09:26:53, "
            b"Last:2025/03/14 09:26:54, Count:12, Ant:0, Proto:2\r\n"
            b"Tag:3000 2141 60C0 0400 0000 6013, Disc:2025/03/14 09:26:53, "
            b"Last:2025/03/14 09:26:53, Count:1, Ant:1, Proto:2\r\n\x00")
V2_EMPTY = b"(No Tags)\r\n\x00"
V3_TERSE = b"E200 3411 B802 0115 1234 5678,12,0\r\n"


def test_v1_command_bytes() -> None:
    assert POLL_COMMAND == V1_CMD
    assert V1_CMD.hex(" ") == "01 67 65 74 20 54 61 67 4c 69 73 74 0d 0a"


def test_v1_text_reply() -> None:
    tags, rejected = parse_taglist(V1_REPLY.decode())
    assert rejected == []
    assert [t.epc for t in tags] == ["E2003411B802011512345678", "3000214160C0040000006013"]
    first = tags[0]
    assert (first.count, first.antenna, first.protocol) == (12, 0, "2")
    assert first.discovered == "2025-03-14T09:26:53"
    assert first.last_seen == "2025-03-14T09:26:54"
    assert tags[1].antenna == 1 and tags[1].format == "text"


def test_v2_empty_and_v3_terse() -> None:
    assert parse_taglist(V2_EMPTY.decode()) == ([], [])
    tag = parse_tag_line(V3_TERSE.decode())
    assert (tag.epc, tag.count, tag.antenna, tag.format) == ("E2003411B802011512345678", 12, 0,
                                                              "terse")


def test_v4_setting_reply_is_not_a_tag() -> None:
    tags, rejected = parse_taglist(b"NotifyMode = ON\r\n\x00".decode())
    assert tags == [] and rejected == ["NotifyMode = ON"]


def test_xml_and_notification() -> None:
    xml = ("<Alien-RFID-Tag-List>\r\n<Alien-RFID-Tag>\r\n<TagID>e200 3411 b802 0115 1234 5678"
           "</TagID>\r\n<DiscoveryTime>2025/03/14 09:26:53</DiscoveryTime>\r\n<Antenna>2</Antenna>"
           "\r\n<ReadCount>5</ReadCount>\r\n</Alien-RFID-Tag>\r\n</Alien-RFID-Tag-List>\r\n")
    tags, _ = parse_taglist(xml)
    assert tags[0].epc == "E2003411B802011512345678" and tags[0].antenna == 2
    assert tags[0].count == 5 and tags[0].format == "xml"
    note = parse_notification(
        "#Alien RFID Reader Auto Notification Message\r\n#ReaderName: Lane3\r\n"
        "#Time: 2025/03/14 09:26:53\r\n#Reason: TAGS ADDED\r\n" + V3_TERSE.decode()
        + "#End of Notification Message\r\n")
    assert note.header["ReaderName"] == "Lane3" and note.header["Reason"] == "TAGS ADDED"
    assert [t.epc for t in note.tags] == ["E2003411B802011512345678"]


@pytest.mark.parametrize("line", ["Tag:XYZ1, Count:1", "Tag:E200, Count:x", "Tag:E200, Disc:bad",
                                  "E200,1", "E2,1,a", "Tag E200"])
def test_malformed_lines(line: str) -> None:
    with pytest.raises(TagListError):
        parse_tag_line(line)


@given(st.text(max_size=200))
def test_tag_line_only_raises_taglist_error(text: str) -> None:
    with contextlib.suppress(TagListError):
        parse_tag_line(text)


@given(st.text(max_size=400))
def test_taglist_and_notification_only_raise_taglist_error(text: str) -> None:
    try:
        parse_taglist(text)
        parse_notification(text)
    except TagListError:
        pass


@given(st.binary(min_size=1, max_size=16), st.integers(0, 2**31), st.integers(0, 3))
def test_terse_roundtrip(epc: bytes, count: int, ant: int) -> None:
    spaced = " ".join(epc.hex().upper()[i:i + 4] for i in range(0, len(epc) * 2, 4))
    tag = parse_tag_line(f"{spaced},{count},{ant}")
    assert (tag.epc, tag.count, tag.antenna) == (epc.hex().upper(), count, ant)
    assert normalise_epc(spaced.lower()) == epc.hex().upper()
