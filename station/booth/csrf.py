"""CSRF protection: every POST carries a token bound to the caller's cookie, plus a same-origin check.

The token is an HMAC of the session (or pre-sign-in) cookie under a key kept in the data
directory, so it survives a daemon restart and a page on another origin cannot compute it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from starlette.requests import Request

HEADER = "x-csrf-token"
KEY_FILE = "booth.key"


def load_secret(data_dir: Path) -> bytes:
    """The booth's HMAC key, created (mode 0600) on first start."""
    path = data_dir / KEY_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(32))
    return path.read_bytes()


def token_for(secret: bytes, binding: str) -> str:
    """The CSRF token for one cookie value."""
    return hmac.new(secret, f"csrf:{binding}".encode(), hashlib.sha256).hexdigest()


def same_origin(request: Request) -> bool:
    """A browser sends Origin on POST; if present it must be this server (kiosk and daemon share a host)."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    host = request.headers.get("host", "")
    return urlsplit(origin).netloc == host


def valid(request: Request, secret: bytes, binding: str | None) -> bool:
    """True when the request's CSRF header matches its cookie and it comes from our own origin."""
    sent = request.headers.get(HEADER, "")
    if not binding or not sent or not same_origin(request):
        return False
    return hmac.compare_digest(sent, token_for(secret, binding))
