"""Every driver: the device kind it serves, its address, its options model; build one from them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from garita.drivers.alien_options import AlienOptions
from garita.drivers.barcode_options import BarcodeOptions
from garita.drivers.barcode_scanner import BarcodeScanner
from garita.drivers.camera import Camera
from garita.drivers.camera_options import CameraOptions
from garita.drivers.document_options import DocumentReaderOptions
from garita.drivers.document_reader import DocumentReader
from garita.drivers.driver_options import DriverOptions, OptionsInput
from garita.drivers.events import Device
from garita.drivers.llrp_options import LlrpOptions
from garita.drivers.rfid_alien import AlienReader
from garita.drivers.rfid_llrp import LlrpReader


@dataclass(frozen=True)
class DriverSpec:
    """One driver: what it serves, whether it opens a port or a url, its options, its class."""

    kind: str
    address: Literal["port", "url"]
    options: type[DriverOptions]
    factory: Callable[[str, str, OptionsInput], Device]


DRIVERS: dict[str, DriverSpec] = {
    "alien": DriverSpec("rfid", "port", AlienOptions, AlienReader),
    "llrp": DriverSpec("rfid", "port", LlrpOptions, LlrpReader),
    "serial-barcode": DriverSpec("scanner", "port", BarcodeOptions, BarcodeScanner),
    "mrz-serial": DriverSpec("document-reader", "port", DocumentReaderOptions, DocumentReader),
    "opencv": DriverSpec("camera", "url", CameraOptions, Camera),
}


def build_device(name: str, kind: str, driver: str, port: str | None, url: str | None,
                 options: OptionsInput) -> Device:
    """Instantiate the driver from its typed options (or a table checked against them).

    Any configuration mistake raises a one-line ValueError naming the device.
    """
    spec = DRIVERS.get(driver)
    if spec is None:
        raise ValueError(
            f"device {name!r}: unknown driver {driver!r} (known: {', '.join(sorted(DRIVERS))})")
    if kind != spec.kind:
        raise ValueError(f"device {name!r}: driver {driver!r} serves kind {spec.kind!r}, not {kind!r}")
    # Serial drivers also take socket:// URLs, and a camera may be a device path.
    target = (port or url) if spec.address == "port" else (url or port)
    if not target:
        raise ValueError(f"device {name!r}: driver {driver!r} needs a {spec.address}")
    return spec.factory(name, target, spec.options.parse(name, options))
