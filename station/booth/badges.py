"""Badge sign-in: reads from the booth's badge reader are taken out of the crossing flow and
handed to the sign-in page that is waiting for a tap."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from drivers.events import DeviceRead
from station.booth.officers import normalise_epc


class BadgeGate:
    """Pages waiting for a badge tap; the newest waiter gets the next tap (one booth, one kiosk)."""

    def __init__(self, reader: str | None, on_tap: Callable[[str, str], None] | None = None):
        self.reader = reader
        self.on_tap = on_tap
        self._waiters: list[asyncio.Future[str]] = []

    def tap(self, read: DeviceRead) -> bool:
        """The daemon's read tap: True means "this read was a badge, do not open a crossing"."""
        if self.reader is None or read.device != self.reader:
            return False
        if read.kind != "rfid" or not read.value:
            return True  # the badge reader only ever signs in; anything else from it is dropped
        epc = normalise_epc(read.value)
        if self.on_tap is not None:
            self.on_tap(read.device, epc)
        while self._waiters:
            waiter = self._waiters.pop()
            if not waiter.done():
                waiter.set_result(epc)
                break
        return True

    async def wait(self, timeout_s: float) -> str | None:
        """The next badge EPC, or None after ``timeout_s`` (the page asks again)."""
        waiter: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(waiter, timeout_s)
        except TimeoutError:
            return None
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)
