"""Validate a driver's options dict (from lane TOML) against its typed defaults."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _coerce(device: str, key: str, value: Any, default: Any) -> Any:
    # bool is an int subclass: check it first so 1 is not taken for True.
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
    elif isinstance(default, float):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif isinstance(default, str):
        if isinstance(value, str):
            return value
    elif default is None or isinstance(value, type(default)):
        return value
    raise ValueError(
        f"device {device!r}: option {key!r} must be {type(default).__name__}, got {value!r}"
    )


def take_options(device: str, given: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict:
    """Merge given options over defaults; unknown keys or wrong types raise ValueError."""
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise ValueError(
            f"device {device!r}: unknown option {unknown[0]!r} (known: {', '.join(sorted(defaults))})"
        )
    merged = dict(defaults)
    for key, value in given.items():
        merged[key] = _coerce(device, key, value, defaults[key])
    return merged


def require(device: str, key: str, ok: bool, why: str) -> None:
    """Raise a one-line ValueError naming device and option when ok is False."""
    if not ok:
        raise ValueError(f"device {device!r}: option {key!r} {why}")
