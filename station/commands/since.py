"""`--since`: `yesterday`, `today`, `2h`/`30m`/`7d`/`1w` ago, or an ISO date or time (UTC unless it says)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import click

_AGO = re.compile(r"^(\d{1,6})\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True)
class Since:
    """A moment in UTC and how the input was understood, in words."""

    at: datetime
    understood: str

    @property
    def iso(self) -> str:
        """The form crossings are stored in, so a text comparison is a time comparison."""
        return self.at.isoformat(timespec="microseconds")


def parse_since(text: str, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> Since:
    """Raise ValueError naming the accepted forms when ``text`` is none of them."""
    value = text.strip().lower()
    moment = now()
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if value in ("today", "yesterday"):
        start = midnight - timedelta(days=1 if value == "yesterday" else 0)
        return Since(start, f"{value}: since {start:%Y-%m-%d %H:%M} UTC")
    if found := _AGO.match(value):
        amount, unit = int(found.group(1)), _UNITS[found.group(2)]
        start = moment - timedelta(**{unit: amount})
        return Since(start, f"the last {amount} {unit}: since {start:%Y-%m-%d %H:%M:%S} UTC")
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a time: use yesterday, today, 2h, 30m, 7d, 1w, "
                         "or an ISO date or time such as 2026-11-28 or 2026-11-28T10:00") from None
    zone = "UTC" if parsed.tzinfo is None else parsed.strftime("%z")
    start = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return Since(start, f"since {start:%Y-%m-%d %H:%M:%S} UTC (given as {text.strip()}, {zone})")


class SinceType(click.ParamType):
    name = "WHEN"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> Since:
        if isinstance(value, Since):
            return value
        try:
            return parse_since(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


SINCE = click.option("--since", type=SinceType(), default=None,
                     help="Only crossings opened since then: yesterday, today, 2h, 30m, 7d, 1w, "
                          "or an ISO date/time (UTC unless it has an offset).")
