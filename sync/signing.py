"""Ed25519 signatures on downlink messages (schemas/downlink-signed.json).

A signed message::

    {"v": "1.0", "kind": "watchlist.delta", "id": "<unique>", "issued_at": "...", "key_id": "central-2026",
     "expires_at": "..." (optional), "body": {...}, "sig": "<base64 Ed25519 signature>"}

The signature covers the canonical JSON (sorted keys, no spaces, UTF-8) of every field but ``sig``,
so neither the kind, the target lane nor the expiry can be changed without breaking it.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VERSION = "1.0"
_FIELDS = frozenset({"v", "kind", "id", "issued_at", "key_id", "expires_at", "body", "sig"})


class SignatureError(ValueError):
    """Unsigned, badly signed, or signed with a key we do not trust; ``reason`` is the counter name."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def canonical(obj: Any) -> bytes:
    """The bytes that are signed: deterministic JSON, so both sides hash the same thing."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def sign(key: Ed25519PrivateKey, key_id: str, kind: str, body: dict[str, Any], *,
         message_id: str | None = None, expires_at: str | None = None) -> bytes:
    """A signed downlink message, ready to publish."""
    message: dict[str, Any] = {"v": VERSION, "kind": kind, "id": message_id or str(uuid.uuid4()),
                               "issued_at": now_iso(), "key_id": key_id, "body": body}
    if expires_at is not None:
        message["expires_at"] = expires_at
    message["sig"] = base64.b64encode(key.sign(canonical(message))).decode()
    return canonical(message)


def _decode_sig(value: Any) -> bytes:
    if not isinstance(value, str):
        raise SignatureError("unsigned", "no sig field")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("bad_signature", "sig is not base64") from None


def verify(message: dict[str, Any], keys: dict[str, Ed25519PublicKey]) -> dict[str, Any]:
    """Check the signature of a parsed message; returns it without ``sig``."""
    signature = _decode_sig(message.get("sig"))
    key_id = message.get("key_id")
    key = keys.get(key_id) if isinstance(key_id, str) else None
    if key is None:
        raise SignatureError("unknown_key", f"key_id {message.get('key_id')!r} is not trusted")
    signed = {name: value for name, value in message.items() if name != "sig"}
    try:
        key.verify(signature, canonical(signed))
    except (InvalidSignature, ValueError, TypeError):
        raise SignatureError("bad_signature", "signature does not match") from None
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
