"""A lane.toml before and after a key rotation, for the rotation tests (feed files and MQTT downlink).

The rotation is ONE edit: the new key's table is added beside the old one, with a window that opens
before the old key's ``not_after``. Nothing else changes; the old key ages out on its own.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from garita.sync.signing import public_key_b64

OLD = Ed25519PrivateKey.from_private_bytes(bytes(range(40, 72)))
NEW = Ed25519PrivateKey.from_private_bytes(bytes(range(80, 112)))
OLD_ID, NEW_ID = "central-2026", "central-2027"
BEFORE_NEW = datetime(2026, 12, 15, tzinfo=UTC)  # only the old key is valid
OVERLAP = datetime(2027, 1, 15, tzinfo=UTC)  # both are
AFTER_OLD = datetime(2027, 2, 15, tzinfo=UTC)  # only the new one is

LANE = '''[lane]
id = "lane-03"
port_code = "2504"
direction = "northbound"

[booth]
enabled = false
'''


def key_table(key: Ed25519PrivateKey, key_id: str, not_before: str, not_after: str) -> str:
    return (f'\n[[trust.keys]]\nid = "{key_id}"\npublic_key = "{public_key_b64(key.public_key())}"\n'
            f"not_before = {not_before}\nnot_after = {not_after}\n")


def before_rotation(lane: str = LANE) -> str:
    """The lane trusts the 2026 key, which expires at the end of January 2027."""
    return lane + "\n[trust]" + key_table(OLD, OLD_ID, "2026-01-01T00:00:00Z", "2027-01-31T00:00:00Z")


def after_rotation(lane: str = LANE) -> str:
    """The one edit: the 2027 key is added, valid from the 1st of January 2027 (a month of overlap)."""
    return before_rotation(lane) + key_table(NEW, NEW_ID, "2027-01-01T00:00:00Z", "2028-01-31T00:00:00Z")


class Clock:
    """The lane's clock, moved by the test (the ring reads it at each verification)."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now
