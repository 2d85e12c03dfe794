"""What the parts beside the core plug into the lane: event listeners, read taps, plugins, services.

The composition root (:mod:`garita.station.wiring`) builds one :class:`LaneHooks`, hands it to the
daemon at construction and registers each part's listener or plugin here, so no part sets
attributes on the daemon. The booth registers its own listener, badge tap and ticks here when it
has started (a booth that could not bind its port must not swallow badge reads).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Protocol

from garita.drivers.events import DeviceRead
from garita.station.ops.event_log import log_event

log = logging.getLogger("garita.lane")

Listener = Callable[[str, dict[str, object]], None]  # (event, detail): the booth hub, the risk engine, metrics
ReadTap = Callable[[DeviceRead], bool]  # True: the tap took the read out of the crossing flow (badge sign-in)
StatusFields = Callable[[], dict[str, object]]  # more fields for the lane's status file (readiness, metrics url)


class Plugin(Protocol):
    """Runs beside the core each tick (uplink, webhook, readiness, scripted officer); closed at stop."""

    async def tick(self) -> None: ...

    async def aclose(self) -> None: ...


class Service(Protocol):
    """Started on the lane's event loop once it runs, stopped first at stop (the booth's web server)."""

    async def start(self) -> bool: ...

    async def stop(self) -> None: ...


class LaneHooks:
    """The lane's extension points, filled by the wiring before the daemon runs."""

    def __init__(self) -> None:
        self.listeners: list[Listener] = []
        self.read_taps: list[ReadTap] = []
        self.plugins: list[Plugin] = []
        self.services: list[Service] = []
        self.status_fields: list[StatusFields] = []

    def subscribe(self, listener: Listener) -> None:
        self.listeners.append(listener)

    def add_read_tap(self, tap: ReadTap) -> None:
        self.read_taps.append(tap)

    def add_plugin(self, plugin: Plugin) -> None:
        self.plugins.append(plugin)

    def add_service(self, service: Service) -> None:
        self.services.append(service)

    def add_status_fields(self, fields: StatusFields) -> None:
        self.status_fields.append(fields)

    def tell(self, event: str, detail: dict[str, object]) -> None:
        """Every listener hears the event; a failing one is logged, never stops the lane."""
        for listener in list(self.listeners):
            try:
                listener(event, detail)
            except Exception as exc:  # a display problem must not stop the lane
                log_event(log, "listener.failed", logging.WARNING, error=repr(exc))

    def tapped(self, read: DeviceRead) -> bool:
        """True when a tap (the booth's badge reader) took this read out of the crossing flow."""
        for tap in list(self.read_taps):
            try:
                if tap(read):
                    return True
            except Exception as exc:
                log_event(log, "read_tap.failed", logging.WARNING, device=read.device, error=repr(exc))
        return False

    async def tick_plugins(self) -> None:
        for plugin in list(self.plugins):
            try:
                await plugin.tick()
            except Exception as exc:
                log_event(log, "plugin.failed", logging.ERROR, plugin=type(plugin).__name__, error=repr(exc))

    async def close_plugins(self, timeout: float) -> None:
        """Let plugins that hold connections say goodbye (the uplink publishes its `stopped` presence)."""
        for plugin in list(self.plugins):
            try:
                await asyncio.wait_for(plugin.aclose(), timeout)
            except Exception as exc:  # a broker that does not answer must not hold the stop
                log_event(log, "plugin.close_failed", logging.WARNING, plugin=type(plugin).__name__, error=repr(exc))

    def status(self) -> dict[str, object]:
        """The fields the registered parts add to the lane's status."""
        fields: dict[str, object] = {}
        for provider in self.status_fields:
            fields.update(provider())
        return fields
