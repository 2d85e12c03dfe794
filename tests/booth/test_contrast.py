"""WCAG contrast: the arithmetic of tests/booth/screen_checks.py, and the colour pairs read from booth.css.

The authority is test_contrast_browser.py: every text measured in Chromium, in each state of the screen,
against what is painted behind it. The pairs here are a fast first check, and cover what no test lane
puts on screen (the idle flag, the strip's technician link).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from garita.station.booth.i18n import catalog
from tests.booth.screen_checks import AA, Measured, english_only, failures, paint, parse_colour, ratio

CSS = Path(__file__).resolve().parents[2] / "station" / "booth" / "static" / "css" / "booth.css"


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


def _layer(background: str, opacity: str = "1") -> dict:
    return {"background": background, "opacity": opacity, "image": "none", "filter": "none", "blend": "normal",
            "tag": "div"}


def test_ratio_matches_the_wcag_reference_values():
    assert ratio((1, 1, 1), (0, 0, 0)) == pytest.approx(21.0)
    assert ratio(parse_colour("rgb(118, 118, 118)")[:3], (1, 1, 1)) == pytest.approx(4.54, abs=0.01)
    assert ratio((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)) == pytest.approx(1.0)


def test_computed_colour_forms_chromium_serialises():
    assert parse_colour("rgba(0, 0, 0, 0)") == (0, 0, 0, 0)
    assert parse_colour("rgb(255 0 0 / 0.5)") == (1, 0, 0, 0.5)
    assert parse_colour("color(srgb 1 0.5 0 / 0.25)") == (1, 0.5, 0, 0.25)
    with pytest.raises(ValueError, match="cannot read"):
        parse_colour("oklch(0.7 0.1 200)")


def test_the_background_is_the_first_painted_layer_up_the_tree_and_the_body_paints_the_canvas():
    layers = [_layer("rgba(0, 0, 0, 0)"), _layer("rgb(15, 22, 32)"), _layer("rgba(0, 0, 0, 0)")]
    assert paint(layers, None) == pytest.approx((15 / 255, 22 / 255, 32 / 255))
    assert paint(layers, parse_colour("rgb(255, 255, 255)")) == pytest.approx((1, 1, 1))
    assert paint([_layer("rgba(0, 0, 0, 0)"), _layer("rgba(0, 0, 0, 0)")], None) == (1, 1, 1)  # a white canvas


def test_translucent_text_backgrounds_and_opacity_are_composited():
    black = [_layer("rgba(0, 0, 0, 0)"), _layer("rgb(0, 0, 0)")]
    assert paint(black, parse_colour("rgba(255, 255, 255, 0.5)")) == pytest.approx((0.5, 0.5, 0.5))
    assert paint([*black, _layer("rgba(255, 255, 255, 0.5)")], None) == pytest.approx((0.5, 0.5, 0.5))
    faded = [*black, _layer("rgba(0, 0, 0, 0)", opacity="0.5")]  # white text in an element at half opacity
    assert paint(faded, (1, 1, 1, 1)) == pytest.approx((0.5, 0.5, 0.5))
    dimmed = [_layer("rgb(255, 255, 255)"), _layer("rgba(0, 0, 0, 0)", opacity="0.4")]  # black text, 40 % opaque
    assert paint(dimmed, (0, 0, 0, 1)) == pytest.approx((0.6, 0.6, 0.6))
    assert ratio(paint(dimmed, (0, 0, 0, 1)), paint(dimmed, None)) < AA  # 21:1 in the CSS, 2.8:1 on screen


def test_a_failure_names_the_state_element_text_and_ratio():
    lit = "filter/blend on <div> (brightness(1.4), normal) changes the colours"
    measured = [Measured("div#alert > h2", "WATCHLIST HIT", 3.73), Measured("p.ok", "fine", 7.1),
                Measured("div#x > p", "lit", 9.0, lit), Measured("button.act > span", "Release", 2.1, inactive=True)]
    assert failures(measured, "alert") == ["alert: div#alert > h2 'WATCHLIST HIT': 3.73:1",
                                           f"alert: div#x > p 'lit': {lit}"]


def test_english_left_on_a_spanish_screen_is_every_english_text_spanish_says_otherwise():
    english, spanish = catalog("en"), catalog("es")
    only = english_only()
    assert english["nav.history"] in only and english["queue.waiting"] in only
    same = [key for key in english if english[key] == spanish[key]]  # "No" is Spanish too
    assert same and not any(english[key] in only for key in same)
    assert spanish["lang.switch"] == "English" and "English" not in only  # the Spanish screen's switch says it
    assert len(only) > 150
