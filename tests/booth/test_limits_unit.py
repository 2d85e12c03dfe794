"""The connection layer of the booth's server in-process: header deadline and the cap's eviction order."""

from __future__ import annotations

import asyncio
import socket

import pytest
import uvicorn

from garita.station.booth import limits
from garita.station.booth.limits import BoundedH11, host_name


async def _app(scope, receive, send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


async def _closed(sock: socket.socket, timeout: float) -> bool:
    """True when the server closed the socket (EOF or reset) within ``timeout``."""
    loop = asyncio.get_running_loop()
    sock.setblocking(False)
    try:
        return await asyncio.wait_for(loop.sock_recv(sock, 100), timeout) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


@pytest.fixture
def tight(monkeypatch):
    monkeypatch.setattr(limits, "HEADER_TIMEOUT_S", 1.5)
    monkeypatch.setattr(limits, "MAX_CONNECTIONS", 4)


def test_a_request_that_never_finishes_its_headers_is_closed_and_the_cap_evicts_those_first(tight) -> None:
    async def main() -> None:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(_app, http=BoundedH11, log_level="warning", lifespan="off"))
        task = asyncio.create_task(server.serve(sockets=[listener]))
        for _ in range(1000):  # until uvicorn says it is serving: a hang guard, not a delay
            if server.started:
                break
            await asyncio.sleep(0.01)
        assert server.started
        loop = asyncio.get_running_loop()
        served = socket.create_connection(("127.0.0.1", port))  # a page's keep-alive connection
        served.setblocking(False)
        await loop.sock_sendall(served, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b"200" in await loop.sock_recv(served, 1000)
        slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(5)]  # one past the cap
        for sock in slow:
            sock.sendall(b"GET / HTTP/1.1\r\n")
        assert await _closed(slow[0], 1.0)  # the oldest never-served socket went first, at the cap
        assert not await _closed(served, 0.05)  # the served keep-alive one stayed
        assert all([await _closed(sock, 4.0) for sock in slow[1:]])  # the header deadline ends the rest
        for sock in (served, *slow):
            sock.close()
        server.should_exit = True
        await task

    asyncio.run(main())


def test_host_names_are_compared_without_port() -> None:
    assert host_name("LocalHost:8080") == "localhost" and host_name("[::1]:8080") == "::1"
    assert host_name("127.0.0.1") == "127.0.0.1" and host_name("evil.example:80") == "evil.example"
