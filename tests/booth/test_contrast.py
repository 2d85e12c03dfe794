"""WCAG 2.1 AA contrast for every text the booth screen draws, computed from booth.css itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[2] / "station" / "booth" / "static" / "css" / "booth.css"
AA = 4.5  # normal text; held for large text too (the booth is read at arm's length, in sunlight)


def _rules(css: str) -> dict[str, dict[str, str]]:
    """selector -> declarations (a selector list is split; later rules win, as in the browser)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rules: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = dict(
            (name.strip(), value.strip()) for name, value in
            (d.split(":", 1) for d in body.split(";") if ":" in d))
        for selector in selectors.split(","):
            rules.setdefault(" ".join(selector.split()), {}).update(declarations)
    return rules


RULES = _rules(CSS.read_text())


def colour(selector: str, prop: str) -> tuple[float, float, float]:
    value = RULES[selector][prop]
    for _ in range(3):  # resolve var(--x)
        match = re.fullmatch(r"var\((--[\w-]+)\)", value)
        if not match:
            break
        value = RULES[":root"][match.group(1)]
    value = value.split()[0] if value.startswith("#") else value
    hexes = value.lstrip("#")
    if len(hexes) == 3:
        hexes = "".join(c * 2 for c in hexes)
    return tuple(int(hexes[i:i + 2], 16) / 255 for i in (0, 2, 4))


def luminance(rgb: tuple[float, float, float]) -> float:
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def ratio(fg: tuple[float, float, float], bg: tuple[float, float, float]) -> float:
    high, low = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# (what, text colour (selector, property), background (selector, property))
PAIRS = [
    ("body text", ("body", "color"), ("body", "background")),
    ("panel text", ("body", "color"), (".panel", "background")),
    ("muted on panel", (".muted", "color"), (".panel", "background")),
    ("muted on page", (".muted", "color"), ("body", "background")),
    ("section heading", ("h2", "color"), (".panel", "background")),
    ("ok mark", (".ok", "color"), (".panel", "background")),
    ("bad mark", (".bad", "color"), (".panel", "background")),
    ("warning", (".warn", "color"), (".panel", "background")),
    ("incomplete", (".incomplete", "color"), (".panel", "background")),
    ("recommend release", (".rec.release", "color"), (".panel", "background")),
    ("recommend secondary", (".rec.secondary", "color"), (".panel", "background")),
    ("recommend detain", (".rec.detain", "color"), (".panel", "background")),
    ("release button", ("body", "color"), (".act.release", "background")),
    ("secondary button", ("body", "color"), (".act.secondary", "background")),
    ("detain button", ("body", "color"), (".act.detain", "background")),
    ("button", ("body", "color"), ("button", "background")),
    ("alert lines", (".alert", "color"), (".alert", "background")),
    ("chip", ("body", "color"), (".chip", "background")),
    ("chip down", (".chip.down", "color"), (".chip", "background")),
    ("chip busy", (".chip.busy", "color"), (".chip", "background")),
    ("toast", (".toast", "color"), (".toast", "background")),
    ("idle flag", (".flag", "color"), (".flag", "background")),
    ("link", ("a", "color"), ("body", "background")),
    ("strip", ("body", "color"), (".strip", "background")),
    ("joint bar title", (".joint strong", "color"), (".joint", "background")),
    ("joint bar text", ("body", "color"), (".joint", "background")),
    ("joint bar release", (".rec-small.release", "color"), (".joint", "background")),
    ("joint bar secondary", (".rec-small.secondary", "color"), (".joint", "background")),
    ("joint bar detain", (".rec-small.detain", "color"), (".joint", "background")),
]


@pytest.mark.parametrize(("what", "fg", "bg"), PAIRS, ids=[p[0] for p in PAIRS])
def test_every_text_meets_wcag_aa(what, fg, bg):
    measured = ratio(colour(*fg), colour(*bg))
    assert measured >= AA, f"{what}: {measured:.2f}:1 is under {AA}:1"
