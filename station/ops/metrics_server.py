"""The metrics port: `/metrics` (Prometheus text), `/healthz` (live) and `/readyz` (ready), on loopback.

A plain WSGI server on its own thread, one request at a time with a socket timeout: a scrape
never runs on the lane's event loop, and a client that hangs cannot hold more than one thread
and one socket.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app

Check = Callable[[], tuple[bool, dict[str, Any]]]
REQUEST_TIMEOUT_S = 5.0


class _QuietHandler(WSGIRequestHandler):
    timeout = REQUEST_TIMEOUT_S  # a client that sends nothing is dropped, not waited for

    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes every 15 s would drown the lane's log."""


def make_app(registry: CollectorRegistry, live: Check, ready: Check) -> Callable:
    """WSGI app: the health paths answer JSON with 200 or 503; every other path is a 404 but /metrics."""
    metrics = make_wsgi_app(registry)

    def app(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            return metrics(environ, start_response)
        check = {"/healthz": live, "/readyz": ready}.get(path)
        if check is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found: try /metrics, /healthz or /readyz\n"]
        ok, body = check()
        start_response("200 OK" if ok else "503 Service Unavailable",
                       [("Content-Type", "application/json"), ("Cache-Control", "no-store")])
        return [json.dumps(body, default=str).encode() + b"\n"]

    return app


class MetricsServer:
    """Binds at start (an error names the address), serves on a daemon thread, stops on ``close``."""

    def __init__(self, host: str, port: int, app: Callable):
        self._server: WSGIServer = make_server(host, port, app, handler_class=_QuietHandler)
        self._server.timeout = REQUEST_TIMEOUT_S
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.5,), name="metrics",
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(2.0)
