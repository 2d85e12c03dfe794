"""Issue 17 rows 4, 5 and 11: half-open connections, huge bodies, a foreign Host, absurd path numbers.

Each attack runs from loopback against a real lane subprocess; after it the lane must answer,
keep a device read, and hold its fds and memory within bounds.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time

import httpx

from garita.station.booth.limits import BODY_LIMITS, MAX_CONNECTIONS
from tests.booth.test_http import signed_in


def _fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def _log_lines(lane) -> int:
    return len((lane.data_dir / "lane.log").read_text(errors="replace").splitlines())


def test_1100_half_open_connections_leave_the_booth_answering(lane) -> None:
    pid, lines_before = lane.process.pid, _log_lines(lane)
    sockets = []
    try:
        for _ in range(1100):
            sock = socket.create_connection(("127.0.0.1", lane.port), timeout=5)
            with contextlib.suppress(OSError):
                sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # headers never finished
            sockets.append(sock)
        # Answered only once the lane has accepted every earlier connection (the accept queue is first in,
        # first out), so the fds counted next are the settled figure, not a guess after a sleep.
        answer = httpx.get(lane.url + "/api/session", timeout=10)
        fds = _fds(pid)
        lane.send("rfid-1", "rfid", "E2000000000000000000HALF")
    finally:
        for sock in sockets:
            sock.close()
    logged = _log_lines(lane) - lines_before
    print(f"\n1100 half-open: lane fds {fds} (cap {MAX_CONNECTIONS} connections), {logged} log lines")
    assert answer.status_code == 200
    assert fds < MAX_CONNECTIONS + 150  # the cap holds: the rest were closed, never accepted into a pile
    assert logged < 20
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not lane.query("SELECT * FROM reads WHERE value LIKE '%HALF'"):
        time.sleep(0.1)
    assert lane.query("SELECT * FROM reads WHERE value LIKE '%HALF'")  # the device read was kept


def test_a_huge_body_before_sign_in_is_refused_without_being_read(lane) -> None:
    pid = lane.process.pid
    before = _rss_mb(pid)
    client = httpx.Client(base_url=lane.url, timeout=30)
    csrf = client.get("/api/session").json()["csrf"]
    with socket.create_connection(("127.0.0.1", lane.port), timeout=10) as raw:  # 1 GB declared, 64 KB sent
        raw.sendall(f"POST /api/signin/pin HTTP/1.1\r\nHost: 127.0.0.1\r\nx-csrf-token: {csrf}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {2**30}\r\n\r\n".encode())
        with contextlib.suppress(OSError):
            raw.sendall(b"x" * 65536)
        answer = b""
        while b'"body_too_large"' not in answer and len(answer) < 65536:  # headers and body may come apart
            chunk = raw.recv(4096)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413") and b'"body_too_large"' in answer

    def chunks():  # no Content-Length: 64 MB sent in chunks, counted as it arrives
        for _ in range(1024):
            yield b"x" * 65536

    with contextlib.suppress(httpx.HTTPError):  # the server may close before all of it is sent
        streamed = client.post("/api/signin/pin", headers={"x-csrf-token": csrf}, content=chunks())
        assert streamed.status_code == 413
    after = _rss_mb(pid)
    limit = BODY_LIMITS["/api/signin/"]
    print(f"\nhuge bodies: RSS {before:.0f} MB before, {after:.0f} MB after (sign-in limit {limit} B)")
    assert after - before < 50
    assert httpx.get(lane.url + "/api/session").status_code == 200


def test_a_foreign_host_is_refused_and_absurd_numbers_are_404(lane) -> None:
    evil = httpx.get(lane.url + "/api/session", headers={"host": "evil.example", "origin": "http://evil.example"})
    assert evil.status_code == 421 and evil.json() == {"error": "bad_host"}
    assert httpx.get(lane.url + "/api/session", headers={"host": f"localhost:{lane.port}"}).status_code == 200
    client, _csrf = signed_in(lane, "o-100", "4321")
    assert client.get("/api/images/99999999999999999999999").status_code == 404
    assert client.get("/api/images/9223372036854775807").status_code == 404
    assert client.get("/api/session").status_code == 200  # the connection and the lane are fine


def test_event_streams_per_session_are_capped(lane) -> None:
    client, _csrf = signed_in(lane, "o-100", "4321")
    streams = [client.stream("GET", "/api/events", timeout=10) for _ in range(8)]
    opened = [stream.__enter__() for stream in streams]
    try:
        ended = 0
        for response in opened[:4]:  # the four oldest were ended by the server when the newer four came
            with contextlib.suppress(httpx.HTTPError):
                for _ in response.iter_raw():
                    pass
                ended += 1
        assert ended == 4
    finally:
        for stream in streams:
            with contextlib.suppress(Exception):
                stream.__exit__(None, None, None)
