"""Find ISO 6346 codes in recognised character sequences and rank them by check-digit evidence."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from garita.vision.iso6346 import CATEGORIES, is_strong, is_valid, repair_digit
from garita.vision.plate_grammar import CONFUSIONS, DIGITS, LETTERS
from garita.vision.reads import Candidate, strongest_by_text
from garita.vision.text_recognizer import CharGuess

SLOT_CLASSES = (LETTERS,) * 3 + (CATEGORIES,) + (DIGITS,) * 7
DOUBTFUL = 0.85  # a digit read below this probability may be the one position the check digit repairs
WEAK_CHECK = 0.6  # a check digit of 0 also stands for remainder 10: weaker evidence
INVALID = 0.15  # a code whose check digit fails is still reported, far down the list
# Slot rewrites (a digit read where a letter must be, or the reverse) allowed in one window. Rows of other
# print joined into 11 characters pass the check digit 1 time in 11 by chance; each rewrite lets more such
# garbage through (measured: a weight table joined as "ADGZ3501652", 4 rewrites plus a repaired digit,
# outranked the real code on the same door).
MAX_REWRITES = 2
SIZE_TYPE_RE = re.compile(r"[0-9L][0-9]([A-Z][0-9A-Z])")


def _pick(guess: CharGuess, allowed: str) -> tuple[str, float] | None:
    """Best character for a slot: the model's own option if allowed, else a known confusion partner."""
    for char, prob in guess.options:
        if char in allowed and prob >= 0.02:
            return char, prob
    partner = next((c for c in CONFUSIONS.get(guess.char, "") if c in allowed), None)
    return (partner, guess.conf * 0.5) if partner else None


def _score(probs: Sequence[float]) -> float:
    """Geometric mean of per-character probabilities."""
    return math.exp(sum(math.log(max(p, 1e-6)) for p in probs) / len(probs))


def window_candidates(window: Sequence[CharGuess]) -> list[Candidate]:
    """Candidates for one 11-character window: as read, or with one doubtful digit repaired."""
    picked = [_pick(g, allowed) for g, allowed in zip(window, SLOT_CLASSES, strict=True)]
    if any(p is None for p in picked):
        return []
    text = "".join(p[0] for p in picked if p)
    probs = tuple(p[1] for p in picked if p)
    rewrites = sum(char != guess.char for char, guess in zip(text, window, strict=True))
    if rewrites > MAX_REWRITES:
        return []
    if is_valid(text):
        return [Candidate(text, _score(probs) * (1.0 if is_strong(text) else WEAK_CHECK), probs, "iso6346")]
    found = [Candidate(text, _score(probs) * INVALID, probs, None)]
    doubtful = min(range(4, 11), key=lambda i: probs[i])
    # the repair is the one correction: never on top of a rewrite, never two, never a lone check-digit-0 repair
    fixes = repair_digit(text, doubtful) if probs[doubtful] < DOUBTFUL and not rewrites else []
    if len(fixes) == 1 and is_strong(fixes[0]):
        fixed = list(probs)
        fixed[doubtful] = window[doubtful].prob(fixes[0][doubtful]) or 0.05
        found.append(Candidate(fixes[0], _score(fixed) * 0.8, tuple(fixed), "iso6346-repaired"))
    return found


def code_candidates(chars: Sequence[CharGuess]) -> list[Candidate]:
    """All code candidates in a character sequence, best first, deduplicated by text."""
    windows = (chars[start : start + 11] for start in range(len(chars) - 10))
    return strongest_by_text(c for window in windows for c in window_candidates(window))


def find_size_type(texts: Sequence[str]) -> str | None:
    """A size-and-type code (e.g. 22G1, 45R1) among the frame's short texts, if any."""
    for text in texts:
        if len(text) == 4 and SIZE_TYPE_RE.fullmatch(text):
            return text
    return None
