"""Device health changes become log events."""

from __future__ import annotations

from garita.drivers.events import DeviceHealth
from garita.station.ops.health_watch import HealthWatch


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


def test_a_new_reason_while_down_is_reported():
    health = DeviceHealth()
    watch = HealthWatch()
    health.mark_disconnected("cannot open port tcp://r:5084")
    watch.check({"rfid-1": health.snapshot()})
    health.mark_configuring()
    health.mark_disconnected("reader refused ADD_ROSPEC: status 101")
    assert watch.check({"rfid-1": health.snapshot()}) == ["device.still_down"]
    health.mark_configuring()
    health.mark_disconnected("reader refused ADD_ROSPEC: status 101")
    assert watch.check({"rfid-1": health.snapshot()}) == []  # the same reason again: said once
