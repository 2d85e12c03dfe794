"""Device health changes become log events."""

from __future__ import annotations

from drivers.events import DeviceHealth
from station.health_watch import HealthWatch


def test_changes_are_reported_once():
    health = DeviceHealth()
    watch = HealthWatch()
    assert watch.check({"rfid-1": health.snapshot()}) == []
    health.mark_connected()
    assert watch.check({"rfid-1": health.snapshot()}) == ["device.connected"]
    assert watch.check({"rfid-1": health.snapshot()}) == []
    health.frame_rejected(7, "bad BCC")
    health.mark_disconnected("port gone")
    assert watch.check({"rfid-1": health.snapshot()}) == ["device.disconnected", "device.input_rejected"]
    assert watch.check({"rfid-1": health.snapshot()}) == []
