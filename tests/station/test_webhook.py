"""Webhooks: signed POSTs of lane events from a real mock lane to a real HTTP receiver, retried, never blocking."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from garita.station.config.lane_config import LaneConfig
from garita.station.links.webhook import signature, verify
from tests.conftest import REPO
from tests.station.test_metrics import (
    base_url,
    dashboard_uses_only_exported_metrics,
    free_port,
    get,
    samples,
    stop,
    wait_for,
)
from tests.station.test_mock_run import start_mock

SECRET = b"0123456789abcdef-test-secret"


def test_signature_round_trip_and_what_it_refuses():
    body = b'{"event":"decision"}'
    now = time.time()
    header = signature(SECRET, str(int(now)), body)
    assert verify(SECRET, header, body, now=now)
    assert not verify(SECRET, header, body + b" ", now=now)  # body changed
    assert not verify(b"another key of enough bytes", header, body, now=now)
    assert not verify(SECRET, header, body, now=now + 3600)  # replayed an hour later
    assert not verify(SECRET, "garbage", body, now=now)


class Receiver(BaseHTTPRequestHandler):
    """Refuses the first `refuse` requests with 503, then accepts; keeps what it accepted."""

    refuse = 2
    seen: ClassVar[list[tuple[dict, bytes, int]]] = []
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with self.lock:
            status = 503 if Receiver.refuse > 0 else 200
            Receiver.refuse -= 1
            Receiver.seen.append((dict(self.headers), body, status))
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def lane_config(tmp_path, url: str) -> str:
    secret = tmp_path / "webhook.key"
    secret.write_bytes(SECRET)
    path = tmp_path / "lane.toml"
    path.write_text((REPO / "config/mock-lane.toml").read_text()
                    + f'\n[webhook]\nenabled = true\nurl = "{url}"\nsecret_file = "{secret}"\nretry_max_s = 1\n'
                    + f"\n[metrics]\nenabled = true\nport = {free_port()}\n")
    return str(path)


@pytest.fixture
def receiver():
    Receiver.refuse, Receiver.seen = 2, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/garita"
    server.shutdown()


def test_a_mock_lane_posts_signed_events_in_order_and_retries_refusals(tmp_path, receiver):
    data_dir = tmp_path / "data"
    process = start_mock(data_dir, "--scenario", "small", "--speed", "3", "--config", lane_config(tmp_path, receiver))
    try:
        url = base_url(process)

        def accepted():
            return [(h, json.loads(b)) for h, b, status in Receiver.seen if status == 200]

        wait_for(lambda: sum(e["event"] == "decision" for _h, e in accepted()) >= 3, timeout=90)
        sent = len(accepted())

        def counted():
            values = samples(get(url + "/metrics")[1])
            return values if values.get(("garita_webhook_delivered_total", ()), 0) >= sent else None

        values = wait_for(counted, timeout=30)
        assert values[("garita_webhook_failures_total", ())] == 2  # the two 503 answers
        assert ("garita_webhook_pending", ()) in values
        # The dashboard's webhook panels query what this lane, with a webhook, really exports.
        dashboard_uses_only_exported_metrics({name for name, _ in values}, only="garita_webhook_")
    finally:
        output = stop(process)
    assert "Traceback" not in output
    refused = [h["X-Garita-Delivery"] for h, _b, status in Receiver.seen if status == 503]
    events = accepted()
    assert len(refused) == 2 and refused[0] == events[0][0]["X-Garita-Delivery"]  # the same event, retried
    for headers, event in events:
        body = json.dumps(event, separators=(",", ":")).encode()
        assert verify(SECRET, headers["X-Garita-Signature"], body)
        assert headers["X-Garita-Event"] == event["event"] and event["lane"] == "mock-lane"
    ids = [h["X-Garita-Delivery"] for h, _e in events]
    assert len(ids) == len(set(ids)) and ids == sorted(ids)  # uuid7 ids: outbox order, each once
    kinds = [e["event"] for _h, e in events]
    assert kinds.count("crossing.opened") >= 3 and "read" not in kinds  # the default event kinds only
    decision = next(e for _h, e in events if e["event"] == "decision")
    assert decision["data"]["action"] in {"release", "secondary", "detain"} and decision["data"]["crossing_id"]
    assert json.loads((data_dir / "webhook.cursor").read_text())["seq"] > 0


def test_a_dead_receiver_never_holds_the_lane(tmp_path):
    config = lane_config(tmp_path, f"http://127.0.0.1:{free_port()}/nobody-listens")
    done = subprocess.run([sys.executable, "-m", "garita.station", "run", "--mock", "--scenario", "small",
                           "--speed", "3",
                           "--auto-decide", "--until-done", "--config", config, "--data-dir", str(tmp_path / "d")],
                          cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert done.returncode == 0, done.stderr
    assert "event=mock.finished crossings=3 decisions=3" in done.stderr
    assert "event=webhook.failed" in done.stderr and "Traceback" not in done.stderr


def test_webhook_config_is_checked(tmp_path):
    base = {"lane": {"id": "l", "port_code": "2504", "direction": "northbound"}}
    with pytest.raises(ValueError, match="needs url and secret_file"):
        LaneConfig.model_validate({**base, "webhook": {"enabled": True, "url": "http://x/"}})
    with pytest.raises(ValueError, match="events"):
        LaneConfig.model_validate({**base, "webhook": {"events": ["decisions"]}})
    short = tmp_path / "short.key"
    short.write_bytes(b"abc")
    config = lane_config(tmp_path, "http://127.0.0.1:9/")
    (tmp_path / "lane.toml").write_text(Path(config).read_text().replace(str(tmp_path / "webhook.key"), str(short)))
    ran = subprocess.run([sys.executable, "-m", "garita.station", "run", "--config", config, "--data-dir",
                          str(tmp_path / "d")], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 78 and "webhook.secret_file: holds fewer than 16 bytes" in ran.stdout
    checked = subprocess.run([sys.executable, "-m", "garita.station", "check-config", config], cwd=REPO,
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 78 and "webhook.secret_file" in checked.stdout
