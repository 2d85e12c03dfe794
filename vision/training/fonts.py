"""Plate-like fonts from Debian packages (fonts-dejavu-core, fonts-liberation, fonts-urw-base35)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

# Condensed bold sans faces look most like plate lettering; a few wider ones add variety.
CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSansNarrow-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSansNarrow-Regular.ttf",
    "/usr/share/fonts/opentype/urw-base35/NimbusSansNarrow-Bold.otf",
    "/usr/share/fonts/opentype/urw-base35/NimbusSansNarrow-Regular.otf",
    "/usr/share/fonts/opentype/urw-base35/NimbusSans-Bold.otf",
    "/usr/share/fonts/opentype/urw-base35/NimbusMonoPS-Bold.otf",
)


@lru_cache(maxsize=1)
def plate_fonts() -> tuple[str, ...]:
    """The candidate fonts installed here; an error naming the packages when there are none."""
    found = tuple(path for path in CANDIDATES if Path(path).is_file())
    if not found:
        raise RuntimeError("no plate fonts: apt-get install fonts-dejavu-core fonts-liberation fonts-urw-base35")
    return found
