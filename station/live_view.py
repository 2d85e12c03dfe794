"""The mock-mode terminal view: recent crossings as a live table, or plain lines when piped."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from station.storage.lane_store import LaneStore

_STYLE = {"release": "green", "secondary": "yellow", "detain": "bold red"}


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


class LiveView:
    """Listens to lane events and redraws (TTY) or prints one line per decided crossing."""

    def __init__(self, store: LaneStore, console: Console | None = None, rows: int = 12):
        self.store = store
        self.console = console or Console()
        self.rows = rows
        self.live: Live | None = None

    def __enter__(self) -> LiveView:
        if self.console.is_terminal:
            self.live = Live(self.render(), console=self.console, refresh_per_second=8)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.update(self.render())
            self.live.__exit__(None, None, None)

    def __call__(self, event: str, detail: dict) -> None:
        if self.live is not None:
            self.live.update(self.render())
        elif event == "decision.recorded":
            self._print_line(detail["crossing_id"])

    def _print_line(self, crossing_id: str) -> None:
        crossing = self.store.crossing(crossing_id)
        decision = self.store.decision_of(crossing_id) or {}
        reads = summarise_reads(self.store.reads_of(crossing_id))
        self.console.print(f"crossing {crossing_id[:13]} {crossing['state']:<12} "
                           f"{decision.get('action', '-'):<9} {reads}", highlight=False)

    def render(self) -> Table:
        table = Table(title="Garita lane — recent crossings", expand=True)
        for column in ("opened", "crossing", "reads", "state", "decision", "officer"):
            table.add_column(column, overflow="fold")
        for row in self.store.recent_crossings(self.rows):
            action = row.get("action") or "-"
            table.add_row(row["opened_at"][11:19], row["id"][:13],
                          summarise_reads(self.store.reads_of(row["id"])), row["state"],
                          f"[{_STYLE.get(action, '')}]{action}[/]" if action != "-" else "-",
                          row.get("officer_id") or "")
        return table
