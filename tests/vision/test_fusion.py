"""Fusing reads of one crossing: majorities win, one bad frame cannot."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from garita.vision.fusion import fuse_candidates, fuse_containers
from garita.vision.reads import Candidate, ContainerRead

plates = st.text(alphabet="ABCDEFGHJKLMNPRSTUVWXYZ0123456789", min_size=5, max_size=8)


def cand(text: str, conf: float = 0.9, fmt: str | None = "x") -> Candidate:
    return Candidate(text, conf, (conf,) * len(text), fmt)


@given(plates, st.lists(plates, max_size=3), st.integers(1, 3), st.floats(0.3, 1.0))
def test_majority_of_agreeing_reads_wins(truth: str, others: list[str], extra: int, conf: float) -> None:
    reads = [cand(truth, conf) for _ in range(len(others) + extra)] + [cand(o, conf) for o in others]
    fused = fuse_candidates(reads)
    assert fused is not None and fused.text == truth
    assert fused.support >= len(others) + extra


@given(plates, st.integers(0, 7), st.sampled_from("ABCDEFGH0123456789"))
def test_one_bad_frame_cannot_win(truth: str, pos: int, wrong: str) -> None:
    pos %= len(truth)
    bad = truth[:pos] + wrong + truth[pos + 1 :]
    fused = fuse_candidates([cand(truth, 0.6), cand(truth, 0.6), cand(bad, 0.99)])
    assert fused is not None and fused.text == truth


def test_character_level_vote_mends_different_errors() -> None:
    fused = fuse_candidates([cand("ABX1234"), cand("ABC1Z34"), cand("ABC12Y4")])
    assert fused is not None and fused.text == "ABC1234"
    assert fused.support == 0


def test_nothing_to_fuse() -> None:
    assert fuse_candidates([]) is None


def test_containers_fuse_per_container_valid_first() -> None:
    def read(text: str) -> ContainerRead:
        return ContainerRead((cand(text, 0.9, "iso6346"),), (), True)

    fused = fuse_containers([read("CSQU3054383"), read("CSQU3054388"), read("CSQU3054383"), read("MSCU6639870")])
    assert [f.text for f in fused] == ["CSQU3054383", "MSCU6639870"]


def test_eval_chooses_a_crossings_containers_without_the_labels() -> None:
    """Every check-digit-valid fused code is reported (a spurious third container costs the group), else the best."""
    from garita.vision.evaluate import _group_results, crossing_containers

    def read(text: str) -> ContainerRead:
        return ContainerRead((cand(text, 0.9, "iso6346"),), (), True)

    two = [read("CSQU3054383"), read("MSCU6639870"), read("CSQU3054383")]
    assert crossing_containers(two) == {"CSQU3054383", "MSCU6639870"}
    assert crossing_containers([read("CSQU3054388"), read("CSQU3054388")]) == {"CSQU3054388"}  # none valid
    spurious = [("CSQU3054383", [r]) for r in two[::2]] + [("CSQU3054383", [read("TGHU8847257")])]
    result = _group_results({"truck": spurious})
    assert result["groups"]["truck"]["fused"] == ["CSQU3054383", "TGHU8847257"]
    assert result["groups_exact"] == 0.0  # one true container, two reported: wrong, however they rank
