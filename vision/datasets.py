"""Read evaluation folders: plates (IMAGE + NAME.txt 'IMAGE X Y W H PLATE') and containers (labels.csv)."""

from __future__ import annotations

import csv
import io
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MAX_LABEL_BYTES = 1024 * 1024  # a label file or labels.csv is text; a huge one is a wrong file


@dataclass(frozen=True)
class Sample:
    """One labelled image; group is set for container photos of one truck."""

    image: Path
    truth: str
    group: str | None = None
    problem: str | None = None  # the label cannot be used (names a path outside the folder)


def inside(folder: Path, name: str) -> Path | None:
    """``folder/name`` when the label's path stays inside the folder (no absolute path, no ``..``)."""
    relative = PurePosixPath(name.replace("\\", "/"))
    if not name or relative.is_absolute() or ".." in relative.parts:
        return None
    return folder / relative


def read_label(path: Path) -> str:
    """A label file's text: a regular file, size checked before reading (never /dev/zero)."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_LABEL_BYTES:
        raise ValueError(f"{path} is not a label file (not a regular file, or over {MAX_LABEL_BYTES} bytes)")
    with path.open("rb") as handle:
        return handle.read(MAX_LABEL_BYTES).decode("utf-8", errors="replace")


def _sample(folder: Path, name: str, truth: str, group: str | None = None) -> Sample:
    image = inside(folder, name)
    if image is None:
        problem = f"label names a path outside the folder: {name!r}"
        return Sample(folder / PurePosixPath(name).name, truth, group, problem)
    return Sample(image, truth, group)


def plate_samples(folder: Path) -> list[Sample]:
    """Every image in folder with its plate label (first plate line of its .txt)."""
    samples = []
    for label in sorted(Path(folder).rglob("*.txt")):
        try:
            fields = read_label(label).split()
        except (OSError, ValueError) as exc:
            samples.append(Sample(label, "", problem=str(exc)))
            continue
        if len(fields) >= 6:
            samples.append(_sample(label.parent, fields[0], fields[5].upper()))
    return samples


def container_samples(folder: Path) -> list[Sample]:
    """Rows of folder/labels.csv (image, code[, group])."""
    rows = list(csv.DictReader(io.StringIO(read_label(Path(folder) / "labels.csv"), newline="")))
    return [_sample(Path(folder), r["image"], r["code"].strip().upper(), r.get("group") or None) for r in rows]
