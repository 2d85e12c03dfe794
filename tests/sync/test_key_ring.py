"""The one signed-message layer: a key ring by id, each key inside its window, everything else refused by reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from garita.sync.signing import (
    KeyRing,
    SignatureError,
    TrustedKey,
    canonical,
    fingerprint,
    signature_b64,
    verify,
)

KEY, OTHER = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
START = datetime(2027, 1, 1, tzinfo=UTC)
END = START + timedelta(days=30)


def _ring(now: datetime) -> KeyRing:
    return KeyRing([TrustedKey("k1", KEY.public_key(), START, END)], lambda: now)


def _reason(ring: KeyRing, key_id: object, signature: object, data: bytes = b"data") -> str:
    with pytest.raises(SignatureError) as caught:
        ring.check(key_id, signature, data)
    return caught.value.reason


def test_a_key_is_trusted_only_inside_its_window_edges_included():
    good = signature_b64(KEY, b"data")
    for now in (START, START + timedelta(days=3), END):
        assert _ring(now).check("k1", good, b"data").key_id == "k1"
    assert _reason(_ring(START - timedelta(seconds=1)), "k1", good) == "key_not_yet_valid"
    assert _reason(_ring(END + timedelta(seconds=1)), "k1", good) == "key_expired"


def test_each_refusal_has_its_reason():
    ring, good = _ring(START), signature_b64(KEY, b"data")
    assert _reason(ring, "k2", good) == "unknown_key"
    assert _reason(ring, None, good) == "unknown_key"
    assert _reason(ring, "k1", None) == "unsigned"
    assert _reason(ring, "k1", "") == "unsigned"
    assert _reason(ring, "k1", "not base64!") == "bad_signature"
    assert _reason(ring, "k1", signature_b64(OTHER, b"data")) == "bad_signature"
    assert _reason(ring, "k1", good, b"datA") == "bad_signature"


def test_a_key_is_also_found_by_its_fingerprint_and_keeps_its_window():
    good = signature_b64(KEY, b"data")
    assert _ring(START).check(fingerprint(KEY.public_key()), good, b"data").key_id == "k1"
    assert _reason(_ring(END + timedelta(days=1)), fingerprint(KEY.public_key()), good) == "key_expired"


def test_an_id_listed_twice_is_refused():
    with pytest.raises(ValueError, match="listed twice"):
        KeyRing([TrustedKey("k1", KEY.public_key()), TrustedKey("k1", OTHER.public_key())])


def test_verify_covers_every_envelope_field():
    message = {"v": "1.0", "kind": "lane.command", "id": "m1", "issued_at": "2027-01-02T00:00:00Z", "key_id": "k1",
               "body": {"lane": "lane-03"}}
    signed = message | {"sig": signature_b64(KEY, canonical(message))}
    assert verify(signed, _ring(START)) == message
    for field, value in (("kind", "watchlist.delta"), ("key_id", "k2"), ("body", {"lane": "*"})):
        with pytest.raises(SignatureError):
            verify(signed | {field: value}, _ring(START))
    with pytest.raises(SignatureError) as caught:
        verify(signed | {"body": {"x": float("nan")}}, _ring(START))
    assert caught.value.reason == "bad_signature"
