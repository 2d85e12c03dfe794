"""``[[devices]]`` tables: one model per driver, told apart by ``driver``, options typed by the driver.

The options models live with their drivers (``garita.drivers.*_options``); here they are only
named, so a misspelt or mistyped option is reported like every other key, with its line.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import Field, model_validator

from garita.drivers.alien_options import AlienOptions
from garita.drivers.barcode_options import BarcodeOptions
from garita.drivers.camera_options import CameraOptions
from garita.drivers.document_options import DocumentReaderOptions
from garita.drivers.driver_options import DriverOptions, reject
from garita.drivers.llrp_options import LlrpOptions, reader_url
from garita.station.config.config_base import Name, StrictModel

DeviceKind = Literal["camera", "rfid", "scanner", "document-reader"]
OPTIONS_TITLE = "Driver options (an unknown or mistyped option is an error)"
MOCK_ADDRESS = "mock:"  # config/mock-lane*.toml: `garita run --mock` puts the emulators' addresses there


class DeviceBase(StrictModel):
    """The keys every device has; each driver narrows ``kind`` and adds ``driver`` and ``options``."""

    name: Name = Field(title="Device name, unique in the lane")
    kind: DeviceKind = Field(title="What the device is")
    port: str | None = Field(default=None, title="Serial device path or socket://host:port")
    url: str | None = Field(default=None, title="Camera URL, device path or file")
    enabled: bool = Field(default=True, title="Start this device")

    @model_validator(mode="after")
    def _needs_an_address(self) -> DeviceBase:
        if self.kind == "camera" and not self.url:
            raise ValueError(f"camera {self.name!r} needs a url")
        if self.kind != "camera" and not self.port:
            raise ValueError(f"{self.kind} {self.name!r} needs a port")
        return self


class OpencvDevice(DeviceBase):
    kind: Literal["camera"] = Field(title="What the device is")
    driver: Literal["opencv"] = Field(title="Camera on an rtsp/http MJPEG URL, /dev/videoN or a file (OpenCV)")
    options: CameraOptions = Field(default_factory=CameraOptions, title=OPTIONS_TITLE)


class AlienDevice(DeviceBase):
    kind: Literal["rfid"] = Field(title="What the device is")
    driver: Literal["alien"] = Field(title="Alien Reader Protocol reader, serial or TCP")
    options: AlienOptions = Field(default_factory=AlienOptions, title=OPTIONS_TITLE)

    @model_validator(mode="after")
    def _options_fit_the_port(self) -> AlienDevice:
        problem = self.options.port_problem(self.port or "")
        if problem:
            key, why = problem
            reject(("options", key), why, getattr(self.options, key), title=type(self).__name__)
        return self


class LlrpDevice(DeviceBase):
    kind: Literal["rfid"] = Field(title="What the device is")
    driver: Literal["llrp"] = Field(title="LLRP reader (Impinj, Zebra, ...) on TCP port 5084")
    options: LlrpOptions = Field(default_factory=LlrpOptions, title=OPTIONS_TITLE)

    @model_validator(mode="after")
    def _reader_address(self) -> LlrpDevice:
        if self.port and not self.port.startswith(MOCK_ADDRESS):
            try:
                reader_url(self.name, self.port)
            except ValueError as exc:
                reject("port", str(exc).removeprefix(f"device {self.name!r}: "), self.port, type(self).__name__)
        return self


class BarcodeDevice(DeviceBase):
    kind: Literal["scanner"] = Field(title="What the device is")
    driver: Literal["serial-barcode"] = Field(title="Serial barcode scanner (PDF417 licences, 1D/2D codes)")
    options: BarcodeOptions = Field(default_factory=BarcodeOptions, title=OPTIONS_TITLE)


class DocumentReaderDevice(DeviceBase):
    kind: Literal["document-reader"] = Field(title="What the device is")
    driver: Literal["mrz-serial"] = Field(title="Passport/ID MRZ reader on serial")
    options: DocumentReaderOptions = Field(default_factory=DocumentReaderOptions, title=OPTIONS_TITLE)


DEVICE_SECTIONS: tuple[type[DeviceBase], ...] = (
    OpencvDevice, AlienDevice, LlrpDevice, BarcodeDevice, DocumentReaderDevice)
DeviceSection = Annotated[
    OpencvDevice | AlienDevice | LlrpDevice | BarcodeDevice | DocumentReaderDevice,
    Field(discriminator="driver"),
]


def _driver_of(section: type[DeviceBase]) -> str:
    return get_args(section.model_fields["driver"].annotation)[0]


def _options_of(section: type[DeviceBase]) -> type[DriverOptions]:
    return section.model_fields["options"].annotation  # type: ignore[return-value]


OPTIONS_BY_DRIVER: dict[str, type[DriverOptions]] = {_driver_of(s): _options_of(s) for s in DEVICE_SECTIONS}
