"""Typed options of the Alien reader driver (``driver = "alien"``), notify delivery included.

Rules across options are checked here and reported at one option (its key and line). The two
that depend on the reader's port (serial or TCP) are :meth:`AlienOptions.port_problem`, asked
by the lane config and again by the driver, whose port may be a mock endpoint.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field, field_validator, model_validator

from garita.drivers.driver_options import DriverOptions, reject
from garita.drivers.serial_link import is_network
from garita.drivers.tcp_port import is_wildcard, parse_host_port

NotifyFormat = Literal["Text", "Terse", "XML"]  # Custom is left out: its fields cannot be parsed blind
NotifyTrigger = Literal["", "Add", "Remove", "Change", "True", "False", "TrueFalse"]
FORMATS: tuple[str, ...] = get_args(NotifyFormat)
TRIGGERS: tuple[str, ...] = get_args(NotifyTrigger)[1:]


def host_port(text: str) -> tuple[str, int] | None:
    """(host, port) of text, or None when it is not host:port."""
    try:
        return parse_host_port(text)
    except ValueError:
        return None


class AlienOptions(DriverOptions):
    """``[devices.options]`` of an Alien reader; unknown keys are errors."""

    baudrate: int = Field(115200, ge=50, le=4_000_000, title="Serial speed (8N1) of a serial reader")
    mode: Literal["poll", "notify"] = Field(
        "poll", title="poll: ask get TagList every poll_interval_s; notify: the reader pushes tags")
    poll_interval_s: float = Field(0.3, gt=0, le=60, title="Seconds between TagList polls")
    forget_after_s: float = Field(3.0, gt=0, le=3600, title="A tag unseen this long has left")
    login: Literal["auto", "on", "off"] = Field(
        "auto", title="Answer the reader's Username>/Password> prompts (auto: on a TCP port only)")
    username: str = Field("alien", max_length=64, title="Reader user name")
    password: str = Field("password", max_length=64, title="Reader password")
    login_timeout_s: float = Field(5.0, gt=0, le=120, title="Wait for the reader to let us in")
    notify_setup: bool = Field(True, title="Notify mode sets NotifyFormat/NotifyTrigger, AutoMode and NotifyMode on")
    notify_refresh_s: float = Field(30.0, gt=0, le=86400,
                                    title="Notify mode re-sends its setup this often (survives a reader reset)")
    notify_format: NotifyFormat = Field("Text", title="NotifyFormat set in notify mode")
    notify_trigger: NotifyTrigger = Field("", title="NotifyTrigger set in notify mode (empty: the reader's)")
    notify_listen: str = Field("", max_length=300,
                               title='host:port to accept the reader\'s notify connections on ("": the command link)')
    notify_address: str = Field("", max_length=300,
                                title="host:port told to the reader (empty: our end of the command connection)")
    notify_allow_from: str = Field("", max_length=300,
                                   title="Host that may deliver notifications (empty: the reader's; '*': anyone)")

    @field_validator("notify_format", "notify_trigger", mode="before")
    @classmethod
    def _canonical_case(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        return next((c for c in (*FORMATS, *TRIGGERS) if c.lower() == value.strip().lower()), value.strip())

    @model_validator(mode="after")
    def _notify_delivery(self) -> AlienOptions:
        if not self.notify_listen:
            for key in ("notify_address", "notify_allow_from"):
                if getattr(self, key):
                    reject(key, "needs notify_listen", getattr(self, key))
            return self
        if self.mode != "notify":
            reject("notify_listen", "needs mode = 'notify'", self.notify_listen)
        if host_port(self.notify_listen) is None:
            reject("notify_listen", "must be host:port", self.notify_listen)
        target = host_port(self.notify_address) if self.notify_address else None
        if self.notify_address and (target is None or target[1] == 0 or is_wildcard(target[0])):
            reject("notify_address", "must be host:port the reader can reach", self.notify_address)
        allow = self.notify_allow_from
        if any(c.isspace() or c == "," for c in allow):
            reject("notify_allow_from", "must be one host name or IP address, or '*'", allow)
        return self

    def port_problem(self, port: str) -> tuple[str, str] | None:
        """(option, why) when these options cannot work with a reader on ``port``."""
        if not self.notify_listen or is_network(port):
            return None
        listen_host = parse_host_port(self.notify_listen)[0]
        # Unset, the address is our end of the command connection, which only a TCP reader has.
        if not self.notify_address and is_wildcard(listen_host):
            return "notify_address", "is needed when listening on all addresses and the reader is serial"
        if not self.notify_allow_from:
            return "notify_allow_from", "is needed when the reader is on a serial port (its IP address, or '*')"
        return None
