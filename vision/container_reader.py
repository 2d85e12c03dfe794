"""Assemble container codes from a frame's text: horizontal rows, upside-down roofs and vertical columns."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from garita.vision.container_code import code_candidates, find_size_type
from garita.vision.reads import Candidate, ContainerRead
from garita.vision.text_detector import TextBox
from garita.vision.text_recognizer import CharGuess


@dataclass(frozen=True)
class Token:
    """A recognised piece of text with its box; vertical tokens read top to bottom."""

    chars: tuple[CharGuess, ...]
    box: TextBox
    vertical: bool

    @property
    def text(self) -> str:
        """Best characters."""
        return "".join(c.char for c in self.chars)


def _same_row(a: TextBox, b: TextBox) -> bool:
    """Two horizontal pieces of one printed line: aligned centres, similar heights, a short gap."""
    (ax, ay), (bx, by) = a.center, b.center
    h = max(a.height, b.height)
    similar = min(a.height, b.height) / h > 0.6
    return similar and abs(ay - by) < 0.5 * h and abs(ax - bx) < (a.width + b.width) / 2 + 3 * h


def _same_column(a: TextBox, b: TextBox) -> bool:
    """Two vertical pieces of one column: aligned x, similar widths, a short vertical gap."""
    (ax, ay), (bx, by) = a.center, b.center
    w = max(a.width, b.width)
    return abs(ax - bx) < 0.7 * w and abs(ay - by) < (a.height + b.height) / 2 + 3 * w


def _chains(tokens: list[Token], linked, key) -> list[list[Token]]:
    """Join tokens into ordered chains (rows or columns) by single-link grouping."""
    groups: list[list[Token]] = []
    for token in sorted(tokens, key=key):
        home = next((g for g in groups if any(linked(t.box, token.box) for t in g)), None)
        if home is None:
            groups.append([token])
        else:
            home.append(token)
    return [sorted(g, key=key) for g in groups]


def _sequences(tokens: list[Token]) -> list[tuple[tuple[CharGuess, ...], list[Token]]]:
    """Character sequences to search: each token, each row or column, and each pair of stacked rows."""
    rows = _chains([t for t in tokens if not t.vertical], _same_row, lambda t: t.box.center[0])
    cols = _chains([t for t in tokens if t.vertical], _same_column, lambda t: t.box.center[1])
    seqs = [(t.chars, [t]) for t in tokens]
    seqs += [(tuple(c for t in g for c in t.chars), g) for g in rows + cols if len(g) > 1]
    rows.sort(key=lambda g: g[0].box.center[1])
    for upper, lower in itertools.pairwise(rows):  # codes split over two lines
        if abs(lower[0].box.center[1] - upper[0].box.center[1]) < 2.5 * upper[0].box.height:
            seqs.append((tuple(c for t in upper + lower for c in t.chars), upper + lower))
    return seqs


def _union_box(tokens: list[Token]) -> tuple[tuple[float, float], ...]:
    """Axis-aligned box around the tokens that produced a code."""
    return TextBox.around([t.box for t in tokens], 0.0).corners


def assemble_codes(tokens: list[Token], limit: int = 5) -> list[ContainerRead]:
    """Container reads in a frame, one per distinct best code, strongest first."""
    size_type = find_size_type([t.text for t in tokens])
    found: dict[str, tuple[list[Candidate], list[Token]]] = {}
    for chars, source in _sequences(tokens):
        cands = code_candidates(chars)
        if cands and (cands[0].text not in found or found[cands[0].text][0][0].confidence < cands[0].confidence):
            found[cands[0].text] = (cands[:limit], source)
    reads = [
        ContainerRead(tuple(c), _union_box(src), c[0].format is not None and c[0].format.startswith("iso"), size_type)
        for c, src in found.values()
    ]
    return sorted(reads, key=lambda r: (-r.check_digit_valid, -r.confidence))
