"""Webhook delivery: each chosen outbox event POSTed as signed JSON, in order, retried until accepted.

Events are read from the outbox (the same rows MQTT sends, written in the transaction that records
each fact), so nothing is lost while the receiver is down. A worker thread does the HTTP, never the
event loop: a slow or dead receiver cannot hold the lane. Delivery is at least once: the receiver
dedupes on the ``X-Garita-Delivery`` id. The body is signed with HMAC-SHA256 over
``TIMESTAMP.BODY`` (header ``X-Garita-Signature: t=TIMESTAMP,sha256=HEX``), so a replay of an old
body with a new timestamp does not verify.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from garita.station.config.lane_config import WebhookSection
from garita.station.ops.event_log import log_event
from garita.station.storage import readonly

log = logging.getLogger("garita.webhook")
CURSOR_NAME = "webhook.cursor"
BATCH = 50


def load_secret(path: Path) -> bytes:
    """The HMAC key; an unreadable or empty file is a config error (exit 78), found at start."""
    from garita.station.config.loader import ConfigError, ConfigProblem

    try:
        secret = path.read_bytes().strip()
    except OSError as exc:
        raise ConfigError(path, [ConfigProblem("webhook.secret_file", f"cannot be read: {exc.strerror}")]) from None
    if len(secret) < 16:
        raise ConfigError(path, [ConfigProblem("webhook.secret_file", "holds fewer than 16 bytes of key")])
    return secret


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """The X-Garita-Signature header value for one delivery."""
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},sha256={digest}"


def verify(secret: bytes, header: str, body: bytes, max_age_s: float = 300, now: float | None = None) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        stamp = parts["t"]
        fresh = abs((now or time.time()) - int(stamp)) <= max_age_s
    except (KeyError, ValueError):
        return False
    return fresh and hmac.compare_digest(signature(secret, stamp, body), header)


@dataclass
class WebhookStats:
    delivered: int = 0
    failures: int = 0
    pending: int = 0
    last_error: str | None = None
    last_status: int | None = None
    by_status: dict[str, int] = field(default_factory=dict)


class Cursor:
    """The last outbox seq delivered, in a small file replaced atomically (survives restarts)."""

    def __init__(self, data_dir: Path):
        self.path = data_dir / CURSOR_NAME

    def load(self) -> int:
        try:
            return int(json.loads(self.path.read_text())["seq"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0

    def save(self, seq: int) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"seq": seq}))
        os.replace(tmp, self.path)


class WebhookSender:
    """Daemon plugin owning the delivery thread; ``tick`` starts it, ``aclose`` stops it."""

    def __init__(self, section: WebhookSection, data_dir: Path, lane_id: str):
        self.section, self.lane_id = section, lane_id
        self.secret = load_secret(section.secret_file)
        self.data_dir = data_dir
        self.cursor = Cursor(data_dir)
        self.stats = WebhookStats()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    async def tick(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="webhook", daemon=True)
            self._thread.start()

    async def aclose(self) -> None:
        self._stop.set()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, self.section.timeout_s + 1)

    def _run(self) -> None:
        conn = readonly.connect_readonly(self.data_dir)
        backoff, seq = 1.0, self.cursor.load()
        while not self._stop.is_set():
            try:
                seq, delivered_all = self._send_batch(conn, seq)
            except Exception as exc:  # a bug or a full disk must not end delivery: say so, wait, go on
                log_event(log, "webhook.crashed", logging.ERROR, error=repr(exc))
                seq, delivered_all = self.cursor.load(), False
            if not delivered_all:
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.section.retry_max_s)
            else:
                backoff = 1.0
        conn.close()

    def _send_batch(self, conn: sqlite3.Connection, seq: int) -> tuple[int, bool]:
        """Deliver pending events in order; (last seq delivered, whether all of them went)."""
        rows = self._pending(conn, seq)
        if not rows:
            self._stop.wait(self.section.poll_s)
        for row_seq, row_id, kind, payload, created_at in rows:
            if self._stop.is_set() or not self._deliver(row_id, kind, payload, created_at):
                return seq, False
            seq = row_seq
            self.cursor.save(seq)
        return seq, True

    def _pending(self, conn: sqlite3.Connection, seq: int) -> list[tuple]:
        kinds = tuple(self.section.events)
        self.stats.pending = readonly.outbox_count_after(conn, seq, kinds)
        return readonly.outbox_after(conn, seq, kinds, BATCH)

    def _deliver(self, row_id: str, kind: str, payload: str, created_at: str) -> bool:
        """POST one event; True once the receiver answered 2xx."""
        body = json.dumps({"id": row_id, "event": kind, "lane": self.lane_id, "at": created_at,
                           "data": json.loads(payload)}, separators=(",", ":")).encode()
        stamp = str(int(time.time()))
        request = urllib.request.Request(self.section.url, data=body, method="POST", headers={
            "Content-Type": "application/json", "User-Agent": "garita-webhook/1",
            "X-Garita-Event": kind, "X-Garita-Delivery": row_id,
            "X-Garita-Signature": signature(self.secret, stamp, body)})
        try:
            with urllib.request.urlopen(request, timeout=self.section.timeout_s) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status, error = exc.code, f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            status, error = None, str(exc.reason if isinstance(exc, urllib.error.URLError) else exc)
        else:
            error = None
        return self._account(status, error, kind)

    def _account(self, status: int | None, error: str | None, kind: str) -> bool:
        self.stats.last_status = status
        key = str(status) if status is not None else "unreachable"
        self.stats.by_status[key] = self.stats.by_status.get(key, 0) + 1
        if error is None and status is not None and 200 <= status < 300:
            self.stats.delivered += 1
            self.stats.last_error = None
            return True
        self.stats.failures += 1
        if self.stats.last_error != error:  # log a change of trouble, not every retry
            log_event(log, "webhook.failed", logging.WARNING, url=self.section.url, kind=kind, error=error)
        self.stats.last_error = error
        return False

    def status(self) -> dict[str, Any]:
        return {"url": self.section.url, **vars(self.stats)}
