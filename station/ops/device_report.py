"""The `garita devices` table: configured devices joined with the daemon's live health."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from garita.station.commands.crossing_reports import wide_console
from garita.station.config.lane_config import LaneConfig


def _age(iso: str | None) -> str:
    return iso[11:19] if iso else "-"


def devices_table(config: LaneConfig | None, status: dict[str, Any] | None, console: Console | None = None) -> None:
    """Print one row per device: configured ones first, then any only the daemon knows."""
    live = (status or {}).get("devices", {})
    names = [d.name for d in config.devices] if config else []
    names += [name for name in live if name not in names]
    title = "devices"
    if status:
        title = f"lane {status['lane']} — {status['state']}, status at {_age(status['updated_at'])}"
    table = Table(title=title)
    for column in ("device", "kind", "connected", "since", "last frame", "ok", "rejected", "discarded", "reconnects"):
        table.add_column(column, no_wrap=True)
    table.add_column("last error", overflow="fold")
    for name in names:
        health = live.get(name)
        section = next((d for d in config.devices if d.name == name), None) if config else None
        kind = section.kind if section else (health or {}).get("kind", "?")
        if health is None:
            table.add_row(name, kind, "unknown", *["-"] * 6, "not reported by the lane")
            continue
        connected = "[green]yes[/]" if health["connected"] else "[red]no[/]"
        table.add_row(name, kind, connected, _age(health["since"]), _age(health["last_frame_at"]),
                      str(health["frames_ok"]), str(health["frames_rejected"]), str(health["bytes_discarded"]),
                      str(health["reconnects"]), health["last_error"] or "")
    (console or wide_console()).print(table)
