"""Scripted vehicles at a lane, their reads interleaved in time, played into a real Lifecycle.

The script is the truth: each read carries the id of the vehicle it came from, so after the play
every crossing can be checked to hold one vehicle, and every vehicle one crossing.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from garita.station.core.lifecycle import IllegalTransition, Lifecycle, ReadIn
from garita.station.storage.lane_store import LaneStore

MODES = ("loop", "camera", "rfid")
START = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Vehicle:
    id: str
    plate: str
    tags: tuple[str, ...]
    documents: tuple[str, ...]
    scans: tuple[str, ...]
    dwell_s: float
    gap_s: float  # empty lane after it leaves, before the next one arrives
    ocr_delay_s: float  # the plate read from its image can land long after it left


@dataclass(order=True)
class Event:
    at: float
    seq: int
    kind: str = field(compare=False)  # read | plate | arrived | left | decide
    vehicle: str = field(compare=False, default="")
    read_kind: str = field(compare=False, default="")
    value: str = field(compare=False, default="")


@dataclass
class Result:
    vehicles: int
    crossings: int
    reads: int
    reads_stored: int
    misattached: int
    split_vehicles: int
    ambiguous: int
    rules: Counter


PLATE = st.text("ABCDEFGHJKLMNPRSTUVWXYZ0123456789", min_size=5, max_size=7)
EPC = st.text("0123456789ABCDEF", min_size=24, max_size=24)


@st.composite
def vehicles(draw, max_vehicles: int = 6) -> list[Vehicle]:
    count = draw(st.integers(1, max_vehicles))
    plates = draw(st.lists(PLATE, min_size=count, max_size=count, unique=True))
    tags = draw(st.lists(EPC, min_size=2 * count, max_size=2 * count, unique=True))
    out = []
    for i in range(count):
        out.append(Vehicle(
            f"v{i}", plates[i], tuple(tags[2 * i:2 * i + draw(st.integers(1, 2))]),
            tuple(f"DOC{i}-{j}" for j in range(draw(st.integers(0, 3)))),
            tuple(f"SCN{i}-{j}" for j in range(draw(st.integers(0, 1)))),
            draw(st.floats(2.0, 20.0)), draw(st.floats(1.0, 6.0)), draw(st.floats(0.05, 30.0))))
    return out


def schedule(script: list[Vehicle], mode: str, offsets: st.DrawFn, decisions: list[float]) -> list[Event]:
    """Every event of the script in time order; ``offsets`` draws where in its dwell each read lands."""
    events: list[Event] = []
    arrive = 0.0
    for v in script:
        first = 0.3  # the presence trigger (loop, motion, first tag) comes before the booth's reads
        if mode == "loop":
            events.append(Event(arrive, 0, "arrived", v.id))
        tag_window = (0.0, 0.25) if mode == "rfid" else (first, v.dwell_s)
        for tag in v.tags:
            events.append(Event(arrive + offsets(st.floats(*tag_window)), 0, "read", v.id, "rfid", tag))
        image_at = arrive + 0.1 if mode == "camera" else arrive + offsets(st.floats(first, v.dwell_s))
        events.append(Event(image_at, 0, "read", v.id, "image", f"img-{v.id}"))
        events.append(Event(image_at + v.ocr_delay_s, 0, "plate", v.id, "plate", v.plate))
        for value, kind in [(d, "document") for d in v.documents] + [(s, "barcode") for s in v.scans]:
            # delivered up to 0.4 s late (a slow serial line): possibly after the vehicle left
            events.append(Event(arrive + offsets(st.floats(first, v.dwell_s)) + offsets(st.floats(0, 0.4)), 0,
                                "read", v.id, kind, value))
        leave = arrive + v.dwell_s
        if mode == "loop":
            events.append(Event(leave, 0, "left", v.id))
        elif mode == "camera":
            events.append(Event(leave + 0.3, 0, "left", v.id))  # the scene settles empty
        else:
            events += [Event(leave + 0.5, 0, "left", v.id, value=tag) for tag in v.tags]  # forget_after_s 0.5
        arrive = leave + v.gap_s
    events += [Event(at * arrive, 0, "decide") for at in decisions]
    for seq, event in enumerate(events):
        event.seq = seq
    return sorted(events)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def play(store: LaneStore, events: list[Event], mode: str, vehicle_count: int, presence: bool = True) -> Result:
    """Apply the events to a Lifecycle and compare what it made with the script."""
    clock = Clock()
    lifecycle = Lifecycle(store, "lane-1", idle_timeout_s=3600, clock=clock, presence=presence,
                          late_read_s=5.0)
    image_of: dict[str, tuple[str, int]] = {}
    pending = Counter(e.vehicle for e in events if e.kind == "read")  # the officer waits for these
    sent = 0
    for event in events:
        clock.now = START + timedelta(seconds=event.at)
        sent += _apply(lifecycle, store, event, mode, image_of, pending)
    return _judge(store, vehicle_count, sent)


def _apply(lifecycle: Lifecycle, store: LaneStore, event: Event, mode: str,
           image_of: dict[str, tuple[str, int]], pending: dict[str, int]) -> int:
    source = {"loop": "loop-1", "camera": "plate-cam", "rfid": "rfid-1"}[mode]
    if event.kind == "arrived":
        lifecycle.open_on_presence(source)
    elif event.kind == "left":
        lifecycle.vehicle_left(source, event.value or None)
    elif event.kind == "decide":
        _decide_head(lifecycle, store, pending)
    elif event.kind == "plate":
        crossing_id, image_read = image_of[event.vehicle]
        lifecycle.record_read(_read(event, {"image_read_id": image_read}), into=crossing_id)
        return 1
    else:
        recorded = lifecycle.record_read(_read(event, {}))
        pending[event.vehicle] -= 1
        if event.read_kind == "image":
            image_of[event.vehicle] = (recorded.crossing_id, recorded.read_id)
        return 1
    return 0


def _read(event: Event, extra: dict) -> ReadIn:
    return ReadIn("dev", event.read_kind, event.value, {"truth": event.vehicle, **extra}, START)


def _decide_head(lifecycle: Lifecycle, store: LaneStore, pending: dict[str, int]) -> None:
    """The officer decides the vehicle at the head of the queue once its reads are in (not the late OCR)."""
    waiting = store.query("SELECT id FROM crossings WHERE state != 'closed' ORDER BY opened_at LIMIT 1")
    owners = {r["data"]["truth"] for r in store.reads_of(waiting[0]["id"])} if waiting else set()
    if waiting and owners and not any(pending.get(owner) for owner in owners):
        with contextlib.suppress(IllegalTransition):
            lifecycle.decide(waiting[0]["id"], "release", "off-1", "routine", recommendation=None)


def _judge(store: LaneStore, vehicle_count: int, sent: int) -> Result:
    reads = store.query("SELECT crossing_id, data, rule, ambiguous FROM reads")

    by_crossing: dict[str, set[str]] = {}
    by_vehicle: dict[str, set[str]] = {}
    for read in reads:
        truth = json.loads(read["data"])["truth"]
        by_crossing.setdefault(read["crossing_id"], set()).add(truth)
        by_vehicle.setdefault(truth, set()).add(read["crossing_id"])
    misattached = 0
    for crossing_id, owners in by_crossing.items():
        majority = Counter(json.loads(r["data"])["truth"] for r in reads if r["crossing_id"] == crossing_id)
        misattached += sum(majority.values()) - majority.most_common(1)[0][1] if len(owners) > 1 else 0
    crossings = store.query("SELECT COUNT(*) AS n FROM crossings")[0]["n"]
    return Result(vehicle_count, crossings, sent, len(reads), misattached,
                  sum(1 for c in by_vehicle.values() if len(c) > 1), sum(r["ambiguous"] for r in reads),
                  Counter(r["rule"] for r in reads))
