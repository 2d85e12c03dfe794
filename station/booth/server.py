"""Serve the booth screen from the daemon's own event loop (uvicorn as one more task)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator

import uvicorn

from garita.station.booth.app import build_app
from garita.station.booth.badges import BadgeGate
from garita.station.booth.context import BoothContext
from garita.station.booth.csrf import load_secret
from garita.station.booth.event_stream import EventHub
from garita.station.booth.failed_signins import FailedSignins
from garita.station.booth.i18n import check_catalogs
from garita.station.booth.limits import IDLE_TIMEOUT_S, MAX_HEADER_BYTES, BoundedH11
from garita.station.booth.services import BoothServices
from garita.station.booth.sessions import SessionStore
from garita.station.ops.event_log import log_event

log = logging.getLogger("garita.booth")


class _LaneServer(uvicorn.Server):
    """uvicorn without its signal handlers: the daemon owns SIGTERM/SIGINT and stops us itself."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once after a stop
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def build_context(services: BoothServices) -> BoothContext:
    config = services.config
    hub = EventHub(services)
    badges = BadgeGate(config.badge_reader, on_tap=lambda device, epc: hub.badge_tapped(device, True))
    sessions = SessionStore(services.store, config.lock_after_s, config.session_max_s)
    return BoothContext(services, services.store, config, sessions, hub, badges, load_secret(services.data_dir),
                        FailedSignins(services.store))


class _BoothTicks:
    """Lane plugin: writes a finished burst of failed sign-ins to the audit, and the last one at stop."""

    def __init__(self, failures: FailedSignins):
        self.failures = failures

    async def tick(self) -> None:
        self.failures.tick()

    async def aclose(self) -> None:
        self.failures.flush()


class BoothServer:
    """A lane service (started on the daemon's loop when ``[booth] enabled``); one that cannot start never
    stops the lane."""

    def __init__(self, services: BoothServices):
        self.services = services
        self.context: BoothContext | None = None
        self._server: _LaneServer | None = None
        self._task: asyncio.Task | None = None

    async def start(self) -> bool:
        config = self.services.config
        try:
            check_catalogs()
            sock = _bind(config.host, config.port)
        except Exception as exc:
            log_event(log, "booth.failed", logging.ERROR, host=config.host, port=config.port, error=repr(exc))
            return False
        self.context = build_context(self.services)
        app = build_app(self.context)
        uv_config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off",
                                   timeout_graceful_shutdown=1, log_level="warning", http=BoundedH11,
                                   timeout_keep_alive=int(IDLE_TIMEOUT_S),
                                   h11_max_incomplete_event_size=MAX_HEADER_BYTES)
        self._server = _LaneServer(uv_config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="booth")
        hooks = self.services.hooks  # only a booth that is serving takes badge reads and hears events
        hooks.subscribe(self.context.hub.listener)
        hooks.add_read_tap(self.context.badges.tap)
        hooks.add_plugin(_BoothTicks(self.context.failures))
        log_event(log, "booth.ready", url=f"http://{config.host}:{sock.getsockname()[1]}/")
        return True

    async def stop(self) -> None:
        """End the event streams first (or uvicorn waits on them), then the server."""
        if self._server is None or self._task is None:
            return
        self.context.hub.close()
        self._server.should_exit = True
        try:
            await asyncio.wait_for(self._task, 5)
        except (TimeoutError, Exception) as exc:
            log_event(log, "booth.stop_failed", logging.WARNING, error=repr(exc))
