"""Event log lines for the sync package, in the lane's one-line-per-event convention.

The station's formatter renders ``record.garita_fields`` as key=value (or JSON); sync writes the
same attribute rather than importing the station's helper, so the dependency stays one-way.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("garita.sync")


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log ``event`` with structured fields (the station's formatter prints them)."""
    log.log(level, event, extra={"garita_fields": fields})
