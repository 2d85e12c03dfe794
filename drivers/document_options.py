"""Typed options of the MRZ passport/ID reader driver (``driver = "mrz-serial"``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from garita.drivers.driver_options import DriverOptions


class DocumentReaderOptions(DriverOptions):
    """``[devices.options]`` of a document reader; unknown keys are errors."""

    baudrate: int = Field(9600, ge=50, le=4_000_000, title="Serial speed (8N1)")
    framing: Literal["block", "lines"] = Field(
        "block", title="block: OEM STX..ETX blocks with a BCC; lines: plain CR-terminated MRZ lines")
    bcc: Literal["xor", "none"] = Field("xor", title="Block check character of a block")
    bcc_span: Literal["stx_etx", "all"] = Field("stx_etx", title="Bytes the BCC covers")
    terminator: Literal["CR", "LF", "CRLF"] = Field("CR", title="Line end in lines mode")
    line_gap_s: float = Field(1.0, gt=0, le=60, title="MRZ lines further apart do not belong to one document")

    @field_validator("terminator", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value
