"""PIN hashing: salted scrypt from the standard library, verified in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

# scrypt cost: ~50 ms and 16 MiB per check on a lane PC, slow enough to make an
# offline guess of a stolen hash expensive, fast enough that sign-in feels instant.
N, R, P = 2**14, 8, 1
MIN_PIN, MAX_PIN = 4, 12


class PinError(ValueError):
    """A PIN that may not be stored (too short, not digits)."""


def check_pin_shape(pin: str) -> None:
    """PINs are 4-12 digits: the booth keypad has nothing else."""
    if not (pin.isdigit() and MIN_PIN <= len(pin) <= MAX_PIN):
        raise PinError(f"a PIN is {MIN_PIN} to {MAX_PIN} digits")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_pin(pin: str) -> str:
    """``scrypt$N$r$p$salt$hash``: parameters travel with the hash so they can be raised later."""
    check_pin_shape(pin)
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(digest)}"


def verify_pin(pin: str, stored: str | None) -> bool:
    """True when ``pin`` matches ``stored``; a missing or malformed hash never matches."""
    if not stored or not pin:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(pin.encode()[:64], salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# Checked in place of a missing hash, so an unknown id takes as long as a real one (the same scrypt
# runs); its digest is random bytes, which no PIN reaches.
DECOY_HASH = f"scrypt${N}${R}${P}${_b64(os.urandom(16))}${_b64(os.urandom(32))}"
