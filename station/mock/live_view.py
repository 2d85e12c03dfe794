"""The mock-mode terminal view: a live table on a TTY, one plain line per crossing when piped.

Both show the same columns, sized to fit 80: time, crossing, plate, documents, recommendation,
decision, override. On a TTY a header line says where the logs go and where the booth is; piped,
stdout carries only the rows (the logs go to stderr), so `| tee run.txt` or a CI log reads cleanly.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from garita.station.storage.lane_store import LaneStore

_STYLE = {"release": "green", "secondary": "yellow", "detain": "bold red"}
# (header, width) of each column, 79 in all; the crossing is the id prefix `garita show` takes.
COLUMNS = (("time", 8), ("crossing", 13), ("plate", 9), ("documents", 22), ("advice", 9), ("decision", 9),
           ("ovr", 3))
DOCUMENT_KINDS = ("document", "barcode")
PRINT_AFTER_S = 10.0  # the longest a decided crossing's row waits for its plate


def summarise_reads(reads: list[dict[str, Any]]) -> str:
    """One short cell: what identified the vehicle."""
    parts = []
    for read in reads:
        if read["kind"] == "image":
            parts.append("📷" if sys.stdout.encoding and "utf" in sys.stdout.encoding.lower() else "img")
        elif read["kind"] == "document":
            name = read["data"].get("surname") or ""
            parts.append(f"doc {read['value']} {name}".strip())
        else:
            parts.append(f"{read['kind']} {read['value'][:24]}")
    return ", ".join(parts)


@dataclass(frozen=True)
class Row:
    """One crossing as the terminal shows it."""

    time: str
    crossing: str
    plate: str
    documents: str
    advice: str
    decision: str
    override: str

    def cells(self) -> tuple[str, ...]:
        return (self.time, self.crossing, self.plate, self.documents, self.advice, self.decision, self.override)

    def line(self) -> str:
        """The piped form: fixed-width columns, never more than 80 characters."""
        return " ".join(_fit(cell, width) for cell, (_, width) in zip(self.cells(), COLUMNS, strict=True)).rstrip()


def _fit(text: str, width: int) -> str:
    return (text if len(text) <= width else text[: width - 1] + "…").ljust(width)


def crossing_row(store: LaneStore, crossing: dict[str, Any]) -> Row:
    """Plate and documents from the reads, the recommendation (the one decided on, else the latest), the
    decision and whether it overrode the recommendation."""
    reads = store.reads_of(crossing["id"])
    plates = [r["value"] for r in reads if r["kind"] == "plate"]
    documents = [r["value"] for r in reads if r["kind"] in DOCUMENT_KINDS]
    decision = store.decision_of(crossing["id"]) or {}
    advice = decision.get("recommendation") or store.latest_recommendation(crossing["id"])
    state = {"flagged_idle": "idle!", "open": "open"}.get(crossing["state"], "-")
    return Row(crossing["opened_at"][11:19], crossing["id"][:13], plates[0] if plates else "-",
               " ".join(dict.fromkeys(documents)) or "-", advice or "-",
               decision.get("action") or state, ("yes" if decision.get("override") else "no") if decision else "")


class LiveView:
    """Listens to lane events: redraws the table (TTY) or prints a line per decided or flagged crossing."""

    def __init__(self, store: LaneStore, console: Console | None = None, rows: int = 12, where: str = ""):
        self.store = store
        self.console = console or Console()
        self.rows = rows
        self.where = where  # "logs → ... · booth ..." shown above the table
        self.live: Live | None = None
        self._pending: dict[str, float] = {}  # piped: decided crossings not yet printed, and since when
        self._images: dict[str, int] = {}  # images of each crossing still being recognised
        self.recognises = True  # False when vision is off: no image.recognised will come

    def __enter__(self) -> LiveView:
        if self.console.is_terminal:
            self.live = Live(self.render(), console=self.console, refresh_per_second=8)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._flush(everything=True)
        if self.live is not None:
            self.live.update(self.render())
            self.live.__exit__(None, None, None)

    def __call__(self, event: str, detail: dict) -> None:
        if self.live is not None:
            self.live.update(self.render())
            return
        crossing_id = detail.get("crossing_id", "")
        if event == "read.recorded" and detail.get("kind") == "image" and self.recognises:
            self._images[crossing_id] = self._images.get(crossing_id, 0) + 1
        elif event == "image.recognised":
            self._images[crossing_id] = self._images.get(crossing_id, 1) - 1
        elif event in ("decision.recorded", "crossing.flagged_idle"):
            self._pending.setdefault(crossing_id, time.monotonic())
        self._flush()

    def _flush(self, everything: bool = False) -> None:
        """Print each decided crossing once, complete: after the plates of its images are read
        (recognition finishes after the fact), or after PRINT_AFTER_S at the latest."""
        now = time.monotonic()
        for crossing_id, since in list(self._pending.items()):
            waiting = self._images.get(crossing_id, 0) > 0 and now - since < PRINT_AFTER_S
            if waiting and not everything:
                break  # rows stay in the order the crossings were decided
            del self._pending[crossing_id]
            self._images.pop(crossing_id, None)
            crossing = self.store.crossing(crossing_id)
            if crossing is not None:
                self.console.print(crossing_row(self.store, crossing).line(), highlight=False, markup=False,
                                   soft_wrap=True)

    def render(self) -> Group:
        table = Table(title="Garita lane — recent crossings", title_justify="left", box=None, padding=(0, 1),
                      collapse_padding=True, pad_edge=False, header_style="bold")
        for header, width in COLUMNS:
            table.add_column(header, width=width, no_wrap=True, overflow="ellipsis")
        for crossing in self.store.recent_crossings(self.rows):
            row = crossing_row(self.store, crossing)
            cells = list(row.cells())
            for index in (4, 5):
                if cells[index] in _STYLE:
                    cells[index] = f"[{_STYLE[cells[index]]}]{cells[index]}[/]"
            table.add_row(*cells)
        return Group(Text(self.where, style="dim", overflow="fold"), table) if self.where else Group(table)
