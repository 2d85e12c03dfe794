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
    if sum(c != g.char for (c, _), g in zip(best, chars, strict=True)) > min(MAX_CORRECTIONS, plate_format.rewrites):
        return []
    found = [_candidate(best, plate_format, chars if penalise else ())]
    for i, options in enumerate(per_slot if plate_format.rewrites else ()):  # an alternate is a rewrite too
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


def _windows(chars: Sequence[CharGuess]) -> list[tuple[int, int]]:
    """(front, back): the line itself and the line with up to MAX_DROP edge characters removed."""
    return [(front, back) for front in range(MAX_DROP + 1) for back in range(MAX_DROP + 1 - front)
            if len(chars) - front - back >= min(GENERIC_LENGTHS)]


def _reads_as(guesses: Sequence[CharGuess], code: str) -> bool:
    """Whether the characters could be the code: each its reading, an alternative, or a confusion partner."""
    return len(guesses) == len(code) and all(
        g.prob(c) > 0 or c in CONFUSIONS.get(g.char, "") for g, c in zip(guesses, code, strict=True))


def _band_front(chars: Sequence[CharGuess], front: int, plate_format: PlateFormat) -> bool:
    """Whether the first `front` characters read as one of the format's country band codes."""
    return front > 0 and any(_reads_as(chars[:front], code) for code in plate_format.bands)


def _generic(chars: Sequence[CharGuess], us: bool) -> Candidate | None:
    """Reading outside every grammar; on US plates O and 0 share one glyph, so report 0."""
    if len(chars) not in GENERIC_LENGTHS:
        return None
    picked = [("0" if us and g.char == "O" else g.char, g.conf) for g in chars]
    return _candidate(picked, None)


def plate_candidates(chars: Sequence[CharGuess], regions: tuple[str, ...], limit: int = 10) -> list[Candidate]:
    """Ranked candidates for one line, deduplicated by text; lines far longer than a plate give none.

    Edge characters (a frame, a bolt) may be dropped at DROP_PENALTY each, except a country band's code in front
    of a serial that fits that country's series exactly: it is dropped for nothing, and every reading that keeps
    it pays the penalty instead (the band is printed on the plate but is never part of the registration)."""
    if len(chars) > MAX_LINE:
        return []
    formats = formats_for(regions)
    scored: list[tuple[int, Candidate]] = []  # (characters dropped in front, candidate)
    banded = 0  # front characters that read as a band code before a serial fitting the band's series
    whole = "".join(g.char for g in chars)
    strippable = not any(matches(whole, f) for f in formats)  # a read that fits a series whole keeps its front
    for front, back in _windows(chars):
        window = chars[front : len(chars) - back]
        as_read = "".join(g.char for g in window)
        # a read that fits a series as read is not rewritten into another at full weight; a broad series (one
        # that rewrites nothing: nearly every letters-then-digits read fits it) is no such evidence
        exact = any(matches(as_read, f) for f in formats if f.rewrites)
        for plate_format in formats:
            band = strippable and not back and _band_front(chars, front, plate_format)
            banded = front if band and matches(as_read, plate_format) else banded
            penalty = 1.0 if band else DROP_PENALTY ** (front + back)
            scored += [(front, replace(c, confidence=c.confidence * penalty))
                       for c in fit_format(window, plate_format, penalise=exact)]
        generic = _generic(window, "us" in regions)
        if generic:
            scored.append((front, replace(generic, confidence=generic.confidence * DROP_PENALTY ** (front + back))))
    kept = [c if front >= banded else replace(c, confidence=c.confidence * DROP_PENALTY) for front, c in scored]
    return strongest_by_text(kept)[:limit]
