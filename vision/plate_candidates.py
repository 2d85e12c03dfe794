"""Turn one recognised text line into ranked plate candidates, using grammars as a prior."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from garita.vision.plate_grammar import (
    CONFUSIONS,
    GENERIC_LENGTHS,
    GENERIC_WEIGHT,
    SLOTS,
    PlateFormat,
    formats_for,
    matches,
)
from garita.vision.reads import Candidate, strongest_by_text
from garita.vision.text_recognizer import CharGuess

# A confusion-pair swap the model itself did not propose is worth this share of the read char's probability.
CONFUSION_FACTOR = 0.35
MAX_CORRECTIONS = 1
CORRECTION_PENALTY = 0.7  # when the read fits some grammar as it is, rewrites to another grammar must not outrank it
DROP_PENALTY = 0.75  # per edge character dropped (plate frames and bolts read as an extra 'I' or '1')
MAX_DROP = 2
MAX_LINE = 10  # longer lines are dates, phone numbers, slogans: a window of them is not a plate


def _slot_options(guess: CharGuess, allowed: str) -> list[tuple[str, float]]:
    """Characters this position may take in a slot, with the evidence for each, best first."""
    options = {c: p for c, p in guess.options if c in allowed}
    for partner in CONFUSIONS.get(guess.char, ""):
        if partner in allowed:
            options[partner] = max(options.get(partner, 0.0), guess.conf * CONFUSION_FACTOR)
    return sorted(options.items(), key=lambda item: -item[1])


def _geomean(values: Sequence[float]) -> float:
    """Geometric mean, 0 if any value is 0."""
    if not values or min(values) <= 0:
        return 0.0
    return math.exp(sum(math.log(v) for v in values) / len(values))


def fit_format(chars: Sequence[CharGuess], plate_format: PlateFormat, penalise: bool = False) -> list[Candidate]:
    """Best reading of chars under one format, plus one-swap alternates; penalise rewrites when asked."""
    if len(chars) != len(plate_format.template):
        return []
    per_slot = [_slot_options(g, SLOTS[s]) for g, s in zip(chars, plate_format.template, strict=True)]
    if any(not options for options in per_slot):
        return []
    best = [options[0] for options in per_slot]
    if sum(c != g.char for (c, _), g in zip(best, chars, strict=True)) > MAX_CORRECTIONS:
        return []
    found = [_candidate(best, plate_format, chars if penalise else ())]
    for i, options in enumerate(per_slot):
        for option in options[1:2]:
            found.append(_candidate([*best[:i], option, *best[i + 1 :]], plate_format, chars if penalise else ()))
    return found


def _candidate(
    picked: list[tuple[str, float]], plate_format: PlateFormat | None, chars: Sequence[CharGuess] = ()
) -> Candidate:
    """Build a candidate from picked (char, prob) pairs; each rewritten position costs CORRECTION_PENALTY."""
    probs = tuple(p for _, p in picked)
    weight = CORRECTION_PENALTY ** sum(c != g.char for (c, _), g in zip(picked, chars, strict=False))
    prior = plate_format.weight if plate_format else GENERIC_WEIGHT
    return Candidate(
        text="".join(c for c, _ in picked),
        confidence=prior * weight * _geomean(probs),
        char_confidences=probs,
        format=plate_format.name if plate_format else None,
    )


def _windows(chars: Sequence[CharGuess]) -> list[tuple[Sequence[CharGuess], float]]:
    """The line itself and the line with up to MAX_DROP edge characters removed, with their penalties."""
    windows = []
    for front in range(MAX_DROP + 1):
        for back in range(MAX_DROP + 1 - front):
            if len(chars) - front - back >= min(GENERIC_LENGTHS):
                windows.append((chars[front : len(chars) - back], DROP_PENALTY ** (front + back)))
    return windows


def _generic(chars: Sequence[CharGuess], us: bool) -> Candidate | None:
    """Reading outside every grammar; on US plates O and 0 share one glyph, so report 0."""
    if len(chars) not in GENERIC_LENGTHS:
        return None
    picked = [("0" if us and g.char == "O" else g.char, g.conf) for g in chars]
    return _candidate(picked, None)


def plate_candidates(chars: Sequence[CharGuess], regions: tuple[str, ...], limit: int = 10) -> list[Candidate]:
    """Ranked candidates for one line, deduplicated by text; lines far longer than a plate give none."""
    if len(chars) > MAX_LINE:
        return []
    formats = formats_for(regions)
    scored: list[Candidate] = []
    for window, penalty in _windows(chars):
        as_read = "".join(g.char for g in window)
        exact = any(matches(as_read, f) for f in formats)
        found = [c for f in formats for c in fit_format(window, f, penalise=exact)]
        generic = _generic(window, "us" in regions)
        found += [generic] if generic else []
        scored += [replace(c, confidence=c.confidence * penalty) for c in found]
    return strongest_by_text(scored)[:limit]
