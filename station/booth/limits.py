"""The booth's web server is bounded: connections, header and body time, body size, Host names.

Two layers: ``BoundedH11`` (the connection: a cap on open connections, and a deadline for a
request's headers, so half-open sockets cannot pile up) and ``RequestLimits`` (each request:
a Host header this booth answers to, a body limit per route, a deadline for the body).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from garita.station.ops.event_log import log_event

log = logging.getLogger("garita.booth")

MAX_CONNECTIONS = 256  # far under the unit's LimitNOFILE: the lane's cameras and database keep their fds
HEADER_TIMEOUT_S = 10.0  # from connect (or the previous response) to a request's complete headers
BODY_TIMEOUT_S = 10.0
IDLE_TIMEOUT_S = 5.0  # keep-alive between requests (uvicorn's timeout_keep_alive)
MAX_HEADER_BYTES = 16 * 1024
BODY_LIMITS = {"/api/signin/": 4 * 1024, "/api/lock": 1024, "/api/activity": 1024, "/api/signout": 1024,
               "/api/language": 1024}
DEFAULT_BODY_LIMIT = 64 * 1024  # a decision with notes is a few KB
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


class BoundedH11(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a connection cap and a request-header deadline."""

    refused = 0  # connections closed because the cap was reached (all instances)
    timed_out = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._opened, self._served = self.loop.time(), 0
        self._arm_header_deadline()
        if len(self.connections) > MAX_CONNECTIONS:
            self._make_room()

    def _make_room(self) -> None:
        """At the cap, the oldest connection that is not in a request goes (a half-open socket first,
        then an idle keep-alive one), so a real request still gets in; with none idle, this new one is refused."""
        idle = [c for c in self.connections if isinstance(c, BoundedH11) and c is not self and c._idle()]
        # Sockets that never completed a request go before a page's keep-alive connection.
        victim = min(idle, key=lambda c: (c._served > 0, c._opened)) if idle else self
        BoundedH11.refused += 1
        if BoundedH11.refused in (1, 10, 100) or BoundedH11.refused % 1000 == 0:  # a count, not a flood
            log_event(log, "booth.connections_capped", logging.WARNING, cap=MAX_CONNECTIONS,
                      closed=BoundedH11.refused)
        victim.transport.abort()
        self.connections.discard(victim)  # now: connection_lost comes a loop turn later, after more accepts

    def _idle(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm_header_deadline(self) -> None:
        self._header_deadline = self.loop.call_later(HEADER_TIMEOUT_S, self._header_timeout)

    def _header_timeout(self) -> None:
        if self._idle():  # still no request headers
            BoundedH11.timed_out += 1
            self.transport.abort()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.cycle is not None and not self.cycle.response_complete:
            self._header_deadline.cancel()  # this request's headers are in

    def on_response_complete(self) -> None:
        self._served += 1
        super().on_response_complete()
        if not self.transport.is_closing():
            self._header_deadline.cancel()
            self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        deadline = getattr(self, "_header_deadline", None)
        if deadline is not None:
            deadline.cancel()
        super().connection_lost(exc)


def body_limit(path: str) -> int:
    return next((limit for prefix, limit in BODY_LIMITS.items() if path.startswith(prefix)), DEFAULT_BODY_LIMIT)


def host_name(value: str) -> str:
    """The name part of a Host header: lower case, without the port (IPv6 keeps its brackets' inside)."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class RequestLimits:
    """Refuse a foreign Host (DNS rebinding), an oversized body (413) and a stalled body (408)."""

    def __init__(self, app: ASGIApp, names: Iterable[str]):
        self.app = app
        self.names = {name.lower() for name in (*names, *LOOPBACK_NAMES)}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if host_name(headers.get(b"host", b"").decode("latin-1")) not in self.names:
            await _refuse(send, 421, "bad_host")
            return
        limit = body_limit(scope["path"])
        declared = headers.get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > limit:
            await _refuse(send, 413, "body_too_large")
            return
        await self._bounded(scope, receive, send, limit)

    async def _bounded(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        state = {"read": 0, "more": scope["method"] not in ("GET", "HEAD")}

        async def limited_receive() -> Message:
            if not state["more"]:
                return await receive()  # an event stream waits here for the disconnect, unbounded in time
            try:
                message = await asyncio.wait_for(receive(), BODY_TIMEOUT_S)
            except TimeoutError:
                raise HTTPException(408, "body_timeout") from None
            state["read"] += len(message.get("body", b""))
            state["more"] = message.get("more_body", False)
            if state["read"] > limit:  # a chunked body declares no length: count what arrives
                raise HTTPException(413, "body_too_large")
            return message

        # Raised inside a handler reading its body, the HTTPException becomes the booth's JSON error.
        await self.app(scope, limited_receive, send)


async def _refuse(send: Send, status: int, code: str) -> None:
    body = json.dumps({"error": code}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
