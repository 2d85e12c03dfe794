"""Atheris fuzz targets for every parser, run by hand (not collected by pytest, not in CI).

    pip install atheris
    .venv/bin/python tests/fuzz/fuzz_parsers.py mrz -atheris_runs=200000
    .venv/bin/python tests/fuzz/fuzz_parsers.py --list

Each target feeds the fuzzer's bytes to one parser and lets only that parser's
documented error type pass; anything else is a crash the fuzzer reports.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable

from garita.drivers.documents import aamva, cfdi, classify, gs1, mrz, paps, pedimento
from garita.drivers.framing import AnyByteFramer, BlockFramer, LineFramer, NulFramer
from garita.drivers.llrp_codec import Framer as LlrpFramer
from garita.drivers.llrp_codec import LlrpError
from garita.drivers.llrp_messages import parse_reader_event, parse_ro_access_report, parse_status
from garita.drivers.rfid_taglist import TagListError, parse_notification, parse_taglist, parse_xml


def _text(parser: Callable[[str], object]) -> Callable[[bytes], object]:
    """Serial bytes reach text parsers decoded as Latin-1, as the drivers do."""
    return lambda data: parser(data.decode("latin-1"))


def _framers(data: bytes) -> None:
    """Framers must swallow anything: feed the input in two chunks to every framer."""
    half = len(data) // 2
    for framer in (LineFramer("CRLF", b"\x02"), NulFramer(), AnyByteFramer(), BlockFramer()):
        framer.feed(data[:half])
        framer.feed(data[half:])


TARGETS: dict[str, tuple[Callable[[bytes], object], tuple[type[Exception], ...]]] = {
    "mrz": (_text(mrz.parse_mrz), (mrz.MrzError,)),
    "aamva": (aamva.parse_aamva, (aamva.AamvaError,)),
    "paps": (_text(paps.parse_paps), (paps.PapsError,)),
    "pedimento": (_text(pedimento.parse_pedimento), (pedimento.PedimentoError,)),
    "cfdi": (_text(cfdi.parse_sat_url), (cfdi.CfdiError,)),
    "gs1": (_text(gs1.parse_gs1), (gs1.Gs1Error,)),
    "classify": (lambda data: classify.classify(None, data), ()),
    "taglist": (_text(parse_taglist), (TagListError,)),
    "notification": (_text(parse_notification), (TagListError,)),
    "xml": (_text(parse_xml), (TagListError,)),
    "framing": (_framers, ()),
    "llrp-stream": (lambda data: LlrpFramer().feed(data), (LlrpError,)),
    "llrp-report": (parse_ro_access_report, (LlrpError,)),
    "llrp-event": (parse_reader_event, (LlrpError,)),
    "llrp-status": (parse_status, (LlrpError,)),
}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        print(f"usage: {sys.argv[0]} TARGET [atheris options]; targets: {', '.join(TARGETS)}")
        sys.exit(0 if "--list" in sys.argv else 2)
    import atheris  # imported late so --list works without it

    parser, allowed = TARGETS[sys.argv.pop(1)]

    def one_input(data: bytes) -> None:
        with contextlib.suppress(*allowed):
            parser(data)

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
