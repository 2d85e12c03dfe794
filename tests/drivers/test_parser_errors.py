"""Random bytes into every parser: each raises only its documented error type (or nothing).

Bytes arrive from serial lines as bytes; text parsers get them decoded as Latin-1, the
way the drivers decode them, and also as arbitrary Unicode text.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from garita.drivers.documents import aamva, aim, cfdi, classify, gs1, mrz, paps, pedimento
from garita.drivers.framing import AnyByteFramer, BlockFramer, LineFramer, NulFramer, resolve_terminator
from garita.drivers.rfid_taglist import (
    TagListError,
    is_tag_line,
    normalise_epc,
    parse_notification,
    parse_tag_line,
    parse_taglist,
    parse_terse_line,
    parse_text_line,
    parse_xml,
)

# parser name -> (callable, the one error type it may raise; None = must never raise)
BYTE_PARSERS: dict[str, tuple[Callable[[bytes], object], type[Exception] | None]] = {
    "aamva.parse_aamva": (aamva.parse_aamva, aamva.AamvaError),
    "aamva.parse_header": (aamva.parse_header, aamva.AamvaError),
    "aamva.expected_length": (aamva.expected_length, aamva.AamvaError),
    "aim.split_symbology": (aim.split_symbology, None),
    "classify.classify(None)": (lambda b: classify.classify(None, b), None),
    "classify.classify(]C1)": (lambda b: classify.classify("]C1", b), None),
}
TEXT_PARSERS: dict[str, tuple[Callable[[str], object], type[Exception] | None]] = {
    "mrz.parse_mrz": (mrz.parse_mrz, mrz.MrzError),
    "mrz.identify": (lambda t: mrz.identify(mrz.clean_lines(t)), mrz.MrzError),
    "mrz.parse_date": (lambda t: mrz.parse_date(t[:6], expiry=False), None),
    "aamva.parse_date": (lambda t: aamva.parse_date(t[:8], "USA"), None),
    "paps.parse_paps": (paps.parse_paps, paps.PapsError),
    "pedimento.parse_pedimento": (pedimento.parse_pedimento, pedimento.PedimentoError),
    "cfdi.parse_sat_url": (cfdi.parse_sat_url, cfdi.CfdiError),
    "cfdi.parse_sat_url(sat prefix)": (
        lambda t: cfdi.parse_sat_url(f"https://{cfdi.SAT_HOST}/{t}"), cfdi.CfdiError),
    "gs1.parse_gs1": (gs1.parse_gs1, gs1.Gs1Error),
    "rfid.parse_tag_line": (parse_tag_line, TagListError),
    "rfid.parse_text_line": (parse_text_line, TagListError),
    "rfid.parse_terse_line": (parse_terse_line, TagListError),
    "rfid.parse_xml": (parse_xml, TagListError),
    "rfid.parse_xml(wrapped)": (
        lambda t: parse_xml(f"<Alien-RFID-Tag>{t}</Alien-RFID-Tag>"), TagListError),
    "rfid.parse_taglist": (parse_taglist, TagListError),
    "rfid.parse_notification": (parse_notification, TagListError),
    "rfid.normalise_epc": (normalise_epc, TagListError),
    "rfid.is_tag_line": (is_tag_line, None),
    "framing.resolve_terminator": (resolve_terminator, ValueError),
}


def _only(error: type[Exception] | None, call: Callable[[], object]) -> None:
    """Run call; any exception other than ``error`` fails the test."""
    if error is None:
        call()
        return
    with contextlib.suppress(error):
        call()


@pytest.mark.parametrize("name", sorted(BYTE_PARSERS))
@given(raw=st.binary(max_size=400))
def test_byte_parsers_raise_only_their_error(name: str, raw: bytes) -> None:
    parser, error = BYTE_PARSERS[name]
    _only(error, lambda: parser(raw))


@pytest.mark.parametrize("name", sorted(TEXT_PARSERS))
@given(raw=st.binary(max_size=300), text=st.text(max_size=120))
def test_text_parsers_raise_only_their_error(name: str, raw: bytes, text: str) -> None:
    parser, error = TEXT_PARSERS[name]
    _only(error, lambda: parser(raw.decode("latin-1")))
    _only(error, lambda: parser(text))


@given(chunks=st.lists(st.binary(max_size=200), max_size=12))
def test_framers_never_raise_and_stay_bounded(chunks: list[bytes]) -> None:
    framers = [LineFramer("CRLF", b"\x02", max_len=64), NulFramer(max_len=64),
               AnyByteFramer(max_len=64), BlockFramer(max_len=64), BlockFramer(bcc=None, bcc_span="all")]
    for framer in framers:
        for chunk in chunks:
            framer.feed(chunk)
        assert len(framer._buf) <= framer.max_len + 2  # garbage never piles up
