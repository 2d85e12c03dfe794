"""Synthetic lane scenes drawn with OpenCV (no real photos in the repo); BGR uint8 arrays.

Every function is deterministic for its arguments (``seed`` drives colours and noise).
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

Image = np.ndarray
FONT = cv2.FONT_HERSHEY_DUPLEX
BLACK, WHITE = (0, 0, 0), (255, 255, 255)
BODY_COLOURS = [(40, 40, 160), (150, 90, 30), (200, 200, 200), (30, 30, 30), (60, 120, 60)]


def _noise(img: Image, seed: int, amount: int = 6) -> Image:
    """Add mild sensor noise so the image is not perfectly flat (and JPEG looks natural)."""
    rng = np.random.default_rng(seed)
    noise = rng.integers(-amount, amount + 1, img.shape, dtype=np.int16)
    return np.clip(img.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def fit_text(text: str, max_w: int, max_h: int, thickness: int, font: int = FONT) -> float:
    """Largest font scale at which ``text`` fits in max_w x max_h pixels."""
    (w, h), _ = cv2.getTextSize(text, font, 1.0, thickness)
    return max(0.1, min(max_w / max(w, 1), max_h / max(h, 1)))


def put_centered(
    img: Image,
    text: str,
    box: tuple[int, int, int, int],
    thickness: int,
    colour: tuple[int, int, int] = BLACK,
) -> None:
    """Draw ``text`` as large as fits, centred in box (x, y, w, h)."""
    x, y, w, h = box
    scale = fit_text(text, w, h, thickness)
    (tw, th), _ = cv2.getTextSize(text, FONT, scale, thickness)
    org = (x + (w - tw) // 2, y + (h + th) // 2)
    cv2.putText(img, text, org, FONT, scale, colour, thickness, cv2.LINE_AA)


def empty_lane(width: int = 1280, height: int = 720, seed: int = 0) -> Image:
    """An empty inspection lane: sky, grey road gradient, lane lines and a booth."""
    img = np.zeros((height, width, 3), np.uint8)
    horizon = int(height * 0.3)
    img[:horizon] = (220, 190, 150)  # pale sky (BGR)
    ramp = np.linspace(90, 150, height - horizon, dtype=np.uint8)  # road lighter nearby
    img[horizon:] = ramp[:, None, None]
    for x_far, x_near in ((0.35, 0.05), (0.65, 0.95)):  # solid lane edges in perspective
        p1 = (int(width * x_far), horizon)
        cv2.line(img, p1, (int(width * x_near), height), WHITE, 8, cv2.LINE_AA)
    for i in range(6):  # dashed centre line
        y0 = horizon + int((height - horizon) * i / 6)
        cv2.line(img, (width // 2, y0), (width // 2, y0 + (height - horizon) // 14), WHITE, 6)
    _booth(img, int(width * 0.8), horizon)
    return _noise(img, seed)


def _booth(img: Image, x: int, horizon: int) -> None:
    """Inspection booth at the right side of the lane."""
    h, w = img.shape[0], img.shape[1]
    top, bottom = horizon - h // 8, horizon + h // 4
    cv2.rectangle(img, (x, top), (w - 10, bottom), (180, 180, 170), -1)
    cv2.rectangle(img, (x - 15, top - 25), (w, top), (60, 60, 140), -1)  # roof
    cv2.rectangle(img, (x + 20, top + 30), (w - 40, top + 110), (120, 90, 60), -1)  # window


def plate_image(text: str, state: str = "", width: int = 360, height: int = 180) -> Image:
    """A white plate with a black border, the registration large and the state small."""
    plate = np.full((height, width, 3), 245, np.uint8)
    cv2.rectangle(plate, (3, 3), (width - 4, height - 4), BLACK, 4)
    if state:
        put_centered(plate, state.upper(), (20, 8, width - 40, height // 5), 2)
    put_centered(plate, text, (16, height // 4, width - 32, height * 3 // 5), 6)
    return plate


def container_side(
    code: str,
    size_type: str = "45G1",
    width: int = 1280,
    height: int = 560,
    two_lines: bool = False,
    seed: int = 0,
) -> Image:
    """A corrugated container side with its ISO 6346 code and size-type in large letters."""
    rng = np.random.default_rng(seed)
    colour = np.array(BODY_COLOURS[int(rng.integers(len(BODY_COLOURS)))], np.int16)
    img = np.empty((height, width, 3), np.uint8)
    ribs = (np.arange(width) // 24) % 2  # vertical corrugation: alternate light and shade
    img[:] = np.clip(colour[None, :] + np.where(ribs, 25, -25)[:, None], 0, 255)[None]
    cv2.rectangle(img, (0, 0), (width - 1, height - 1), (40, 40, 40), 10)
    board = (width // 2, height // 12, width // 2 - 30, height // 4)
    cv2.rectangle(img, board[:2], (board[0] + board[2], board[1] + board[3]), WHITE, -1)
    lines = [code[:4], f"{code[4:10]} {code[10:]}"] if two_lines else [_spaced(code)]
    step = board[3] // len(lines)
    for i, line in enumerate(lines):
        put_centered(img, line, (board[0] + 10, board[1] + i * step, board[2] - 20, step), 5)
    size_box = (board[0] + 10, board[1] + board[3] + 10, board[2] // 3, 60)
    put_centered(img, size_type, size_box, 4, WHITE)
    return _noise(img, seed)


def _spaced(code: str) -> str:
    """Print a container code the way it is painted: owner+category, serial, check digit."""
    return f"{code[:4]} {code[4:10]} {code[10:]}" if len(code) == 11 else code


def vehicle_with_plate(
    plate_text: str,
    kind: str = "car",
    seed: int = 0,
    state: str = "",
    containers: Sequence[str] = (),
    width: int = 1280,
    height: int = 720,
) -> Image:
    """A vehicle (front view) in the lane with a readable plate; trucks may carry containers."""
    rng = np.random.default_rng(seed)
    img = empty_lane(width, height, seed)
    colour = tuple(int(c) for c in BODY_COLOURS[int(rng.integers(len(BODY_COLOURS)))])
    tall = kind in ("truck", "bus")
    if containers:
        _containers_on_top(img, containers, seed)
    x0, x1 = int(width * 0.22), int(width * 0.78)
    y0, y1 = int(height * (0.3 if tall else 0.42)), int(height * 0.9)
    if kind == "motorcycle":
        x0, x1 = int(width * 0.42), int(width * 0.58)
    cv2.rectangle(img, (x0, y0), (x1, y1), colour, -1)
    cv2.rectangle(img, (x0 + 30, y0 + 20), (x1 - 30, y0 + (y1 - y0) // 3), (90, 70, 50), -1)
    for hx in (x0 + 40, x1 - 140):  # headlights
        cv2.rectangle(img, (hx, y1 - 170), (hx + 100, y1 - 130), (210, 240, 250), -1)
    plate = plate_image(plate_text, state)
    ph, pw = plate.shape[:2]
    px, py = (width - pw) // 2, y1 - ph - 20
    img[py : py + ph, px : px + pw] = plate
    return _noise(img, seed + 1, 3)


def _containers_on_top(img: Image, codes: Sequence[str], seed: int) -> None:
    """Paint the containers' sides behind the cab, side by side, codes visible."""
    h, w = img.shape[:2]
    slot = w // len(codes)
    for i, code in enumerate(codes):
        side = container_side(code, width=slot - 20, height=int(h * 0.42), seed=seed + i)
        img[10 : 10 + side.shape[0], i * slot + 10 : i * slot + 10 + side.shape[1]] = side
