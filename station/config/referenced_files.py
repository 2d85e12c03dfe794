"""Every file a lane config names is opened and checked before the lane starts (check-config does the same).

A key or certificate that is missing, unreadable or not what its key says is a config problem
naming the key and its line (exit 78), never a traceback minutes later when the link first connects.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path

from garita.station.config.lane_config import LaneConfig
from garita.station.config.loader import ConfigError, ConfigProblem, key_lines, line_for, render_loc

MAX_SMALL_FILE = 1024 * 1024  # keys, certificates and passwords are small; a huge one is a wrong path


def check_files(config: LaneConfig, config_path: Path) -> None:
    """Raise ConfigError with one problem per bad file; silent when all of them are usable."""
    try:
        lines = key_lines(config_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        lines = {}
    problems = [ConfigProblem(render_loc(loc), message, line_for(loc, lines))
                for loc, message in _file_problems(config)]
    if problems:
        raise ConfigError(config_path, problems)


def _file_problems(config: LaneConfig) -> list[tuple[tuple, str]]:
    found: list[tuple[tuple, str]] = []
    mqtt = config.mqtt
    if mqtt.enabled:
        if mqtt.password_file is not None:
            _check(found, ("mqtt", "password_file"), mqtt.password_file, _non_empty)
        if mqtt.tls is not None:
            found += _tls_problems(mqtt.tls)
    if config.vision.enabled:
        found += [(("vision", "enabled"), problem) for problem in _model_problems()]
    return found


def _check(found: list, loc: tuple, path: Path, parse: Callable[[bytes], str | None]) -> None:
    try:
        if path.stat().st_size > MAX_SMALL_FILE:
            found.append((loc, f"{path} is larger than {MAX_SMALL_FILE} bytes: not a key or password file"))
            return
        data = path.read_bytes()
    except OSError as exc:
        found.append((loc, f"{path} cannot be read: {exc.strerror or exc}"))
        return
    problem = parse(data)
    if problem:
        found.append((loc, f"{path}: {problem}"))


def _non_empty(data: bytes) -> str | None:
    return None if data.strip() else "is empty"


def _tls_problems(tls) -> list[tuple[tuple, str]]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        context.load_verify_locations(cafile=str(tls.ca_file))
    except (OSError, ssl.SSLError) as exc:
        return [(("mqtt", "tls", "ca_file"), f"{tls.ca_file} is not a readable PEM CA certificate: {exc}")]
    if (tls.cert_file is None) != (tls.key_file is None):
        return [(("mqtt", "tls", "cert_file"), "cert_file and key_file go together")]
    if tls.cert_file is not None:
        try:
            context.load_cert_chain(str(tls.cert_file), str(tls.key_file))
        except (OSError, ssl.SSLError) as exc:
            return [(("mqtt", "tls", "cert_file"),
                     f"{tls.cert_file} with {tls.key_file} is not a usable certificate and key: {exc}")]
    return []


def _model_problems() -> list[str]:
    """The ONNX files vision opens (all shipped inside the package) are there and not empty."""
    from garita.vision.errors import VisionError
    from garita.vision.models import SHIPPED, model_path

    problems = []
    for name in SHIPPED:
        try:
            model_path(name)
        except VisionError as exc:
            problems.append(str(exc))
    return problems
