"""Makes a clean rendered plate look photographed at a lane: pose, framing, light, blur, dirt, JPEG."""

from __future__ import annotations

import random

import cv2
import numpy as np


def _perspective(img: np.ndarray, rng: random.Random) -> np.ndarray:
    """Corners jittered (a plate seen off-axis), then cropped loosely or tightly like a detector's box."""
    h, w = img.shape[:2]
    pad = int(max(h, w) * 0.25)
    big = cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=_surround(img, rng))
    src = np.float32([[pad, pad], [pad + w, pad], [pad + w, pad + h], [pad, pad + h]])
    j = 0.07
    dst = src + np.float32([[rng.uniform(-j, j) * w, rng.uniform(-j, j) * h] for _ in range(4)])
    warped = cv2.warpPerspective(big, cv2.getPerspectiveTransform(src, dst), big.shape[1::-1],
                                 borderMode=cv2.BORDER_REPLICATE)
    x0, y0 = dst[:, 0].min(), dst[:, 1].min()
    x1, y1 = dst[:, 0].max(), dst[:, 1].max()
    mx, my = (x1 - x0) * rng.uniform(-0.03, 0.12), (y1 - y0) * rng.uniform(-0.03, 0.25)
    left, top = int(max(0, x0 - mx * rng.uniform(0.5, 1.5))), int(max(0, y0 - my * rng.uniform(0.5, 1.5)))
    right = int(min(big.shape[1], x1 + mx * rng.uniform(0.5, 1.5)))
    bottom = int(min(big.shape[0], y1 + my * rng.uniform(0.5, 1.5)))
    return warped[top:bottom, left:right]


def _surround(img: np.ndarray, rng: random.Random) -> tuple[int, int, int]:
    """What lies around a plate: a bumper, a dealer frame, a car body."""
    if rng.random() < 0.4:
        return (rng.randint(0, 60),) * 3
    return tuple(rng.randint(0, 255) for _ in range(3))


def _light(img: np.ndarray, rng: random.Random) -> np.ndarray:
    out = img.astype(np.float32)
    out = out * rng.uniform(0.5, 1.3) + rng.uniform(-40, 40)
    h, w = out.shape[:2]
    if rng.random() < 0.25:  # glare: a bright elliptical patch
        yy, xx = np.mgrid[0:h, 0:w]
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.2, 0.6) * w
        out += rng.uniform(80, 200) * np.exp(-(((xx - cx) ** 2 + ((yy - cy) * 2) ** 2) / (r * r)))[..., None]
    if rng.random() < 0.2:  # shadow across part of the plate
        cut = rng.randint(0, w)
        out[:, :cut] *= rng.uniform(0.4, 0.8)
    if rng.random() < 0.15:  # night: dark with sensor noise
        out = out * rng.uniform(0.2, 0.45) + np.random.default_rng(rng.randrange(1 << 30)).normal(0, 8, out.shape)
    return np.clip(out, 0, 255).astype(np.uint8)


def _infrared(img: np.ndarray, rng: random.Random) -> np.ndarray:
    """An IR camera's look: grey, high contrast, sometimes tinted green as on many lane cameras."""
    gray = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    gray = np.clip((gray - gray.mean()) * rng.uniform(1.2, 2.0) + gray.mean(), 0, 255)
    tint = (rng.uniform(0.5, 0.8), 1.0, rng.uniform(0.5, 0.8)) if rng.random() < 0.5 else (1.0, 1.0, 1.0)
    return np.clip(gray[..., None] * np.float32(tint), 0, 255).astype(np.uint8)


def _dirt(img: np.ndarray, rng: random.Random) -> np.ndarray:
    h, w = img.shape[:2]
    mask = np.zeros((h, w), np.float32)
    for _ in range(rng.randint(1, 6)):
        centre, radius = (rng.randint(0, w), rng.randint(0, h)), rng.randint(2, max(3, h // 5))
        cv2.circle(mask, centre, radius, rng.uniform(0.3, 0.8), -1)
    mask = cv2.GaussianBlur(mask, (0, 0), 2)[..., None]
    return (img * (1 - mask) + np.float32([70, 60, 45]) * mask).astype(np.uint8)


def _blur_and_scale(img: np.ndarray, rng: random.Random) -> np.ndarray:
    h, w = img.shape[:2]
    target_h = rng.uniform(14, 70)  # plate height in a lane photo
    if target_h < h:
        small = cv2.resize(img, (max(8, int(w * target_h / h)), max(6, int(target_h))), interpolation=cv2.INTER_AREA)
        img = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR) if rng.random() < 0.5 else small
    if rng.random() < 0.3:
        k = rng.choice((3, 5))
        kernel = np.zeros((k, k), np.float32)
        kernel[k // 2, :] = 1.0 / k  # horizontal motion blur (the vehicle moves)
        img = cv2.filter2D(img, -1, kernel)
    elif rng.random() < 0.4:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.3))
    return img


def photograph(plate_rgb: np.ndarray, rng: random.Random) -> np.ndarray:
    """A rendered RGB plate made to look like a lane camera's crop of it (BGR uint8)."""
    img = _perspective(plate_rgb, rng)
    if rng.random() < 0.25:
        img = _dirt(img, rng)
    img = _infrared(img, rng) if rng.random() < 0.15 else _light(img, rng)
    img = _blur_and_scale(img, rng)
    bgr = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(25, 92)])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else bgr
