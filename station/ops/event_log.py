"""One line per event, as key=value or JSON, to stdout (journald picks it up from there)."""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

_FIELDS = "garita_fields"


def _kv_value(value: Any) -> str:
    text = str(value)
    if text == "" or any(ch in text for ch in ' "=\n'):
        return json.dumps(text)
    return text


class EventFormatter(logging.Formatter):
    """Render ``log_event`` records as ``ts=.. level=.. event=.. key=value`` or a JSON object."""

    def __init__(self, style: str = "kv"):
        super().__init__()
        self.style_name = style

    def format(self, record: logging.LogRecord) -> str:
        fields = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
            **getattr(record, _FIELDS, {}),
        }
        if record.exc_info:
            fields["error"] = self.formatException(record.exc_info).splitlines()[-1]
        if self.style_name == "json":
            return json.dumps(fields, default=str)
        return " ".join(f"{key}={_kv_value(value)}" for key, value in fields.items())


# sd-daemon(3) priorities: journald files a line starting "<N>" at syslog level N.
_PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6, logging.DEBUG: 7}


class JournalFormatter(EventFormatter):
    """The same line, prefixed with its syslog priority for journald."""

    def format(self, record: logging.LogRecord) -> str:
        priority = next((p for level, p in _PRIORITY.items() if record.levelno >= level), 7)
        return f"<{priority}>{super().format(record)}"


def writes_to_journal(stream: TextIO, environ: dict[str, str] | None = None) -> bool:
    """True when ``stream`` is the journal's stream socket (JOURNAL_STREAM names its device:inode)."""
    expected = (os.environ if environ is None else environ).get("JOURNAL_STREAM", "")
    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (a test's StringIO)
        return False
    return expected == f"{info.st_dev}:{info.st_ino}"


def setup_logging(style: str = "kv", level: str = "info", stream: TextIO | None = None) -> None:
    """Send every garita log line to ``stream`` (stdout by default) in one format.

    Under systemd, when the stream is the journal, each line carries its ``<N>`` priority, so
    `journalctl -p warning` finds the warnings.
    """
    stream = stream or sys.stdout
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JournalFormatter(style) if writes_to_journal(stream) else EventFormatter(style))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def log_event(logger: logging.Logger, event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one structured event, e.g. ``log_event(log, "crossing.opened", crossing=cid)``."""
    logger.log(level, event, extra={_FIELDS: fields})
