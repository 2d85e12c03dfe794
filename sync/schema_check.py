"""The JSON Schema files shipped in ``sync/schemas/``, loaded once and used to check messages."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

BASE = "https://garita.example/schemas/"

# Signed downlink kind -> schema of its body.
BODY_SCHEMAS = {
    "watchlist.snapshot.chunk": "watchlist-snapshot-chunk.json",
    "watchlist.delta": "watchlist-delta.json",
    "declaration": "declaration.json",
    "lane.command": "lane-command.json",
    "uplink.resend": "uplink-resend.json",
}


def schema_names() -> list[str]:
    return sorted(p.name for p in resources.files("garita.sync.schemas").iterdir() if p.name.endswith(".json"))


def load_schema(name: str) -> dict[str, Any]:
    return json.loads(resources.files("garita.sync.schemas").joinpath(name).read_text())


@cache
def _registry() -> Registry:
    pairs = [(BASE + name, Resource.from_contents(load_schema(name))) for name in schema_names()]
    return Registry().with_resources(pairs)


@cache
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(name), registry=_registry())


def first_error(name: str, instance: Any) -> str | None:
    """The first schema violation as one line (``path: message``), or None when valid."""
    error = next(iter(validator(name).iter_errors(instance)), None)
    if error is None:
        return None
    path = "/".join(str(part) for part in error.absolute_path) or "(root)"
    return f"{path}: {error.message[:200]}"
