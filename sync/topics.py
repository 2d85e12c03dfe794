"""The topic scheme (docs/topics.md): one place builds and parses every topic name."""

from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX = "garita/v1"
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

# Downlink topic suffix -> the signed message kind it must carry (a kind on the wrong topic is rejected).
DOWN_KINDS = {
    "watchlist/snapshot": "watchlist.snapshot.chunk",
    "watchlist/delta": "watchlist.delta",
    "declaration": "declaration",
    "command": "lane.command",
    "resend": "uplink.resend",
}
LANE_ONLY_KINDS = ("uplink.resend",)  # kinds that make sense only on a lane's own topic


def check_segment(value: str, what: str) -> str:
    """A port, lane or kind must be one topic level without wildcards."""
    if not _SEGMENT.match(value):
        raise ValueError(f"{what} {value!r} cannot be used in a topic (letters, digits, '_', '.', '-')")
    return value


@dataclass(frozen=True)
class LaneTopics:
    """The topics of one lane (``port`` is the port code, ``lane`` the lane id)."""

    port: str
    lane: str
    prefix: str = PREFIX

    def __post_init__(self) -> None:
        check_segment(self.port, "port")
        check_segment(self.lane, "lane")

    def up(self, kind: str) -> str:
        return f"{self.prefix}/{self.port}/{self.lane}/up/{check_segment(kind, 'kind')}"

    @property
    def status(self) -> str:
        return f"{self.prefix}/{self.port}/{self.lane}/status"

    @property
    def down_subscriptions(self) -> tuple[str, str]:
        """Port-wide downlink (watchlists, declarations, port commands) and this lane's own."""
        return f"{self.prefix}/{self.port}/down/#", f"{self.prefix}/{self.port}/{self.lane}/down/#"

    def down_kind(self, topic: str) -> tuple[str, bool] | None:
        """(expected signed kind, addressed to this lane only) for a downlink topic, or None."""
        for base, lane_only in ((f"{self.prefix}/{self.port}/down/", False),
                                (f"{self.prefix}/{self.port}/{self.lane}/down/", True)):
            if topic.startswith(base):
                kind = DOWN_KINDS.get(topic[len(base):])
                return (kind, lane_only) if kind else None
        return None


def port_down(port: str, suffix: str, prefix: str = PREFIX) -> str:
    """A port-wide downlink topic, e.g. ``port_down('2504', 'watchlist/delta')``."""
    return f"{prefix}/{check_segment(port, 'port')}/down/{suffix}"


def lane_down(port: str, lane: str, suffix: str, prefix: str = PREFIX) -> str:
    return f"{prefix}/{check_segment(port, 'port')}/{check_segment(lane, 'lane')}/down/{suffix}"


UPLINK_WILDCARD = f"{PREFIX}/+/+/up/#"
STATUS_WILDCARD = f"{PREFIX}/+/+/status"


def parse_up(topic: str, prefix: str = PREFIX) -> tuple[str, str, str] | None:
    """(port, lane, kind) of an uplink topic, or None for anything else."""
    parts = topic.split("/")
    base = prefix.split("/")
    if len(parts) != len(base) + 4 or parts[: len(base)] != base or parts[len(base) + 2] != "up":
        return None
    return parts[len(base)], parts[len(base) + 1], parts[len(base) + 3]


def parse_status(topic: str, prefix: str = PREFIX) -> tuple[str, str] | None:
    parts = topic.split("/")
    base = prefix.split("/")
    if len(parts) != len(base) + 3 or parts[: len(base)] != base or parts[-1] != "status":
        return None
    return parts[len(base)], parts[len(base) + 1]
