"""Random compliance selection: a cryptographic draw per crossing, recorded so it can be audited."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from typing import Any

SCALE = 1_000_000


@dataclass(frozen=True)
class Sample:
    """The draw (0..SCALE-1) and the rate in force; selected when draw < rate * SCALE."""

    rate: float
    draw: int

    @property
    def selected(self) -> bool:
        return self.draw < round(self.rate * SCALE)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "selected": self.selected}


def draw(rate: float) -> Sample:
    """One unpredictable draw (``secrets``, not ``random``: a seeded generator could be predicted)."""
    return Sample(rate, secrets.randbelow(SCALE))


def from_dict(data: dict[str, Any] | None) -> Sample | None:
    """A draw kept with an earlier assessment of the same crossing (re-drawing per read would raise the odds)."""
    if not data:
        return None
    return Sample(float(data["rate"]), int(data["draw"]))
