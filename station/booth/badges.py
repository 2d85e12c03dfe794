"""Badge sign-in: reads from the booth's badge reader are taken out of the crossing flow and
handed to the sign-in page that is waiting for a tap (or that asks within a few seconds: the page's long
poll has gaps between its requests, and a tap in such a gap must not be lost)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from garita.drivers.events import DeviceRead
from garita.station.booth.officer_accounts import normalise_epc

HOLD_S = 5.0  # a tap nobody was waiting for is handed to the next page that asks within this long


class BadgeGate:
    """Pages waiting for a badge tap; the newest waiter gets the next tap (one booth, one kiosk)."""

    def __init__(self, reader: str | None, on_tap: Callable[[str, str], None] | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.reader = reader
        self.on_tap = on_tap
        self.clock = clock
        self._waiters: list[asyncio.Future[str]] = []
        self._unclaimed: tuple[str, float] | None = None  # (epc, when) of a tap no page was waiting for

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
                return True
        self._unclaimed = (epc, self.clock())
        return True

    def _take_unclaimed(self) -> str | None:
        unclaimed, self._unclaimed = self._unclaimed, None
        if unclaimed is None or self.clock() - unclaimed[1] > HOLD_S:
            return None
        return unclaimed[0]

    async def wait(self, timeout_s: float) -> str | None:
        """The next badge EPC (or one tapped in the last ``HOLD_S``), or None after ``timeout_s``."""
        held = self._take_unclaimed()
        if held is not None:
            return held
        waiter: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(waiter, timeout_s)
        except TimeoutError:
            return None
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)
