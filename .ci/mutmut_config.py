"""mutmut 2 hook for .ci/mutation (copied into the work tree): run only part of a module's mutants.

MUTATION_LINES="34-60,100-120" tests only the mutants on those lines (1-based, inclusive), so a slow
module can be split into regions run one after another or side by side in separate copies.
MUTATION_ONLY="line:index ..." (from an earlier run's cache) re-tests just those mutants.
"""

from __future__ import annotations

import os


def _regions(text: str) -> list[tuple[int, int]]:
    regions = []
    for part in text.replace(" ", "").split(","):
        first, _, last = part.partition("-")
        regions.append((int(first), int(last or first)))
    return regions


def pre_mutation(context: object) -> None:  # mutmut's Context
    mutation = context.mutation_id  # type: ignore[attr-defined]
    line = mutation.line_number + 1  # mutmut counts lines from 0
    lines = os.environ.get("MUTATION_LINES")
    if lines and not any(first <= line <= last for first, last in _regions(lines)):
        context.skip = True  # type: ignore[attr-defined]
    only = os.environ.get("MUTATION_ONLY")
    if only and f"{line}:{mutation.index}" not in only.split():
        context.skip = True  # type: ignore[attr-defined]
