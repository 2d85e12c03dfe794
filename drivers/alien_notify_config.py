"""Notify-mode options of the Alien driver turned into the reader's ``set`` commands.

Two ways to receive notifications (protocols.md §1.1, "Autonomous / notify mode"):

* on the same link (``notify_listen`` empty): a serial reader with ``NotifyAddress = serial``
  writes them between command replies; the driver turns AutoMode/NotifyMode on and sets
  NotifyFormat (and NotifyTrigger when given);
* over TCP (``notify_listen = "host:port"``): the reader connects to ``notify_address`` and
  delivers each message there (see drivers/alien_notify_listener.py).

The options themselves, and the rules between them, are drivers/alien_options.py.
"""

from __future__ import annotations

from garita.drivers.alien_options import AlienOptions
from garita.drivers.tcp_port import is_wildcard, parse_host_port, parse_tcp_url

ANY_PEER = "*"


def allowed_peer(opts: AlienOptions, port: str) -> str | None:
    """The host notifications may come from (None: anyone)."""
    allow = opts.notify_allow_from
    if allow == ANY_PEER:
        return None
    return allow or parse_tcp_url(port)[0]


def format_address(host: str, port: int) -> str:
    """``host:port`` the way the reader wants it (IPv6 in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def notify_address(opts: AlienOptions, listen_port: int | None, local_host: str | None) -> str | None:
    """``host:port`` to tell the reader; None until the listening port and our address are known."""
    if opts.notify_address:
        return opts.notify_address
    host = parse_host_port(opts.notify_listen)[0]
    if is_wildcard(host):
        # Our end of the command connection is an address the reader can reach us at.
        host = local_host or ""
    return format_address(host, listen_port) if host and listen_port else None


def setup_commands(opts: AlienOptions, notify_address: str | None) -> list[bytes]:
    """The ``set`` commands that put the reader in notify mode (TCP delivery if an address is given)."""
    settings: list[tuple[str, str]] = []
    if notify_address is not None:
        # The listener cuts the stream at the header and end marker, so the header must be on.
        settings += [("NotifyAddress", notify_address), ("NotifyHeader", "On")]
    settings.append(("NotifyFormat", opts.notify_format))
    if opts.notify_trigger:
        settings.append(("NotifyTrigger", opts.notify_trigger))
    settings += [("AutoMode", "On"), ("NotifyMode", "On")]
    return [f"\x01set {key} = {value}\r\n".encode("latin-1") for key, value in settings]
