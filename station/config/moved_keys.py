"""Keys an older lane.toml may still hold that now live elsewhere: each is named with what to move where.

The central's keys were listed twice, as ``[watchlist] public_keys`` (base64) and as
``[[mqtt.downlink_keys]]`` (files); both are now one ``[[trust.keys]]`` list (docs/trust.md).
"""

from __future__ import annotations

from typing import Any

MOVED: dict[tuple[str, str], str] = {
    ("watchlist", "public_keys"): (
        "moved to [trust]: write one [[trust.keys]] table per key with id, public_key (this base64), "
        "not_before and not_after (docs/trust.md); the same keys now sign the MQTT downlink too"),
    ("mqtt", "downlink_keys"): (
        "moved to [trust]: write one [[trust.keys]] table per key with id (the old key_id), public_key "
        "(`garita keys show PUBLIC_KEY_FILE` prints it), not_before and not_after (docs/trust.md)"),
}


def moved_keys(raw: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[tuple[str, str], str]]]:
    """``raw`` without the moved keys, and ``(key path, message)`` for each one it held."""
    found: list[tuple[tuple[str, str], str]] = []
    cleaned = dict(raw)
    for (section, key), message in MOVED.items():
        table = raw.get(section)
        if isinstance(table, dict) and key in table:
            found.append(((section, key), message))
            cleaned[section] = {name: value for name, value in table.items() if name != key}
    return cleaned, found
