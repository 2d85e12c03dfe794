"""Typed options of the serial barcode scanner driver (``driver = "serial-barcode"``)."""

from __future__ import annotations

from pydantic import Field, field_validator

from garita.drivers.driver_options import DriverOptions
from garita.drivers.noise_gate import GateSettings

_DEFAULT_GATE = GateSettings()
# TOML strings may spell control characters by name ("CR", "STX") or literally.
_CONTROL_NAMES = {"CR": "\r", "LF": "\n", "CRLF": "\r\n", "STX": "\x02", "ETX": "\x03",
                  "HT": "\t", "TAB": "\t", "NONE": ""}


def control_bytes(value: str) -> bytes:
    """The bytes a prefix/suffix option stands for (``"CRLF"`` -> ``b"\\r\\n"``)."""
    return _CONTROL_NAMES.get(value.upper(), value).encode("latin-1")


class BarcodeOptions(DriverOptions):
    """``[devices.options]`` of a barcode scanner; unknown keys are errors."""

    baudrate: int = Field(9600, ge=50, le=4_000_000, title="Serial speed (8N1)")
    prefix: str = Field("", max_length=16, title='Bytes before each scan ("" or e.g. "STX")')
    suffix: str = Field("\r", min_length=1, max_length=16, title='Bytes after each scan ("CR", "CRLF", "ETX", ...)')
    max_length: int = Field(4096, ge=1, le=1_048_576, title="Longer scans are dropped")
    continuation_timeout_s: float = Field(
        0.5, gt=0, le=60, title="Wait for the rest of an AAMVA payload that the suffix split")
    noise_budget: int = Field(_DEFAULT_GATE.noise_budget, ge=0, le=10_000,
                              title="Noisy frames tolerated per noise_window_s before the line counts as noisy")
    noise_window_s: float = Field(_DEFAULT_GATE.noise_window_s, gt=0, le=3600, title="Window of the noise budget")
    max_frames_per_s: int = Field(_DEFAULT_GATE.max_frames_per_s, ge=1, le=10_000,
                                  title="Frames per second above which the line counts as noisy")
    quiet_s: float = Field(_DEFAULT_GATE.quiet_s, gt=0, le=60, title="Silence that ends a noise burst")

    @field_validator("prefix", "suffix")
    @classmethod
    def _latin1(cls, value: str) -> str:
        try:
            control_bytes(value)
        except UnicodeEncodeError:
            raise ValueError("must be Latin-1 characters or a control name (CR, LF, CRLF, STX, ETX, TAB)") from None
        return value

    @field_validator("suffix")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not control_bytes(value):
            raise ValueError("must not be empty")
        return value

    def gate(self) -> GateSettings:
        """The noise budget these options ask for."""
        return GateSettings(self.noise_budget, self.noise_window_s, self.max_frames_per_s, self.quiet_s)
