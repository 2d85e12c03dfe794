"""Read a lane TOML file and turn every problem into a message naming its key and line."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from garita.station.config.device_sections import OPTIONS_BY_DRIVER
from garita.station.config.lane_config import LaneConfig
from garita.station.config.moved_keys import moved_keys

EX_CONFIG = 78  # sysexits.h: systemd's RestartPreventExitStatus keeps a bad config from looping

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"]+(?:\s*\.\s*[A-Za-z0-9_\-\"]+)*)\s*=")


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with a config file."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.path}: {self.message}"


class ConfigError(Exception):
    """A config file that cannot be used; carries every problem found."""

    def __init__(self, file: Path, problems: list[ConfigProblem]):
        self.file = file
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        return "\n".join(f"{self.file}: {p}" for p in self.problems)


def _split_dotted(text: str) -> list[str]:
    return [part.strip().strip('"') for part in text.split(".")]


def key_lines(text: str) -> dict[tuple, int]:
    """Map each key path (as pydantic reports it) to the line where the TOML file sets it."""
    lines: dict[tuple, int] = {}
    counters: dict[tuple, int] = {}
    table: tuple = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = _resolve_table(_split_dotted(header.group(2)), counters, header.group(1) == "[[")
            lines.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            lines.setdefault((*table, *_split_dotted(key.group(1))), number)
    return lines


def _resolve_table(parts: list[str], counters: dict[tuple, int], is_array: bool) -> tuple:
    """Turn ``devices.options`` into ``("devices", 2, "options")`` using array-of-table counts."""
    resolved: list = []
    for index, part in enumerate(parts):
        resolved.append(part)
        key = tuple(resolved)
        last = index == len(parts) - 1
        if last and is_array:
            counters[key] = counters.get(key, -1) + 1
        if key in counters:
            resolved.append(counters[key])
    return tuple(resolved)


def render_loc(loc: tuple) -> str:
    """``("devices", 2, "port")`` as ``devices[2].port``."""
    return ".".join(str(part) if isinstance(part, str) else f"[{part}]" for part in loc).replace(".[", "[")


def line_for(loc: tuple, lines: dict[tuple, int]) -> int | None:
    """The line of the key, of the first table inside it (``[[trust.keys]]`` for ``trust.keys``), or of the
    nearest enclosing table that the file names."""
    inside = [n for key, n in lines.items() if loc and key[:len(loc)] == loc]
    if inside:
        return min(inside)
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def untag(loc: tuple, raw: object) -> tuple[tuple, str | None]:
    """Drop the driver pydantic puts after a device's index (``devices, 0, "alien", "port"``).

    Returns the path as the file spells it, and that driver (None outside a device table).
    """
    path: list = []
    node, driver = raw, None
    in_item = False  # the tag, when there is one, is the first part inside an array-of-tables item
    for part in loc:
        if in_item and isinstance(node, dict) and part == node.get("driver"):
            driver, in_item = str(part), False
            continue
        path.append(part)
        parent, node = node, _child(node, part)
        in_item = isinstance(parent, list) and isinstance(node, dict)
    return tuple(path), driver


def _child(node: object, part: object) -> object:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def _explain(item: ErrorDetails, loc: tuple, driver: str | None) -> tuple[tuple, str]:
    """The key path and message for one pydantic error, in the words of the config file."""
    kind, ctx = item["type"], item.get("ctx") or {}
    known = ", ".join(sorted(OPTIONS_BY_DRIVER))
    if kind == "union_tag_invalid":
        return (*loc, "driver"), f"unknown driver {ctx.get('tag')!r} (known: {known})"
    if kind == "union_tag_not_found":
        return (*loc, "driver"), f"Field required (one of: {known})"
    if kind == "extra_forbidden" and driver in OPTIONS_BY_DRIVER and loc[-2:-1] == ("options",):
        options = ", ".join(sorted(OPTIONS_BY_DRIVER[driver].model_fields))
        return loc, f"unknown option of driver {driver!r} (misspelt?); known: {options}"
    if kind == "extra_forbidden":
        return loc, "unknown key (misspelt?)"
    if kind == "literal_error" and driver and loc[-1:] == ("kind",):
        return loc, f"driver {driver!r} serves kind {ctx.get('expected')}, not {item['input']!r}"
    return loc, item["msg"]


def _problems_from(error: ValidationError, text: str, raw: object) -> list[ConfigProblem]:
    lines = key_lines(text)
    problems = []
    for item in error.errors():
        loc, message = _explain(item, *untag(tuple(item["loc"]), raw))
        problems.append(ConfigProblem(render_loc(loc) or "(top level)", message, line_for(loc, lines)))
    return problems


def load_config(file: Path) -> LaneConfig:
    """Parse and validate one lane config, raising :class:`ConfigError` with every problem."""
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        problem = ConfigProblem("(file)", "does not exist; pass --config with the lane's TOML file")
        raise ConfigError(file, [problem]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(file, [ConfigProblem("(file)", f"cannot be read: {exc}")]) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else None
        raise ConfigError(file, [ConfigProblem("(syntax)", f"not valid TOML: {exc}", line)]) from None
    raw, moved = moved_keys(raw)
    lines = key_lines(text)
    problems = sorted((ConfigProblem(render_loc(loc), message, line_for(loc, lines)) for loc, message in moved),
                      key=lambda problem: problem.line or 0)
    try:
        config = LaneConfig.model_validate(raw)
    except ValidationError as exc:
        problems += _problems_from(exc, text, raw)
    if problems:
        raise ConfigError(file, problems) from None
    return config

