"""The SSE hub: lane events in (as a daemon listener), one queue per open booth page out.

Each message carries the daemon's receipt time of the read (``received_ms``) so the page can
measure read-to-screen latency against its own clock (kiosk and daemon share a host).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from garita.station.booth.crossing_view import crossing_detail, current_crossing_id, epoch_ms, queue_view
from garita.station.booth.services import BoothServices

QUEUE_SIZE = 200
STREAMS_PER_SESSION = 4  # a booth page holds one; a few tabs or reloads are fine, hundreds are not
CROSSING_EVENTS = {"crossing.opened", "read.recorded", "decision.recorded", "crossing.flagged_idle", "read.moved",
                   "vehicle.arrived", "vehicle.left", "joint.proposed", "joint.disputed", "decisions.changed"}


@dataclass(eq=False)
class Subscriber:
    """One open event stream; ``technician`` streams also get raw decoded reads and badge taps."""

    token: str
    technician: bool
    opened: float = field(default_factory=time.monotonic)
    queue: asyncio.Queue[dict[str, Any] | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))


def _end(subscriber: Subscriber) -> None:
    """Tell a stream to finish (None is its end marker); a full queue loses its oldest message for it."""
    with contextlib.suppress(asyncio.QueueEmpty):
        if subscriber.queue.full():
            subscriber.queue.get_nowait()
    subscriber.queue.put_nowait(None)


def sse(event: str, data: dict[str, Any]) -> str:
    """One server-sent event, JSON data on one line."""
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'), default=str)}\n\n"


class EventHub:
    """Fans lane events out to every subscriber; a slow page loses its oldest messages, never blocks the lane."""

    def __init__(self, services: BoothServices, clock: Callable[[], float] = time.time):
        self.services = services
        self.clock = clock
        self.subscribers: set[Subscriber] = set()

    def subscribe(self, token: str, technician: bool) -> Subscriber:
        """A new stream for this session; past STREAMS_PER_SESSION its oldest stream is ended (a reload
        leaves one behind until the socket notices), so one session cannot hold the server's connections."""
        mine = sorted((s for s in self.subscribers if s.token == token), key=lambda s: s.opened)
        for old in mine[: max(len(mine) - STREAMS_PER_SESSION + 1, 0)]:
            self.subscribers.discard(old)
            _end(old)
        subscriber = Subscriber(token, technician)
        self.subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    def listener(self, event: str, detail: dict[str, Any]) -> None:
        """The daemon calls this (in its loop) after each committed change."""
        if event == "alert.after_decision":
            self.publish({"type": "alert", "sent_ms": self.clock() * 1000, **detail}, technician_only=False)
            return
        if event not in CROSSING_EVENTS:
            return
        now_ms = self.clock() * 1000
        read = self._read_row(detail.get("read_id"))
        received_ms = epoch_ms(read["received_at"]) if read else now_ms
        # The page always shows the head of the queue; a read of a vehicle behind it updates the queue.
        head = current_crossing_id(self.services.store)
        crossing = crossing_detail(self.services, head) if head else None
        self.publish({"type": "crossing", "event": event, "received_ms": received_ms, "sent_ms": now_ms,
                      "changed": detail["crossing_id"], "crossing": crossing,
                      "queue": queue_view(self.services.store)}, technician_only=False)
        if read is not None:
            self.publish({"type": "read", "received_ms": received_ms, "read": _tech_read(read)}, technician_only=True)

    def badge_tapped(self, device: str, known: bool) -> None:
        """Technicians see that the badge reader works, never the badge number."""
        self.publish({"type": "badge", "device": device, "known": known, "at_ms": self.clock() * 1000},
                     technician_only=True)

    def publish(self, message: dict[str, Any], technician_only: bool) -> None:
        for subscriber in list(self.subscribers):
            if technician_only and not subscriber.technician:
                continue
            if subscriber.queue.full():  # drop the oldest: the newest state is what matters
                subscriber.queue.get_nowait()
            subscriber.queue.put_nowait(message)

    def close(self) -> None:
        """End every stream (daemon stopping); pages reconnect to the next daemon."""
        for subscriber in list(self.subscribers):
            _end(subscriber)

    def _read_row(self, read_id: int | None) -> dict[str, Any] | None:
        if read_id is None:
            return None
        return self.services.store.read(read_id)


def is_alert(message: dict[str, Any]) -> bool:
    """A message a locked screen must still sound for: a hit after a decision, or a vehicle with a hit."""
    if message.get("type") == "alert":
        return True
    crossing = message.get("crossing") if message.get("type") == "crossing" else None
    return bool(crossing and (crossing.get("assessment") or {}).get("hits"))


def _tech_read(row: dict[str, Any]) -> dict[str, Any]:
    data = row["data"]
    return {"id": row["id"], "crossing_id": row["crossing_id"], "device": row["device"], "kind": row["kind"],
            "value": row["value"], "data": {k: v for k, v in data.items() if k != "lines"}}
