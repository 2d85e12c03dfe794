"""The core takes device reads in the order the devices emitted them, across devices, and a flood stays bounded.

Segmentation places each read by what came before it: a passport scanned after the next car's plate was read
belongs to the next car. When the core lags (a busy CPU), several devices' reads wait at once; taking one of
each per round put that passport before the plate that opened the next car's crossing (the booth showed
the next car's passport on the first car).
"""

from __future__ import annotations

from garita.drivers.events import DeviceHealth, DeviceRead
from garita.station.core.device_threads import QUEUE_LIMIT, DeviceSet


class Quiet:
    def __init__(self, name: str):
        self.name = name
        self.health = DeviceHealth()

    def run(self, emit, stop) -> None:  # never started here: the test puts reads itself
        stop.wait()


def test_reads_waiting_on_several_devices_come_out_in_arrival_order():
    devices = DeviceSet([Quiet("plate-cam"), Quiet("rfid-1"), Quiet("docs-1")], wake=lambda: None)
    cam, _rfid, docs = devices.queues
    script = [(cam, "8XYZ120"), (cam, "8XYZ190"), (docs, "L898902C3"), (cam, "ABC1230"), (docs, "G12345678"),
              (cam, "AX37760")]
    for queue, value in script:
        queue.put(DeviceRead(queue.device.name, "plate" if queue is cam else "document", value))
    taken = []
    while batch := devices.take_round():
        taken += [read.value for read in batch]
    assert taken == [value for _, value in script]


def test_a_flooding_device_loses_only_its_own_excess_and_the_others_keep_their_place():
    devices = DeviceSet([Quiet("noisy"), Quiet("docs-1")], wake=lambda: None)
    noisy, docs = devices.queues
    docs.put(DeviceRead("docs-1", "document", "FIRST"))
    for n in range(QUEUE_LIMIT * 3):
        noisy.put(DeviceRead("noisy", "barcode", f"N{n}"))
    docs.put(DeviceRead("docs-1", "document", "LAST"))
    taken = [read.value for batch in iter(devices.take_round, []) for read in batch]
    assert taken[0] == "FIRST" and taken[-1] == "LAST"
    assert len(taken) == QUEUE_LIMIT + 2  # the flood's excess was dropped and counted, nothing else
    assert noisy.device.health.snapshot()["reads_dropped"] == QUEUE_LIMIT * 2
