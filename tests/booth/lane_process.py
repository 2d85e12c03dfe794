"""A lane daemon for the booth tests, run as its own process (signals, restart, a real socket).

Devices are feeds: the test sends JSON lines to ``--feed-port`` and each line becomes a read
from the named device, as a driver would emit it. A tiny test assessor stands in for the risk
engine: a read whose value starts with ``WATCH`` is a watchlist hit (detain), one starting with
``REC-`` gets a plain "release" recommendation, ``SEC-`` a "secondary" one, ``EXP-`` a release waiting
for a document. A line of kind ``health`` with value ``down``/``up`` unplugs or reconnects the device.

    python -m tests.booth.lane_process DATA_DIR BOOTH_PORT FEED_PORT [SCANNER_PTY] [--watchlist] [--joint=SECONDS]

With SCANNER_PTY a real barcode scanner driver reads that pseudo-terminal too (the soak test
floods it with line noise).
"""

from __future__ import annotations

import asyncio
import base64
import json
import socketserver
import sys
import threading
from pathlib import Path

from garita.drivers.events import DeviceHealth, DeviceRead
from garita.station.config.lane_config import JointSection, LaneConfig
from garita.station.ops.event_log import setup_logging
from garita.station.storage.database import open_database
from garita.station.storage.lane_store import LaneStore
from garita.station.wiring import wire_lane

DEVICES = {"plate-cam": "camera", "rfid-1": "rfid", "docs-1": "document-reader", "badge-1": "rfid"}
EMITTERS: dict[str, object] = {}
FEEDS: dict[str, object] = {}  # name -> FeedDevice


class FeedDevice:
    """A device whose reads come from the test over the feed socket."""

    def __init__(self, name: str):
        self.name = name
        self.health = DeviceHealth()
        FEEDS[name] = self

    def run(self, emit, stop: threading.Event) -> None:
        EMITTERS[self.name] = emit
        self.health.mark_connected()
        stop.wait()


class FeedHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        for line in self.rfile:
            item = json.loads(line)
            if item["kind"] == "health":  # the device unplugged ("down") or back ("up"), as its health says
                health = FEEDS[item["device"]].health
                if item["value"] == "up":
                    health.mark_connected()
                else:
                    health.mark_disconnected("unplugged by the test")
                self.wfile.write(b"ok\n")
                continue
            image = base64.b64decode(item["image"]) if item.get("image") else None
            read = DeviceRead(item["device"], item["kind"], item.get("value", ""), item.get("data", {}), image=image)
            EMITTERS[item["device"]](read)
            self.wfile.write(b"ok\n")


def test_assessor(store: LaneStore):
    """The test's stand-in for the risk engine's view (the booth's ``assessment`` service)."""

    def assess(crossing_id: str) -> dict | None:
        values = [r["value"] for r in store.reads_of(crossing_id)]
        hits = [{"list": "test-list", "action": "detain", "matched": v,
                 "reason": {"en": "Stolen vehicle report", "es": "Reporte de vehículo robado"}}
                for v in values if v.startswith("WATCH")]
        if hits:
            return {"recommendation": "detain", "hits": hits,
                    "reasons": [{"en": "Watchlist hit", "es": "Coincidencia en lista"}]}
        if any(v.startswith("SEC-") for v in values):
            return {"recommendation": "secondary", "reasons": [{"en": "Random inspection", "es": "Revisión aleatoria"}]}
        if any(v.startswith("EXP-") for v in values):  # a car expecting a travel document
            documented = any(r["kind"] == "document" for r in store.reads_of(crossing_id))
            return {"recommendation": "release", "reasons": [], "waiting_for": [] if documented else ["document"]}
        if any(v.startswith("REC-") for v in values):
            return {"recommendation": "release", "reasons": [{"en": "Trusted traveller", "es": "Viajero confiable"}],
                    "declaration": {"id": "PED-1", "kind": "pedimento", "discrepancies": [
                        {"field": "weight", "declared": "1000", "observed": "1400",
                         "text": {"en": "Weight differs", "es": "El peso difiere"}}]}}
        return None

    return assess


def config(data_dir: Path, booth_port: int) -> LaneConfig:
    # The devices are FeedDevices (above); their tables name the driver a real lane would use for the kind.
    drivers = {"camera": "opencv", "rfid": "alien", "document-reader": "mrz-serial"}
    devices = [{"name": name, "kind": kind, "driver": drivers[kind], "port": "feed", "url": "feed"}
               for name, kind in DEVICES.items()]
    return LaneConfig.model_validate({
        "lane": {"id": "lane-t", "port_code": "2504", "port_name": "Test port", "direction": "northbound"},
        "storage": {"data_dir": str(data_dir)},
        "lifecycle": {"idle_timeout_s": 600, "tick_s": 0.2},
        "risk": {"expected": {"car": [], "truck": []}},  # the test assessor above says what is expected
        "devices": devices,
        "booth": {"enabled": True, "port": booth_port, "badge_reader": "badge-1", "lock_after_s": 300},
    })


def with_watchlist(lane_config: LaneConfig, data_dir: Path) -> LaneConfig:
    """``--watchlist``: the real risk engine on the test central's signed list (tests/station/watchlist_feeds.py)."""
    from garita.station.config.lane_config import TrustSection
    from garita.station.watchlist.importer import import_file
    from tests.station.watchlist_feeds import KEYS, LISTED, snapshot, trust_key

    import_file(data_dir, snapshot(data_dir / "wl.feed", 1, LISTED), KEYS)
    return lane_config.model_copy(update={"trust": TrustSection.model_validate({"keys": [trust_key()]})})


def main() -> int:
    data_dir, booth_port, feed_port = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    real_watchlist = "--watchlist" in sys.argv[4:]
    setup_logging("kv", "info")
    store = LaneStore(open_database(data_dir))
    options = sys.argv[4:]  # --watchlist, and a serial port for a real barcode scanner (the soak's)
    lane_config = config(data_dir, booth_port)
    if real_watchlist:
        lane_config = with_watchlist(lane_config, data_dir)
    joint = [option for option in options if option.startswith("--joint=")]
    if joint:  # --joint=SECONDS: a joint lane, proposals lapse after SECONDS
        lane_config = lane_config.model_copy(update={"joint": JointSection(
            enabled=True, countersign_within_s=float(joint[0].split("=", 1)[1]))})
    devices: list = [FeedDevice(name) for name in DEVICES]
    ports = [option for option in options if not option.startswith("--")]
    if ports:
        from garita.drivers.barcode_scanner import BarcodeScanner

        devices.append(BarcodeScanner("scan-1", ports[0]))
    lane = wire_lane(lane_config, data_dir, store, devices,
                     assessment=None if real_watchlist else test_assessor(store)).daemon
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    feed = socketserver.ThreadingTCPServer(("127.0.0.1", feed_port), FeedHandler)
    threading.Thread(target=feed.serve_forever, daemon=True).start()
    try:
        return asyncio.run(lane.run())
    finally:
        feed.shutdown()


if __name__ == "__main__":
    sys.exit(main())
