"""Result types returned by the public API."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Candidate:
    """One reading of a plate or code: text, confidence 0-1, per-character confidences, grammar that fits."""

    text: str
    confidence: float
    char_confidences: tuple[float, ...]
    format: str | None = None


def strongest_by_text(candidates: Iterable[Candidate]) -> list[Candidate]:
    """One candidate per text, the most confident (the first of equals), best first."""
    best: dict[str, Candidate] = {}
    for cand in candidates:
        if cand.text not in best or best[cand.text].confidence < cand.confidence:
            best[cand.text] = cand
    return sorted(best.values(), key=lambda c: -c.confidence)


@dataclass(frozen=True)
class PlateRead:
    """One plate found in a frame: ranked candidates, best first, and its box (4 corner points x, y)."""

    candidates: tuple[Candidate, ...]
    box: tuple[tuple[float, float], ...]

    @property
    def text(self) -> str:
        """Best candidate's text."""
        return self.candidates[0].text

    @property
    def confidence(self) -> float:
        """Best candidate's confidence."""
        return self.candidates[0].confidence


@dataclass(frozen=True)
class ContainerRead:
    """One ISO 6346 code found in a frame, ranked candidates best first."""

    candidates: tuple[Candidate, ...]
    box: tuple[tuple[float, float], ...]
    check_digit_valid: bool
    size_type: str | None = None

    @property
    def text(self) -> str:
        """Best candidate's code (11 characters)."""
        return self.candidates[0].text

    @property
    def confidence(self) -> float:
        """Best candidate's confidence."""
        return self.candidates[0].confidence


@dataclass(frozen=True)
class FusedRead:
    """The answer for one crossing after voting over frames and cameras."""

    text: str
    confidence: float
    char_confidences: tuple[float, ...]
    support: int
    alternatives: tuple[Candidate, ...] = field(default_factory=tuple)
