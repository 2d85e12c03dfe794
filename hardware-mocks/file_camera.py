"""Mock file-source camera: keeps the current image in a file (atomically replaced)."""

from __future__ import annotations

import os
from pathlib import Path

from garita.hardware_mocks.camera_frames import ImageSource, background_jpeg, to_jpeg


class FileCamera:
    """Writes the current image as JPEG to ``path``; readers never see a half-written file."""

    def __init__(self, path: Path) -> None:
        """Remember the target path; nothing is written until ``show``."""
        self.path = Path(path)

    @property
    def endpoint(self) -> str:
        """The file path."""
        return str(self.path)

    def show(self, image: ImageSource) -> None:
        """Replace the file with ``image``."""
        self._write(to_jpeg(image))

    def show_background(self) -> None:
        """Replace the file with the empty lane."""
        self._write(background_jpeg())

    def _write(self, jpeg: bytes) -> None:
        """Write to a temporary file and rename it over the target."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        tmp.write_bytes(jpeg)
        os.replace(tmp, self.path)
