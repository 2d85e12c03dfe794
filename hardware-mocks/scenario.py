"""Scenario files for the mock lane: pydantic models and ``load_scenario``.

A bare name ("default") loads ``hardware_mocks/scenarios/<name>.toml``; anything else is a
file path. Every problem is raised as ``ScenarioError`` naming the file and the key path.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

DEVICES = ("plate-cam", "rfid-1", "scanner-1", "docs-1")
PTY_FAULTS = {"garbage", "split", "merge", "slow", "reset"}
# Faults of an LLRP reader (hardware_mocks/llrp_reader.py); an Alien reader skips them, and an
# LLRP reader skips the serial-line ones ("reset" reboots it).
LLRP_FAULTS = {"drop", "reboot", "malformed_tlv", "truncated", "flood", "refuse_rospec", "keepalive_stop"}
FAULTS_BY_DEVICE = {
    "plate-cam": {"freeze", "drop", "resume"},
    "rfid-1": PTY_FAULTS | LLRP_FAULTS | {"unplug", "replug"},
    "scanner-1": PTY_FAULTS | {"unplug", "replug"},
    "docs-1": PTY_FAULTS | {"unplug", "replug", "bad_bcc"},
}
MIN_GAP_S = 1.0  # lane empty between vehicles, so "who was at the lane" is unambiguous
_MRZ_LINE = re.compile(r"^[A-Z0-9<]{30}$|^[A-Z0-9<]{36}$|^[A-Z0-9<]{44}$")
_CONTAINER = re.compile(r"^[A-Z]{3}[UJZ]\d{7}$")
_AIM = re.compile(r"^(\][A-Za-z][0-9A-Za-z])?$")
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


class ScenarioError(ValueError):
    """A scenario file is missing, not TOML, or not valid."""


class _Model(BaseModel):
    """Strict base: unknown keys are errors (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Scan(_Model):
    """A barcode read by the lane scanner."""

    model_config = ConfigDict(title="Barcode scan")
    at: float = Field(ge=0, le=600, title="Seconds after the vehicle's arrival")
    symbology: str = Field("]C0", title="AIM symbology id, '' for none", pattern=_AIM.pattern)
    data: str = Field(min_length=1, max_length=4000, title="Decoded data (escapes allowed)")


class Document(_Model):
    """An MRZ document laid on the document reader, and the scripted officer's decision."""

    model_config = ConfigDict(title="Travel document")
    at: float = Field(ge=0, le=600, title="Seconds after the vehicle's arrival")
    mrz: list[str] = Field(min_length=2, max_length=3, title="MRZ lines, top to bottom")
    decision: Literal["release", "secondary", "detain"] = Field("release", title="Decision")
    reason: str = Field("routine", max_length=200, title="Officer's reason")
    officer: str = Field("mock-officer-1", min_length=1, max_length=64, title="Officer id")

    @field_validator("mrz")
    @classmethod
    def _mrz_shape(cls, lines: list[str]) -> list[str]:
        """Lines must be a TD1 (3x30), TD2 (2x36) or TD3 (2x44) set of MRZ characters."""
        for line in lines:
            if not _MRZ_LINE.match(line):
                raise ValueError(f"not an MRZ line (A-Z 0-9 <, 30/36/44 chars): {line!r}")
        width = {len(line) for line in lines}
        if len(width) != 1 or (len(lines) == 3) != (width == {30}):
            raise ValueError("MRZ must be 3x30, 2x36 or 2x44")
        return lines


class Vehicle(_Model):
    """One vehicle's visit to the lane."""

    model_config = ConfigDict(title="Vehicle")
    id: str = Field(min_length=1, max_length=40, pattern=_NAME.pattern, title="Unique id")
    label: str = Field("", max_length=200, title="Description for technicians")
    arrive_at: float = Field(ge=0, le=86400, title="Seconds from scenario start")
    dwell_s: float = Field(ge=0.5, le=600, title="Seconds at the lane")
    kind: Literal["car", "truck", "bus", "motorcycle"] = Field("car", title="Vehicle kind")
    plate: str = Field(min_length=2, max_length=12, title="Registration, drawn on the plate")
    plate_state: str = Field("", max_length=30, title="State/country line on the plate")
    plate_image: str = Field("", title="Photo path (relative to the scenario file)")
    containers: list[str] = Field(default_factory=list, max_length=3, title="ISO 6346 codes")
    rfid_tags: list[str] = Field(default_factory=list, max_length=10, title="96-bit EPCs")
    rfid_at: float = Field(0.3, ge=0, le=600, title="Seconds after arrival tags are read")
    scans: list[Scan] = Field(default_factory=list, title="Barcode scans")
    documents: list[Document] = Field(default_factory=list, title="Documents presented")

    @field_validator("containers")
    @classmethod
    def _container_codes(cls, codes: list[str]) -> list[str]:
        """Container codes are 3 letters + U/J/Z + 7 digits (check digit not enforced)."""
        for code in codes:
            if not _CONTAINER.match(code):
                raise ValueError(f"not an ISO 6346 container code: {code!r}")
        return codes

    @field_validator("rfid_tags")
    @classmethod
    def _epcs(cls, tags: list[str]) -> list[str]:
        """EPCs are 24 hex digits; spaces are ignored and case is normalised."""
        out = ["".join(t.split()).upper() for t in tags]
        for tag in out:
            if not re.fullmatch(r"[0-9A-F]{24}", tag):
                raise ValueError(f"EPC must be 24 hex digits, got {tag!r}")
        return out

    @model_validator(mode="after")
    def _within_dwell(self) -> Vehicle:
        """Scans, documents and tag reads must happen while the vehicle is there."""
        for what, items in (("scans", self.scans), ("documents", self.documents)):
            for i, item in enumerate(items):
                if item.at >= self.dwell_s:
                    raise ValueError(f"{what}[{i}].at={item.at} must be < dwell_s={self.dwell_s}")
        if self.rfid_tags and self.rfid_at >= self.dwell_s:
            raise ValueError(f"rfid_at={self.rfid_at} must be < dwell_s={self.dwell_s}")
        return self

    @property
    def depart_at(self) -> float:
        """Seconds from scenario start when the vehicle leaves."""
        return self.arrive_at + self.dwell_s

    @property
    def decision(self) -> str:
        """The scripted officer's decision: the last document's, else "release"."""
        return self.documents[-1].decision if self.documents else "release"

    @property
    def reason(self) -> str:
        """The scripted reason: the last document's, else "routine"."""
        return self.documents[-1].reason if self.documents else "routine"

    @property
    def officer(self) -> str:
        """The scripted officer id: the last document's, else "mock-officer-1"."""
        return self.documents[-1].officer if self.documents else "mock-officer-1"


class Fault(_Model):
    """A fault injected into one device at an absolute scenario time."""

    model_config = ConfigDict(title="Injected fault")
    at: float = Field(ge=0, le=86400, title="Seconds from scenario start")
    device: Literal["plate-cam", "rfid-1", "scanner-1", "docs-1"] = Field(title="Device name")
    fault: Literal[
        "garbage", "split", "merge", "slow", "bad_bcc", "reset",
        "unplug", "replug", "freeze", "drop", "resume",
        "reboot", "malformed_tlv", "truncated", "flood", "refuse_rospec", "keepalive_stop",
    ] = Field(title="Fault kind")  # fmt: skip

    @model_validator(mode="after")
    def _applies(self) -> Fault:
        """A fault must make sense for its device (no bad_bcc on a camera)."""
        if self.fault not in FAULTS_BY_DEVICE[self.device]:
            raise ValueError(f"fault {self.fault!r} does not apply to {self.device!r}")
        return self


class Scenario(_Model):
    """A scripted sequence of vehicles and faults for the mock lane."""

    model_config = ConfigDict(title="Mock lane scenario")
    name: str = Field(min_length=1, max_length=60, pattern=_NAME.pattern, title="Name")
    description: str = Field("", max_length=2000, title="What it exercises")
    vehicles: list[Vehicle] = Field(min_length=1, max_length=500, title="Vehicles in order")
    faults: list[Fault] = Field(default_factory=list, title="Injected faults")
    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)

    @field_validator("vehicles")
    @classmethod
    def _no_overlap(cls, vehicles: list[Vehicle]) -> list[Vehicle]:
        """Ids are unique and each vehicle leaves (plus a gap) before the next arrives."""
        seen: set[str] = set()
        for prev, cur in zip([None, *vehicles], vehicles, strict=False):
            if cur.id in seen:
                raise ValueError(f"duplicate vehicle id {cur.id!r}")
            seen.add(cur.id)
            if prev is not None and cur.arrive_at < prev.depart_at + MIN_GAP_S:
                raise ValueError(
                    f"vehicles {prev.id!r} and {cur.id!r} overlap: {cur.id!r} arrives at "
                    f"{cur.arrive_at}s but {prev.id!r} leaves at {prev.depart_at}s "
                    f"(+{MIN_GAP_S}s gap needed)"
                )
        return vehicles

    @model_validator(mode="after")
    def _plug_order(self) -> Scenario:
        """Per device, unplug and replug must alternate (unplug first), in time order."""
        unplugged: set[str] = set()
        order = sorted(range(len(self.faults)), key=lambda i: self.faults[i].at)
        for i in order:
            fault = self.faults[i]
            if fault.fault not in ("unplug", "replug"):
                continue
            if (fault.fault == "unplug") == (fault.device in unplugged):
                state = "already unplugged" if fault.fault == "unplug" else "not unplugged"
                raise ValueError(f"faults[{i}]: {fault.fault} at {fault.at}s but {fault.device} is {state}")
            unplugged ^= {fault.device}
        return self

    @property
    def duration_s(self) -> float:
        """Seconds from start until the last vehicle departs or the last fault fires."""
        ends = [v.depart_at for v in self.vehicles] + [f.at for f in self.faults]
        return max(ends)

    @property
    def base_dir(self) -> Path:
        """Directory relative paths in the scenario (plate_image) are resolved against."""
        return self._base_dir

    def resolve(self, path: str) -> Path:
        """Resolve a scenario path (absolute, or relative to the scenario file)."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else self._base_dir / p


def _key_path(loc: tuple[int | str, ...]) -> str:
    """Render a pydantic location as ``vehicles[2].scans[0].at``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _read(name_or_path: str) -> tuple[str, str, Path]:
    """Return (source label, TOML text, base dir) for a bare name or a path."""
    if _NAME.match(name_or_path) and not name_or_path.endswith(".toml"):
        res = resources.files("garita.hardware_mocks.scenarios").joinpath(f"{name_or_path}.toml")
        if not res.is_file():
            raise ScenarioError(f"no built-in scenario named {name_or_path!r}")
        return f"scenarios/{name_or_path}.toml", res.read_text("utf-8"), Path(str(res)).parent
    path = Path(name_or_path).expanduser()
    try:
        return str(path), path.read_text("utf-8"), path.resolve().parent
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read scenario: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        bad = exc.object[exc.start]
        raise ScenarioError(f"{path}: not a UTF-8 text file (byte {exc.start} is {bad:#04x})") from exc


def load_scenario(name_or_path: str) -> Scenario:
    """Load and validate a scenario by built-in name or file path."""
    source, text, base = _read(name_or_path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: not valid TOML: {exc}") from exc
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{_key_path(e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ScenarioError(f"{source}: {problems}") from exc
    scenario._base_dir = base
    return scenario
