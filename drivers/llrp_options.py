"""Typed options of the LLRP driver (``driver = "llrp"``) and the reader's address."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from garita.drivers.driver_options import DriverOptions, reject
from garita.drivers.llrp_messages import InventorySettings

DEFAULT_PORT = 5084


class LlrpOptions(DriverOptions):
    """``[devices.options]`` of a ``driver = "llrp"`` reader; unknown keys are errors."""

    antennas: list[int] = Field(default_factory=list, max_length=32,
                                title="Antenna ports to read (1-based); empty = every antenna")
    tx_power_index: int = Field(0, ge=0, le=65535,
                                title="TransmitPower index into the reader's power table; 0 = reader default")
    session: int = Field(1, ge=0, le=3, title="Gen2 session S0-S3")
    tag_population: int = Field(32, ge=1, le=65535, title="Expected tags in the field")
    tag_transit_time_ms: int = Field(0, ge=0, le=600_000, title="Expected time a tag stays in the field")
    report_every_n_tags: int = Field(1, ge=1, le=65535, title="RO_ACCESS_REPORT after this many tags")
    rospec_id: int = Field(1, ge=1, le=0xFFFFFFFF, title="Id of the ROSpec the driver adds")
    keepalive_s: float = Field(5.0, gt=0, le=3600, title="The reader sends KEEPALIVE this often")
    keepalive_timeout_s: float = Field(15.0, gt=0, le=10800,
                                       title="Silence after which the connection is restarted")
    response_timeout_s: float = Field(5.0, gt=0, le=120, title="Wait for each configuration answer")
    forget_after_s: float = Field(3.0, gt=0, le=3600, title="A tag unseen this long has left")

    @field_validator("antennas")
    @classmethod
    def _antenna_ports(cls, antennas: list[int]) -> list[int]:
        if any(not 1 <= a <= 65535 for a in antennas) or len(set(antennas)) != len(antennas):
            raise ValueError("must list distinct antenna ports 1-65535")
        return antennas

    @model_validator(mode="after")
    def _timeout_above_keepalive(self) -> LlrpOptions:
        if self.keepalive_timeout_s <= self.keepalive_s:
            reject("keepalive_timeout_s", "must be longer than keepalive_s", self.keepalive_timeout_s)
        return self

    def inventory(self) -> InventorySettings:
        """The ROSpec settings these options ask for."""
        return InventorySettings(self.rospec_id, tuple(self.antennas), self.tx_power_index, self.session,
                                 self.tag_population, self.tag_transit_time_ms, self.report_every_n_tags)


def reader_url(device: str, port: str) -> str:
    """``tcp://host:port`` for ``tcp://host[:port]``, ``host[:port]`` (LLRP port 5084 by default)."""
    text = port.strip()
    for scheme in ("tcp://", "socket://", "llrp://"):
        if text.lower().startswith(scheme):
            text = text[len(scheme):]
    host, sep, num = text.rpartition(":")
    if not sep or "]" in num:
        host, num = text, str(DEFAULT_PORT)
    host = host.strip("[]")
    if not host or "/" in host or not num.isdigit() or not 0 < int(num) < 65536:
        raise ValueError(f"device {device!r}: expected tcp://host[:port] for an LLRP reader, got {port!r}")
    return f"tcp://{host}:{num}" if ":" not in host else f"tcp://[{host}]:{num}"
