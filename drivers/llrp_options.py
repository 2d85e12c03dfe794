"""Typed options of the LLRP driver: a strict pydantic model, errors as one-line ValueErrors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from garita.drivers.llrp_messages import InventorySettings

DEFAULT_PORT = 5084


class LlrpOptions(BaseModel):
    """``[devices.options]`` of a ``driver = "llrp"`` reader; unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    antennas: list[int] = Field(default_factory=list, max_length=32,
                                description="antenna ports to read (1-based); empty = every antenna")
    tx_power_index: int = Field(0, ge=0, le=65535,
                                description="TransmitPower index into the reader's power table; 0 = reader default")
    session: int = Field(1, ge=0, le=3, description="Gen2 session S0-S3")
    tag_population: int = Field(32, ge=1, le=65535, description="expected tags in the field")
    tag_transit_time_ms: int = Field(0, ge=0, le=600_000, description="expected time a tag stays in the field")
    report_every_n_tags: int = Field(1, ge=1, le=65535, description="RO_ACCESS_REPORT after this many tags")
    rospec_id: int = Field(1, ge=1, le=0xFFFFFFFF)
    keepalive_s: float = Field(5.0, gt=0, le=3600, description="the reader sends KEEPALIVE this often")
    keepalive_timeout_s: float = Field(15.0, gt=0, le=10800,
                                       description="silence after which the connection is restarted")
    response_timeout_s: float = Field(5.0, gt=0, le=120, description="wait for each configuration answer")
    forget_after_s: float = Field(3.0, gt=0, le=3600, description="a tag unseen this long has left")

    @field_validator("antennas")
    @classmethod
    def _antenna_ports(cls, antennas: list[int]) -> list[int]:
        if any(not 1 <= a <= 65535 for a in antennas) or len(set(antennas)) != len(antennas):
            raise ValueError("must list distinct antenna ports 1-65535")
        return antennas

    @model_validator(mode="after")
    def _timeout_above_keepalive(self) -> LlrpOptions:
        if self.keepalive_timeout_s <= self.keepalive_s:
            raise ValueError("keepalive_timeout_s must be longer than keepalive_s")
        return self

    def inventory(self) -> InventorySettings:
        """The ROSpec settings these options ask for."""
        return InventorySettings(self.rospec_id, tuple(self.antennas), self.tx_power_index, self.session,
                                 self.tag_population, self.tag_transit_time_ms, self.report_every_n_tags)


def _coerce_floats(given: Mapping[str, Any]) -> dict[str, Any]:
    # TOML writes 5 for 5.0; strict mode would refuse an int for a float field.
    floats = {k for k, f in LlrpOptions.model_fields.items() if f.annotation in (float, "float")}
    return {k: float(v) if k in floats and type(v) is int else v for k, v in given.items()}


def parse_options(device: str, given: Mapping[str, Any]) -> LlrpOptions:
    """Validate the options table; the first problem is raised as ``device 'x': option 'y' ...``."""
    try:
        return LlrpOptions.model_validate(_coerce_floats(given))
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            known = ", ".join(sorted(LlrpOptions.model_fields))
            raise ValueError(f"device {device!r}: unknown option {key!r} (known: {known})") from None
        why = err["msg"].removeprefix("Value error, ")
        if not key:  # a rule across options: the message names them
            raise ValueError(f"device {device!r}: {why}") from None
        why = why[:1].lower() + why[1:]
        raise ValueError(f"device {device!r}: option {key!r}: {why} (got {err.get('input')!r})") from None


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
