"""The one signed-message layer: canonical JSON, Ed25519 signatures, and the ring of trusted keys.

Everything the central signs goes through here: downlink messages over MQTT (schemas/downlink-signed.json,
resend requests among them) and the headers of feed files (station/links/signed_feed.py). A signed message::

    {"v": "1.0", "kind": "watchlist.delta", "id": "<unique>", "issued_at": "...", "key_id": "central-2026",
     "expires_at": "..." (optional), "body": {...}, "sig": "<base64 Ed25519 signature>"}

The signature covers the canonical JSON (sorted keys, no spaces, UTF-8) of every field but ``sig``,
so neither the kind, the target lane nor the expiry can be changed without breaking it.

A :class:`KeyRing` holds the central's public keys by id, each with a validity window: a signature by
a key outside its window is refused (``key_not_yet_valid`` / ``key_expired``) like one by an unknown key,
so a rotation is one edit that lists the new key beside the old one with overlapping windows.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VERSION = "1.0"
_FIELDS = frozenset({"v", "kind", "id", "issued_at", "key_id", "expires_at", "body", "sig"})
Clock = Callable[[], datetime]


class SignatureError(ValueError):
    """Unsigned, badly signed, or signed with a key we do not trust; ``reason`` is the counter name."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def canonical(obj: Any) -> bytes:
    """The bytes that are signed: deterministic JSON, so both sides hash the same thing."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def utc_now() -> datetime:
    return datetime.now(UTC)


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """A short stable name for a public key: the first 16 hex digits of SHA-256 of its raw bytes."""
    return hashlib.sha256(public_key.public_bytes_raw()).hexdigest()[:16]


def public_key_from_b64(text: str) -> Ed25519PublicKey:
    """An Ed25519 public key from base64 of its 32 raw bytes (how ``[[trust.keys]]`` lists them)."""
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"not a base64 Ed25519 public key (32 bytes): {exc}") from None


def public_key_b64(public_key: Ed25519PublicKey) -> str:
    return base64.b64encode(public_key.public_bytes_raw()).decode()


def signature_b64(key: Ed25519PrivateKey, data: bytes) -> str:
    return base64.b64encode(key.sign(data)).decode()


@dataclass(frozen=True)
class TrustedKey:
    """One central key and the window in which its signatures are accepted (None: open on that side)."""

    key_id: str
    public_key: Ed25519PublicKey
    not_before: datetime | None = None
    not_after: datetime | None = None

    def window_problem(self, now: datetime) -> SignatureError | None:
        """Why a signature by this key is refused at ``now``; None inside the window."""
        clock = f"the lane's clock says {now.isoformat()}"
        if self.not_before is not None and now < self.not_before:
            return SignatureError("key_not_yet_valid", f"key {self.key_id!r} is trusted from "
                                  f"{self.not_before.isoformat()} (not_before); {clock}")
        if self.not_after is not None and now > self.not_after:
            return SignatureError("key_expired", f"key {self.key_id!r} expired at {self.not_after.isoformat()} "
                                  f"(not_after); {clock}")
        return None


class KeyRing:
    """The keys the lane trusts, by id; checks signatures against the key named and its window.

    A key is also found by its fingerprint, the id garita-feed/1 files name their key by when written
    without an explicit ``key_id``."""

    def __init__(self, keys: Iterable[TrustedKey] = (), clock: Clock = utc_now):
        self.clock = clock
        self._by_id: dict[str, TrustedKey] = {}
        for key in keys:
            if key.key_id in self._by_id:
                raise ValueError(f"key id {key.key_id!r} is listed twice")
            self._by_id[key.key_id] = key
        self._by_print = {fingerprint(key.public_key): key for key in self._by_id.values()}

    @classmethod
    def of(cls, keys: Mapping[str, Ed25519PublicKey], clock: Clock = utc_now) -> KeyRing:
        """A ring of keys without windows (tests, benchmarks, the demo central)."""
        return cls((TrustedKey(key_id, key) for key_id, key in keys.items()), clock)

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def describe(self) -> str:
        """The configured ids, for messages: ``central-2026, central-2027`` or ``none``."""
        return ", ".join(self._by_id) or "none"

    def key_for(self, key_id: object) -> TrustedKey:
        """The trusted key named ``key_id`` if it is valid now; raises SignatureError otherwise."""
        key = (self._by_id.get(key_id) or self._by_print.get(key_id)) if isinstance(key_id, str) else None
        if key is None:
            raise SignatureError("unknown_key", f"key_id {key_id!r} is not trusted (configured: {self.describe()})")
        problem = key.window_problem(self.clock())
        if problem is not None:
            raise problem
        return key

    def check(self, key_id: object, signature: object, data: bytes) -> TrustedKey:
        """Verify a base64 ``signature`` of ``data`` by the key named; returns that key or raises SignatureError."""
        raw = _decode_sig(signature)
        key = self.key_for(key_id)
        try:
            key.public_key.verify(raw, data)
        except (InvalidSignature, ValueError, TypeError):
            raise SignatureError("bad_signature", "signature does not match") from None
        return key


def sign(key: Ed25519PrivateKey, key_id: str, kind: str, body: dict[str, Any], *,
         message_id: str | None = None, expires_at: str | None = None) -> bytes:
    """A signed downlink message, ready to publish."""
    message: dict[str, Any] = {"v": VERSION, "kind": kind, "id": message_id or str(uuid.uuid4()),
                               "issued_at": now_iso(), "key_id": key_id, "body": body}
    if expires_at is not None:
        message["expires_at"] = expires_at
    message["sig"] = signature_b64(key, canonical(message))
    return canonical(message)


def _decode_sig(value: object) -> bytes:
    if not isinstance(value, str) or not value:
        raise SignatureError("unsigned", "no signature")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("bad_signature", "signature is not base64") from None


def verify(message: dict[str, Any], ring: KeyRing) -> dict[str, Any]:
    """Check the signature of a parsed message; returns it without ``sig``."""
    signed = {name: value for name, value in message.items() if name != "sig"}
    try:
        data = canonical(signed)
    except ValueError:  # NaN or infinity: nothing the central signs
        raise SignatureError("bad_signature", "not canonical JSON (NaN or infinity)") from None
    ring.check(message.get("key_id"), message.get("sig"), data)
    unknown = set(signed) - _FIELDS
    if unknown:  # signed but from a newer major: refuse rather than guess
        raise SignatureError("malformed", f"unknown envelope fields {sorted(unknown)}")
    return signed


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A PEM public key, or a raw 32-byte key written as base64 on one line."""
    data = path.read_bytes()
    if b"BEGIN" in data:
        key = serialization.load_pem_public_key(data)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError(f"{path}: not an Ed25519 public key")
        return key
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(data.strip()))


def load_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 private key")
    return key


def write_keypair(private_path: Path, public_path: Path) -> Ed25519PrivateKey:
    """Make a signing key pair (the central keeps the private key, each lane trusts the public one)."""
    key = Ed25519PrivateKey.generate()
    private_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    private_path.chmod(0o600)
    public_path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo))
    return key
