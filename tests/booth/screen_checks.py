"""Checks on what a booth page really shows, in the browser: WCAG contrast of every text, and no English
left on a Spanish screen.

The contrast check walks every element with a visible text node (and every input's value or placeholder
and every select's chosen option), takes Chromium's computed text colour and the layers under it (each
ancestor's background colour and opacity), composites them as the browser paints (source-over, in sRGB)
and computes the WCAG 2.1 ratio. Text of a disabled control is measured but not held to the minimum
(WCAG 1.4.3 exempts an inactive user interface component). A layer whose pixels cannot be known from
colours alone (a background image or gradient, a CSS filter, a blend mode) is a failure, not a skip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from garita.station.booth.i18n import catalog

AA = 4.5  # normal text; held for large text too (the booth is read at arm's length, in sunlight)

# One entry per text: its selector path, the text, its colour and the layers from <html> down to it.
TEXTS = """() => {
  const out = [];
  const seen = new Set();
  const visible = (el) => el.checkVisibility({ opacityProperty: true, visibilityProperty: true })
    && el.getClientRects().length > 0;
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.documentElement; e = e.parentElement) {
      let part = e.tagName.toLowerCase() + (e.id ? `#${e.id}` : '');
      if (e.classList.length) part += '.' + [...e.classList].join('.');
      parts.unshift(part);
      if (e.id && e !== el) break;  // up to the nearest ancestor with an id
    }
    return parts.join(' > ');
  };
  const layers = (el) => {
    const chain = [];
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      chain.unshift({ background: s.backgroundColor, opacity: s.opacity, image: s.backgroundImage,
        filter: s.filter, blend: s.mixBlendMode, tag: e.tagName.toLowerCase() });
    }
    return chain;
  };
  const add = (el, text, color) => out.push({ path: path(el), text: text.trim().slice(0, 60), color,
    layers: layers(el), inactive: Boolean(el.closest(':disabled')) });
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!node.textContent.trim() || seen.has(el) || el.closest('option, script, style') || !visible(el)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const box = range.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    seen.add(el);
    add(el, node.textContent, getComputedStyle(el).color);
  }
  for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    if (!visible(el)) continue;
    if (el.tagName === 'SELECT') {
      const chosen = el.selectedOptions[0];
      if (chosen && chosen.text.trim()) add(el, chosen.text, getComputedStyle(el).color);
    } else if (el.value) {
      add(el, el.type === 'password' ? '(password dots)' : el.value, getComputedStyle(el).color);
    } else if (el.placeholder) {
      add(el, el.placeholder, getComputedStyle(el, '::placeholder').color);
    }
  }
  return out;
}"""

Rgba = tuple[float, float, float, float]  # straight (not premultiplied) sRGB, 0..1
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?"


def parse_colour(text: str) -> Rgba:
    """A computed CSS colour as Chromium serialises it: rgb(), rgba() or color(srgb ...)."""
    text = text.strip()
    if match := re.fullmatch(r"rgba?\((.*)\)", text):
        parts = [p for p in re.split(r"[,\s/]+", match.group(1)) if p]
        r, g, b = (float(p) / 255 for p in parts[:3])
        return r, g, b, float(parts[3]) if len(parts) > 3 else 1.0
    if match := re.fullmatch(r"color\(srgb\s+(.*)\)", text):
        parts = re.findall(_NUMBER, match.group(1))
        r, g, b = (float(p) for p in parts[:3])
        return r, g, b, float(parts[3]) if len(parts) > 3 else 1.0
    raise ValueError(f"colour the test cannot read: {text!r}")


def _over(top: Rgba, below: Rgba) -> Rgba:
    """Source-over compositing of straight-alpha colours."""
    alpha = top[3] + below[3] * (1 - top[3])
    if alpha == 0:
        return 0.0, 0.0, 0.0, 0.0
    mixed = [(t * top[3] + b * below[3] * (1 - top[3])) / alpha for t, b in zip(top[:3], below[:3], strict=True)]
    return mixed[0], mixed[1], mixed[2], alpha


def paint(layers: list[dict], text: Rgba | None) -> tuple[float, float, float]:
    """The pixel the screen shows where ``text`` (or, with None, no text) is drawn over ``layers``.

    Each element paints its background under its content; an opacity below 1 fades the element with
    everything inside it over what lies beneath. With no background on <html>, <body>'s paints the canvas
    (and not <body> again); with neither, the canvas is white.
    """
    backgrounds = [parse_colour(layer["background"]) for layer in layers]
    canvas: Rgba = (1.0, 1.0, 1.0, 1.0)
    if backgrounds[0][3] > 0:
        canvas, backgrounds[0] = backgrounds[0], (0.0, 0.0, 0.0, 0.0)
    elif len(backgrounds) > 1 and backgrounds[1][3] > 0:
        canvas, backgrounds[1] = backgrounds[1], (0.0, 0.0, 0.0, 0.0)
    content: Rgba = text or (0.0, 0.0, 0.0, 0.0)
    for layer, background in zip(reversed(layers), reversed(backgrounds), strict=True):
        content = _over(content, background)
        content = (*content[:3], content[3] * float(layer["opacity"]))
    final = _over(content, _over(canvas, (1.0, 1.0, 1.0, 1.0)))
    return final[0], final[1], final[2]


def luminance(rgb: tuple[float, float, float]) -> float:
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def ratio(fg: tuple[float, float, float], bg: tuple[float, float, float]) -> float:
    """The WCAG 2.1 contrast ratio of two opaque colours."""
    high, low = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@dataclass(frozen=True)
class Measured:
    path: str
    text: str
    ratio: float
    problem: str = ""  # set when the pixels cannot be computed from colours alone
    inactive: bool = False  # inside a disabled control: WCAG 1.4.3 sets no minimum for it

    def __str__(self) -> str:
        what = self.problem or f"{self.ratio:.2f}:1"
        return f"{self.path} {self.text!r}: {what}"


def _unknowable(layers: list[dict]) -> str:
    for layer in layers:
        if layer["image"] != "none":
            return f"background-image on <{layer['tag']}> ({layer['image'][:40]}): contrast not computable"
        if layer["filter"] != "none" or layer["blend"] != "normal":
            return f"filter/blend on <{layer['tag']}> ({layer['filter']}, {layer['blend']}) changes the colours"
    return ""


def measure(page) -> list[Measured]:
    """Every visible text on the page with its contrast ratio against what is really behind it."""
    found = []
    for item in page.evaluate(TEXTS):
        colour = parse_colour(item["color"])
        fg, bg = paint(item["layers"], colour), paint(item["layers"], None)
        found.append(Measured(item["path"], item["text"], ratio(fg, bg), _unknowable(item["layers"]),
                              item["inactive"]))
    return found


def failures(measured: list[Measured], state: str) -> list[str]:
    """``state: element 'text': ratio`` for each text under AA or whose pixels are not computable."""
    return [f"{state}: {m}" for m in measured if not m.inactive and (m.problem or m.ratio < AA)]


def assert_contrast(page, state: str) -> list[Measured]:
    """Fail naming each text under AA (element path, text, ratio) or whose pixels are not computable."""
    measured = measure(page)
    assert measured, f"{state}: no visible text found (the walk would pass vacuously)"
    failed = failures(measured, state)
    assert not failed, "text under WCAG AA 4.5:1:\n" + "\n".join(failed)
    return measured


# Every visible text node outside lane data (plates, names) and engine text, as the officer sees it.
VISIBLE_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.textContent.trim();
    const parent = node.parentElement;
    if (!text || parent.closest('[data-source]') || parent.closest('option') || !parent.checkVisibility()) continue;
    out.push(text);
  }
  for (const el of document.querySelectorAll('input[placeholder]')) if (el.checkVisibility()) out.push(el.placeholder);
  for (const el of document.querySelectorAll('select')) {
    if (el.checkVisibility() && el.selectedOptions[0]) out.push(el.selectedOptions[0].text.trim());
  }
  return out;
}"""


def english_only() -> set[str]:
    """The English catalog texts that Spanish says differently (so seeing one on a Spanish screen is a gap)."""
    english, spanish = catalog("en"), catalog("es")
    same = set(spanish.values())
    return {text for key, text in english.items() if text != spanish[key] and text not in same}


def assert_no_english(page, state: str) -> list[str]:
    """Fail naming each English catalog string on a screen that is meant to be Spanish."""
    assert page.evaluate("document.documentElement.lang") == "es", f"{state}: the page is not in Spanish"
    shown = page.evaluate(VISIBLE_TEXT)
    english = english_only()
    left = [text for text in shown if text in english]
    assert not left, f"{state}: English on the Spanish screen: {left}"
    return shown


def screen_is_readable(page, state: str, language: str) -> None:
    """What a flow test checks at each screen it shows: WCAG AA on every text, and Spanish all through."""
    assert_contrast(page, f"{state} ({language})")
    if language == "es":
        assert_no_english(page, state)
