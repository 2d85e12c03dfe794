"""Message catalogs: every word on the screen lives in i18n/<lang>.json, never in code."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("en", "es")


class CatalogError(Exception):
    """The catalogs disagree (a key in one language only): the screen would show a gap."""


@cache
def catalog(language: str) -> dict[str, str]:
    """The flat key -> text catalog for one language."""
    if language not in LANGUAGES:
        raise KeyError(language)
    text = resources.files("garita.station.booth").joinpath("i18n", f"{language}.json").read_text(encoding="utf-8")
    return json.loads(text)


def check_catalogs() -> None:
    """Every language has exactly the same keys, none empty; called when the booth starts."""
    keys = {language: set(catalog(language)) for language in LANGUAGES}
    reference = keys[LANGUAGES[0]]
    for language, found in keys.items():
        if found != reference:
            gaps = sorted(found.symmetric_difference(reference))
            raise CatalogError(f"catalog {language} differs from {LANGUAGES[0]}: {', '.join(gaps[:10])}")
        empty = [key for key, value in catalog(language).items() if not str(value).strip()]
        if empty:
            raise CatalogError(f"catalog {language} has empty texts: {', '.join(empty[:10])}")


def pick_language(requested: Any, default: str) -> str:
    return requested if requested in LANGUAGES else default
