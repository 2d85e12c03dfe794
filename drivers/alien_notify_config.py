"""Notify-mode options of the Alien driver: validation and the ``set`` commands they turn into.

Two ways to receive notifications (protocols.md §1.1, "Autonomous / notify mode"):

* on the same link (``notify_listen`` empty): a serial reader with ``NotifyAddress = serial``
  writes them between command replies; the driver turns AutoMode/NotifyMode on and sets
  NotifyFormat (and NotifyTrigger when given);
* over TCP (``notify_listen = "host:port"``): the reader connects to ``notify_address`` and
  delivers each message there (see drivers/alien_notify_listener.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from garita.drivers.options import require
from garita.drivers.serial_link import is_network
from garita.drivers.tcp_port import is_wildcard, parse_host_port, parse_tcp_url

NOTIFY_DEFAULTS: dict[str, Any] = {
    "notify_listen": "", "notify_address": "", "notify_allow_from": "",
    "notify_format": "Text", "notify_trigger": "",
}
FORMATS = ("Text", "Terse", "XML")  # Custom is left out: its fields cannot be parsed blind
TRIGGERS = ("Add", "Remove", "Change", "True", "False", "TrueFalse")
ANY_PEER = "*"


def _canonical(value: str, choices: tuple[str, ...]) -> str | None:
    return next((c for c in choices if c.lower() == value.strip().lower()), None)


def _host_port(text: str) -> tuple[str, int] | None:
    """(host, port) of text, or None when it is not host:port."""
    try:
        return parse_host_port(text)
    except ValueError:
        return None


def check_notify_options(name: str, opts: dict[str, Any], port: str) -> None:
    """Validate (and normalise in place) the notify options; ValueError naming the option."""
    fmt, trigger = _canonical(opts["notify_format"], FORMATS), _canonical(opts["notify_trigger"], TRIGGERS)
    require(name, "notify_format", fmt is not None, f"must be one of {', '.join(FORMATS)}")
    require(name, "notify_trigger", trigger is not None or not opts["notify_trigger"],
            f"must be one of {', '.join(TRIGGERS)}")
    opts["notify_format"], opts["notify_trigger"] = fmt, trigger or ""
    listen = opts["notify_listen"]
    if not listen:
        for key in ("notify_address", "notify_allow_from"):
            require(name, key, not opts[key], "needs notify_listen")
        return
    require(name, "notify_listen", opts["mode"] == "notify", "needs mode = 'notify'")
    listen_at = _host_port(listen)
    require(name, "notify_listen", listen_at is not None, f"must be host:port, got {listen!r}")
    _check_address(name, opts, port, listen_at[0])  # type: ignore[index]  # require() raised on None
    allow = opts["notify_allow_from"]
    require(name, "notify_allow_from", bool(allow) or is_network(port),
            "is needed when the reader is on a serial port (its IP address, or '*' for anyone)")
    require(name, "notify_allow_from", not any(c.isspace() or c == "," for c in allow),
            f"must be one host name or IP address, or '*', got {allow!r}")


def _check_address(name: str, opts: dict[str, Any], port: str, listen_host: str) -> None:
    address = opts["notify_address"]
    if address:
        target = _host_port(address)
        ok = target is not None and target[1] > 0 and not is_wildcard(target[0])
        require(name, "notify_address", ok, f"must be host:port the reader can reach, got {address!r}")
        return
    # Unset, it is our end of the command connection, which only a TCP reader has.
    require(name, "notify_address", not is_wildcard(listen_host) or is_network(port),
            "is needed when listening on all addresses and the reader is serial")


def allowed_peer(opts: Mapping[str, Any], port: str) -> str | None:
    """The host notifications may come from (None: anyone)."""
    allow = opts["notify_allow_from"]
    if allow == ANY_PEER:
        return None
    return allow or parse_tcp_url(port)[0]


def format_address(host: str, port: int) -> str:
    """``host:port`` the way the reader wants it (IPv6 in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def notify_address(opts: Mapping[str, Any], listen_port: int | None, local_host: str | None) -> str | None:
    """``host:port`` to tell the reader; None until the listening port and our address are known."""
    if opts["notify_address"]:
        return str(opts["notify_address"])
    host = parse_host_port(opts["notify_listen"])[0]
    if is_wildcard(host):
        # Our end of the command connection is an address the reader can reach us at.
        host = local_host or ""
    return format_address(host, listen_port) if host and listen_port else None


def setup_commands(opts: Mapping[str, Any], notify_address: str | None) -> list[bytes]:
    """The ``set`` commands that put the reader in notify mode (TCP delivery if an address is given)."""
    settings: list[tuple[str, str]] = []
    if notify_address is not None:
        # The listener cuts the stream at the header and end marker, so the header must be on.
        settings += [("NotifyAddress", notify_address), ("NotifyHeader", "On")]
    settings.append(("NotifyFormat", opts["notify_format"]))
    if opts["notify_trigger"]:
        settings.append(("NotifyTrigger", opts["notify_trigger"]))
    settings += [("AutoMode", "On"), ("NotifyMode", "On")]
    return [f"\x01set {key} = {value}\r\n".encode("latin-1") for key, value in settings]
