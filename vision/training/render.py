"""Synthetic plates: a series' serial drawn with a Debian font on the plate's colours and layout.

Returns a clean, tightly framed RGB plate; `augment.py` then makes it look photographed.
"""

from __future__ import annotations

import random

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from garita.vision.training.fonts import plate_fonts
from garita.vision.training.series import Series, label, serial

EU_BLUE = (0, 51, 153)
STAR_YELLOW = (255, 204, 0)


def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, max(6, size))


def _text_layer(text: str, font_path: str, height: int, ink: tuple[int, int, int], rng: random.Random) -> Image.Image:
    """The text alone on a transparent layer, `height` px tall, letters spaced and squeezed at random."""
    font = _font(font_path, int(height * 1.25))
    spacing = rng.uniform(-0.02, 0.18) * height
    glyphs = [(ch, font.getbbox(ch)) for ch in text]
    width = int(sum((b[2] - b[0]) if ch != " " else height * 0.35 for ch, b in glyphs) + spacing * len(text)) + 4
    top = min(b[1] for ch, b in glyphs if ch != " ") if text.strip() else 0
    bottom = max(b[3] for ch, b in glyphs if ch != " ") if text.strip() else height
    layer = Image.new("RGBA", (max(width, 4), max(bottom - top, 4) + 4), (0, 0, 0, 0))
    draw, x = ImageDraw.Draw(layer), 2.0
    for ch, box in glyphs:
        if ch == " ":
            x += height * 0.35 + spacing
            continue
        draw.text((x - box[0], 2 - top), ch, font=font, fill=(*ink, 255))
        x += box[2] - box[0] + spacing
    squeeze = rng.uniform(0.75, 1.1)
    return layer.resize((max(4, int(layer.width * squeeze * height / layer.height)), height))


def _paste_centred(canvas: Image.Image, layer: Image.Image, box: tuple[int, int, int, int]) -> None:
    """Fit `layer` inside `box` (x0, y0, x1, y1), shrinking it when wider, centred."""
    x0, y0, x1, y1 = box
    if layer.width > x1 - x0:
        layer = layer.resize((x1 - x0, max(4, int(layer.height * (x1 - x0) / layer.width))))
    canvas.alpha_composite(layer, (x0 + (x1 - x0 - layer.width) // 2, y0 + (y1 - y0 - layer.height) // 2))


def _small_text(canvas: Image.Image, text: str, band: tuple[int, int, int, int], ink, rng: random.Random) -> None:
    if text:
        height = max(5, int((band[3] - band[1]) * rng.uniform(0.55, 0.85)))
        _paste_centred(canvas, _text_layer(text, rng.choice(plate_fonts()), height, ink, rng), band)


def _background(series: Series, size: tuple[int, int], design: np.ndarray | None, rng: random.Random) -> Image.Image:
    w, h = size
    if design is not None:  # a real state design: its top and bottom strips kept, the serial area flattened
        img = Image.fromarray(design).convert("RGBA").resize(size)
        middle = np.asarray(img)[int(h * 0.3) : int(h * 0.75)]
        colour = tuple(int(v) for v in np.median(middle.reshape(-1, 4), axis=0)[:3])
        ImageDraw.Draw(img).rectangle((0, int(h * 0.27), w, int(h * 0.78)), fill=(*colour, 255))
        return img
    base = np.array(series.background, dtype=np.float32) * rng.uniform(0.85, 1.05)
    ramp = np.linspace(rng.uniform(0.9, 1.05), rng.uniform(0.9, 1.05), h)[:, None, None]
    pixels = np.clip(base[None, None, :] * ramp * np.ones((h, w, 1)), 0, 255).astype(np.uint8)
    return Image.fromarray(pixels).convert("RGBA")


def _band(canvas: Image.Image, code: str, rng: random.Random) -> int:
    """The blue country band at the left; returns its width. Its code is printed, never labelled."""
    h = canvas.size[1]
    band_w = int(h * rng.uniform(0.38, 0.45))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, band_w, h), fill=(*EU_BLUE, 255))
    cx, cy, r = band_w / 2, h * 0.32, h * 0.18
    for k in range(12):
        a = k * np.pi / 6
        x, y = cx + r * np.cos(a), cy + r * np.sin(a)
        draw.ellipse((x - 1.5, y - 1.5, x + 1.5, y + 1.5), fill=(*STAR_YELLOW, 255))
    _small_text(canvas, code, (2, int(h * 0.58), band_w - 2, int(h * 0.95)), (255, 255, 255), rng)
    return band_w


def _bolts_and_border(canvas: Image.Image, ink, rng: random.Random) -> None:
    w, h = canvas.size
    draw = ImageDraw.Draw(canvas)
    if rng.random() < 0.6:
        inset = rng.randint(2, 5)
        draw.rounded_rectangle((inset, inset, w - inset, h - inset), radius=inset * 2, outline=(*ink, 255),
                               width=rng.randint(1, 3))
    if rng.random() < 0.6:
        r = max(2, int(h * 0.04))
        for fx in (0.22, 0.78):
            for fy in (0.1, 0.9) if rng.random() < 0.5 else (0.1,):
                x, y = w * fx, h * fy
                draw.ellipse((x - r, y - r, x + r, y + r), fill=(150, 150, 150, 255), outline=(60, 60, 60, 255))


def render_plate(
    series: Series, rng: random.Random, design: np.ndarray | None = None
) -> tuple[np.ndarray, str, bool]:
    """One clean plate (RGB uint8, tightly framed), its label, and whether it has two lines."""
    printed = serial(rng.choice(series.templates), rng)
    width = rng.randint(220, 320)
    height = int(width / (series.aspect * rng.uniform(0.93, 1.07)))
    canvas = _background(series, (width, height), design, rng)
    ink = rng.choice((series.ink, *series.extra_inks))
    left = _band(canvas, series.band, rng) if series.band else 0
    lines = printed.split("|")
    top_h = int(height * (0.2 if series.top else 0.1))
    bottom_h = int(height * (0.18 if series.bottom else 0.1))
    if design is None and series.top:
        _small_text(canvas, rng.choice(series.top), (left + 4, 2, width - 4, top_h), ink, rng)
    if design is None and series.bottom:
        _small_text(canvas, rng.choice(series.bottom), (left + 4, height - bottom_h, width - 4, height - 2), ink, rng)
    area_h = (height - top_h - bottom_h) / len(lines)
    font_path = rng.choice(plate_fonts())
    for i, line in enumerate(lines):
        y0 = int(top_h + i * area_h)
        text_h = int(area_h * rng.uniform(0.72, 0.92))
        layer = _text_layer(line.replace("|", ""), font_path, text_h, ink, rng)
        _paste_centred(canvas, layer, (left + int(width * 0.04), y0, width - int(width * 0.04), int(y0 + area_h)))
    _bolts_and_border(canvas, ink, rng)
    return np.asarray(canvas.convert("RGB")), label(printed), len(lines) > 1
