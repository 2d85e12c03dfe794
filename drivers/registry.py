"""Build a driver from a lane configuration entry (name, kind, driver, port/url, options)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from garita.drivers.barcode_scanner import BarcodeScanner
from garita.drivers.camera import Camera
from garita.drivers.document_reader import DocumentReader
from garita.drivers.events import Device
from garita.drivers.rfid_alien import AlienReader
from garita.drivers.rfid_llrp import LlrpReader

Factory = Callable[[str, str, Mapping[str, Any]], Device]
# driver name -> (device kind it serves, whether it needs a port or a url, class)
DRIVERS: dict[str, tuple[str, str, Factory]] = {
    "alien": ("rfid", "port", AlienReader),
    "llrp": ("rfid", "port", LlrpReader),
    "serial-barcode": ("scanner", "port", BarcodeScanner),
    "mrz-serial": ("document-reader", "port", DocumentReader),
    "opencv": ("camera", "url", Camera),
}


def build_device(name: str, kind: str, driver: str, port: str | None, url: str | None,
                 options: Mapping[str, Any] | None) -> Device:
    """Instantiate the driver; any configuration mistake raises a one-line ValueError."""
    if driver not in DRIVERS:
        raise ValueError(
            f"device {name!r}: unknown driver {driver!r} (known: {', '.join(sorted(DRIVERS))})")
    want_kind, needs, factory = DRIVERS[driver]
    if kind != want_kind:
        raise ValueError(f"device {name!r}: driver {driver!r} serves kind {want_kind!r}, not {kind!r}")
    # Serial drivers also take socket:// URLs, and a camera may be a device path.
    target = (port or url) if needs == "port" else (url or port)
    if not target:
        raise ValueError(f"device {name!r}: driver {driver!r} needs a {needs}")
    if options is not None and not isinstance(options, Mapping):
        raise ValueError(f"device {name!r}: options must be a table, got {type(options).__name__}")
    return factory(name, target, options or {})
