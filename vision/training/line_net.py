"""The plate line recogniser: a small fully convolutional CTC network (no recurrence: fast, quantisable)."""

from __future__ import annotations

import torch
from torch import nn

from garita.vision.plate_line import CHARSET, HEIGHT, WIDTH


def _block(cin: int, cout: int, pool: tuple[int, int] | None) -> list[nn.Module]:
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]
    return layers + ([nn.MaxPool2d(pool)] if pool else [])


class PlateLineNet(nn.Module):
    """(N, 1, 32, 128) grey line -> (N, 32, classes) logits, one column per 4 input pixels."""

    def __init__(self, width: int = 1) -> None:
        super().__init__()
        c = [16 * width, 32 * width, 64 * width, 96 * width, 128 * width]
        self.features = nn.Sequential(
            *_block(1, c[0], (2, 2)),  # 16 x 64
            *_block(c[0], c[1], (2, 2)),  # 8 x 32
            *_block(c[1], c[2], None),
            *_block(c[2], c[2], (2, 1)),  # 4 x 32
            *_block(c[2], c[3], None),
            nn.Conv2d(c[3], c[4], (HEIGHT // 8, 1), bias=False),  # height folded: 1 x 32
            nn.BatchNorm2d(c[4]),
            nn.ReLU(),
        )
        self.context = nn.Sequential(  # a few characters of context each side, still convolutional
            nn.Conv1d(c[4], c[4], 5, padding=2), nn.ReLU(), nn.Dropout(0.1), nn.Conv1d(c[4], len(CHARSET) + 1, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.features(x).squeeze(2)  # (N, C, T)
        return self.context(features).permute(0, 2, 1)  # (N, T, classes)


def sequence_length() -> int:
    return WIDTH // 4
