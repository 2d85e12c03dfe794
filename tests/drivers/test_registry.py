"""Driver factory and option validation."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from garita.drivers.barcode_scanner import BarcodeScanner
from garita.drivers.camera import Camera
from garita.drivers.document_reader import DocumentReader
from garita.drivers.registry import DRIVERS, build_device
from garita.drivers.rfid_alien import AlienReader
from garita.drivers.rfid_llrp import LlrpReader


def test_builds_each_driver() -> None:
    assert isinstance(build_device("r", "rfid", "alien", "/dev/x", None,
                                   {"poll_interval_s": 0.5}), AlienReader)
    assert isinstance(build_device("s", "scanner", "serial-barcode", "socket://h:1", None,
                                   {"suffix": "CRLF", "baudrate": 115200}), BarcodeScanner)
    doc = build_device("d", "document-reader", "mrz-serial", "/dev/y", None, {"bcc": "none"})
    assert isinstance(doc, DocumentReader) and doc.health.connected is False
    tcp = build_device("r2", "rfid", "alien", None, "tcp://10.0.0.5:23",
                       {"mode": "notify", "username": "alien", "password": "x"})
    assert isinstance(tcp, AlienReader) and tcp.port == "tcp://10.0.0.5:23"
    llrp = build_device("r3", "rfid", "llrp", "10.0.0.6", None, {"antennas": [1, 2], "keepalive_s": 2})
    assert isinstance(llrp, LlrpReader) and llrp.port == "tcp://10.0.0.6:5084"
    assert llrp.options.keepalive_s == 2.0 and llrp.options.inventory().antennas == (1, 2)
    assert build_device("r4", "rfid", "llrp", "tcp://reader.lane3:5085", None, {}).port == "tcp://reader.lane3:5085"
    cam = build_device("c", "camera", "opencv", None, "rtsp://cam/1", {"trigger": "interval"})
    assert isinstance(cam, Camera) and cam.name == "c"


@pytest.mark.parametrize(("args", "message"), [
    (("r", "rfid", "lrp", "/dev/x", None, {}), "unknown driver 'lrp'"),
    (("r", "rfid", "llrp", "/dev/x", None, {}), "expected tcp://host"),
    (("r", "rfid", "llrp", "h", None, {"sesion": 2}), "unknown option 'sesion'"),
    (("r", "rfid", "llrp", "h", None, {"session": 4}), "option 'session': input should be less than or equal to 3"),
    (("r", "rfid", "llrp", "h", None, {"session": "2"}), "option 'session'"),
    (("r", "rfid", "llrp", "h", None, {"antennas": [1, 1]}), "option 'antennas': must list distinct"),
    (("r", "rfid", "llrp", "h", None, {"keepalive_s": 20}),
     "option 'keepalive_timeout_s': must be longer than keepalive_s"),
    (("r", "rfid", "llrp", "h", None, {"forget_after_s": True}), "'forget_after_s'"),
    (("r", "rfid", "alien", "/dev/x", None, {"speed": 1}), "unknown option 'speed'"),
    (("r", "rfid", "alien", "/dev/x", None, {"poll_interval_s": "fast"}), "'poll_interval_s'"),
    (("r", "rfid", "alien", "/dev/x", None, {"poll_interval_s": -1}), "'poll_interval_s'"),
    (("r", "camera", "alien", "/dev/x", None, {}), "serves kind 'rfid'"),
    (("r", "rfid", "alien", None, "tcp://h:23", {"login": "maybe"}), "'login'"),
    (("r", "rfid", "alien", None, None, {}), "needs a port"),
    (("c", "camera", "opencv", None, "x", {"trigger": "sometimes"}), "'trigger'"),
    (("d", "document-reader", "mrz-serial", "/x", None, {"bcc": "crc"}), "'bcc'"),
    (("s", "scanner", "serial-barcode", "/x", None, {"baudrate": True}), "'baudrate'"),
])
def test_bad_configuration(args: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        build_device(*args)
    assert f"device {args[0]!r}" in str(info.value) and "\n" not in str(info.value)


@settings(max_examples=150, deadline=None)
@given(driver=st.sampled_from(sorted(DRIVERS)),
       key=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=30))
def test_a_table_with_any_unknown_option_is_refused_naming_it(driver: str, key: str) -> None:
    """Built by hand from a dict (tests, benchmarks), a driver checks its options like the lane config does."""
    spec = DRIVERS[driver]
    if key in spec.options.model_fields:
        return
    with pytest.raises(ValueError) as info:
        build_device("dev", spec.kind, driver, "tcp://127.0.0.1:1", "tcp://127.0.0.1:1", {key: 1})
    assert str(info.value).startswith(f"device 'dev': unknown option {key!r} (known: ")


def test_options_of_another_driver_are_refused() -> None:
    from garita.drivers.camera_options import CameraOptions

    with pytest.raises(ValueError, match="options of another driver"):
        build_device("r", "rfid", "alien", "/dev/x", None, CameraOptions())
