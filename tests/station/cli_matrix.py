"""Every `garita` command that takes --config or --data-dir, run in-process with one bad setting.

    python -m tests.station.cli_matrix WORK_DIR -- ARGS...   (prints one JSON object per command)

Run as a script for the read-only case, so that a test running as root can run it as another user.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

import click
from click.testing import CliRunner

from garita.station.cli import cli

# Placeholder values for required arguments and options, by parameter name.
PLACEHOLDERS = {"crossing_id": "0190", "action": "release", "officer": "o-1", "value": "ABC123",
                "officer_id": "o-1", "name": "Ana", "device_name": "rfid-1", "camera": "plate-cam"}
FILE_ARGS = {"file"}


def commands(group: click.Group = cli, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += commands(command, (*path, name))
        elif {"config_path", "data_dir"} & {p.name for p in command.params}:
            found.append(((*path, name), command))
    return found


def arguments(command: click.Command, work: Path) -> list[str]:
    args: list[str] = []
    for param in command.params:
        if isinstance(param, click.Argument):
            args.append(str(work / "some-file") if param.name in FILE_ARGS else PLACEHOLDERS[param.name])
        elif param.required:
            args += [param.opts[0], PLACEHOLDERS[param.name]]
    if "pin" in {p.name for p in command.params}:
        args += ["--pin", "4812"]
    return args


def run_all(work: Path, extra: list[str]) -> list[dict]:
    """Each command with ``extra``; what it printed, its exit code and any exception that escaped."""
    results = []
    for path, command in commands():
        if not _has(command, extra[0]):
            continue
        # "{command}" in a setting gives each command its own (a missing directory one command creates)
        args = [*path, *arguments(command, work), *(e.replace("{command}", "-".join(path)) for e in extra)]
        result = CliRunner().invoke(cli, args, input="")
        escaped = None
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            escaped = "".join(traceback.format_exception(*result.exc_info))
        results.append({"command": " ".join(path), "args": args, "exit_code": result.exit_code,
                        "output": result.output, "escaped": escaped})
    return results


def _has(command: click.Command, flag: str) -> bool:
    return any(flag in p.opts for p in command.params)


if __name__ == "__main__":
    print(json.dumps(run_all(Path(sys.argv[1]), sys.argv[3:])))
