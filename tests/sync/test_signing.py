"""Downlink signatures: the exact bytes signed, each refusal with its counter name, and the key files."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from garita.sync.signing import (
    KeyRing,
    SignatureError,
    canonical,
    load_private_key,
    load_public_key,
    sign,
    verify,
    write_keypair,
)

KEY = Ed25519PrivateKey.generate()
KEYS = KeyRing.of({"central-1": KEY.public_key()})


def _signed(**extra: object) -> dict:
    return json.loads(sign(KEY, "central-1", "lane.command", {"lane": "lane-03"}, **extra))  # type: ignore[arg-type]


def _refusal(message: dict) -> str:
    with pytest.raises(SignatureError) as caught:
        verify(message, KEYS)
    return f"{caught.value.reason} | {caught.value}"


def test_the_signed_bytes_are_sorted_compact_utf8_json_and_never_nan():
    """What another implementation of the central must produce, byte for byte."""
    assert canonical({"b": 1, "a": "señal", "c": [1.5, None]}) == '{"a":"señal","b":1,"c":[1.5,null]}'.encode()
    with pytest.raises(ValueError):
        canonical({"x": float("nan")})


def test_a_good_message_verifies_and_comes_back_without_its_signature():
    message = _signed(expires_at="2030-01-01T00:00:00Z")
    assert verify(dict(message), KEYS) == {k: v for k, v in message.items() if k != "sig"}


def test_each_refusal_names_its_counter_and_says_why():
    good = _signed()
    assert _refusal({k: v for k, v in good.items() if k != "sig"}) == "unsigned | unsigned: no signature"
    assert _refusal({**good, "sig": "not base64!"}) == "bad_signature | bad_signature: signature is not base64"
    padded = good["sig"][:10] + "*" + good["sig"][10:]  # junk inside a valid signature is not skipped over
    assert _refusal({**good, "sig": padded}) == "bad_signature | bad_signature: signature is not base64"
    assert _refusal({**good, "key_id": "rogue"}) == (
        "unknown_key | unknown_key: key_id 'rogue' is not trusted (configured: central-1)")
    assert _refusal({**good, "body": {"lane": "lane-04"}}) == (
        "bad_signature | bad_signature: signature does not match")
    newer = {k: v for k, v in good.items() if k != "sig"} | {"route": "x"}
    newer["sig"] = base64.b64encode(KEY.sign(canonical(newer))).decode()  # signed, but a field we do not know
    assert _refusal(newer) == "malformed | malformed: unknown envelope fields ['route']"
    assert str(SignatureError("unsigned")) == "unsigned"


def test_key_files_pem_or_raw_base64_and_nothing_but_ed25519(tmp_path):
    private, public = tmp_path / "central.pem", tmp_path / "central.pub"
    key = write_keypair(private, public)
    assert private.stat().st_mode & 0o777 == 0o600
    assert load_private_key(private).public_key().public_bytes_raw() == key.public_key().public_bytes_raw()
    assert load_public_key(public).public_bytes_raw() == key.public_key().public_bytes_raw()
    raw = tmp_path / "central.b64"
    raw.write_text(base64.b64encode(key.public_key().public_bytes_raw()).decode() + "\n")
    assert load_public_key(raw).public_bytes_raw() == key.public_key().public_bytes_raw()
    other = X25519PrivateKey.generate()
    wrong_public, wrong_private = tmp_path / "x.pub", tmp_path / "x.pem"
    wrong_public.write_bytes(other.public_key().public_bytes(serialization.Encoding.PEM,
                                                             serialization.PublicFormat.SubjectPublicKeyInfo))
    wrong_private.write_bytes(other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
    with pytest.raises(ValueError) as caught:
        load_public_key(wrong_public)
    assert str(caught.value) == f"{wrong_public}: not an Ed25519 public key"
    with pytest.raises(ValueError) as caught:
        load_private_key(wrong_private)
    assert str(caught.value) == f"{wrong_private}: not an Ed25519 private key"
