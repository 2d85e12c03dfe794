"""Fuse the reads of one crossing (many frames, several cameras) by confidence-weighted character voting."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from garita.vision.iso6346 import is_strong, is_valid
from garita.vision.reads import Candidate, ContainerRead, FusedRead, PlateRead

FORMAT_BONUS = 1.5  # a read that fits a grammar (or passes the check digit) counts for more


def _weight(candidate: Candidate) -> float:
    """Voting weight of one read."""
    return candidate.confidence * (FORMAT_BONUS if candidate.format else 1.0)


def fuse_candidates(reads: Sequence[Candidate]) -> FusedRead | None:
    """Vote per character among reads of the most supported length; None when there is nothing to fuse."""
    reads = [r for r in reads if r.text]
    if not reads:
        return None
    by_length: dict[int, float] = defaultdict(float)
    for read in reads:
        by_length[len(read.text)] += _weight(read)
    length = max(by_length, key=lambda n: (by_length[n], n))
    voters = [r for r in reads if len(r.text) == length]
    chars, confs = [], []
    for i in range(length):
        votes: dict[str, float] = defaultdict(float)
        for read in voters:
            char_conf = read.char_confidences[i] if i < len(read.char_confidences) else read.confidence
            # Character confidence alone (not times the read's): one over-confident frame must not outvote two.
            votes[read.text[i]] += (FORMAT_BONUS if read.format else 1.0) * max(char_conf, 1e-3)
        winner = max(votes, key=lambda c: (votes[c], c))
        chars.append(winner)
        confs.append(votes[winner] / sum(votes.values()))
    text = "".join(chars)
    support = sum(r.text == text for r in reads)
    agreement = sum(_weight(r) for r in voters) / sum(_weight(r) for r in reads)
    confidence = min(confs) * agreement
    ranked = sorted({r.text: r for r in reads}.values(), key=lambda r: -_weight(r))
    return FusedRead(text, confidence, tuple(confs), support, tuple(r for r in ranked if r.text != text)[:5])


def fuse_plates(reads: Sequence[PlateRead]) -> FusedRead | None:
    """One plate answer from the best candidate of each frame's most plate-like read."""
    return fuse_candidates([r.candidates[0] for r in reads if r.candidates])


def _close(a: str, b: str) -> bool:
    """Same container, allowing up to two misread characters."""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) <= 2


def fuse_containers(reads: Sequence[ContainerRead]) -> list[FusedRead]:
    """One answer per distinct container seen in a crossing, check-digit-valid answers first."""
    clusters: list[list[Candidate]] = []
    for read in reads:
        best = read.candidates[0]
        home = next((c for c in clusters if _close(c[0].text, best.text)), None)
        if home is None:
            clusters.append([best])
        else:
            home.append(best)
    fused = [f for f in (fuse_candidates(c) for c in clusters) if f is not None]
    return sorted(fused, key=lambda f: (not is_valid(f.text), not is_strong(f.text), -f.support, -f.confidence))
