"""Read evaluation folders: plates (IMAGE + NAME.txt 'IMAGE X Y W H PLATE') and containers (labels.csv)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Sample:
    """One labelled image; group is set for container photos of one truck."""

    image: Path
    truth: str
    group: str | None = None


def plate_samples(folder: Path) -> list[Sample]:
    """Every image in folder with its plate label (first plate line of its .txt)."""
    samples = []
    for label in sorted(Path(folder).rglob("*.txt")):
        fields = label.read_text(encoding="utf-8", errors="replace").split()
        if len(fields) >= 6:
            samples.append(Sample(label.parent / fields[0], fields[5].upper()))
    return samples


def container_samples(folder: Path) -> list[Sample]:
    """Rows of folder/labels.csv (image, code[, group])."""
    with (Path(folder) / "labels.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [Sample(Path(folder) / r["image"], r["code"].strip().upper(), r.get("group") or None) for r in rows]
