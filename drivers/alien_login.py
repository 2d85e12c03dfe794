"""Client side of the Alien reader's TCP login (protocols.md §1.1).

On its TCP command port the reader first asks for a user name (``Username>``), then a
password (``Password>``), then shows its ``Alien>`` prompt. Prompts may or may not be
followed by a NUL, so they are recognised by their text, not by the terminator.
"""

from __future__ import annotations

import serial

MAX_BUFFER = 4096  # a banner is a few hundred bytes; anything longer is not a login
USER_PROMPT = "username>"
PASSWORD_PROMPT = "password>"
READY_PROMPT = "alien>"


class LoginRefused(serial.SerialException):
    """The reader rejected the credentials or never asked for them.

    A ``SerialException`` so that the link treats it like any connection failure:
    it hangs up and retries with backoff.
    """


class AlienLogin:
    """Feed it the reader's first bytes; it says what to send and when the login is done."""

    def __init__(self, username: str, password: str, deadline: float) -> None:
        self.username, self.password, self.deadline = username, password, deadline
        self.done = False
        self._stage = "user"  # user -> password -> ready
        self._buf = ""

    def check_timeout(self, now: float) -> None:
        """Raise LoginRefused if the exchange has not finished by the deadline."""
        if not self.done and now > self.deadline:
            raise LoginRefused(f"login not completed (stuck at the {self._stage} step)")

    def feed(self, data: bytes) -> tuple[bytes, bytes]:
        """Consume reader bytes; return (bytes to send back, bytes left over after the login)."""
        self._buf = (self._buf + data.decode("latin-1"))[-MAX_BUFFER:]
        reply = b""
        while not self.done:
            step = self._step()
            if step is None:
                return reply, b""
            reply += step
        return reply, self._buf.encode("latin-1")

    def _step(self) -> bytes | None:
        """Advance one stage if its prompt has arrived; None while waiting for more text."""
        low = self._buf.lower()
        if self._stage == "user":
            # A reader with login disabled shows its prompt straight away.
            if READY_PROMPT in low and USER_PROMPT not in low:
                return self._finish(low.index(READY_PROMPT) + len(READY_PROMPT))
            return self._answer(USER_PROMPT, self.username, "password")
        if self._stage == "password":
            return self._answer(PASSWORD_PROMPT, self.password, "ready")
        return self._await_ready()

    def _await_ready(self) -> bytes | None:
        """After the password: the prompt (or a NUL-ended welcome) means we are in."""
        # The NUL ending the password prompt may arrive after we answered it.
        self._buf = self._buf.lstrip("\x00\r\n ")
        low = self._buf.lower()
        if USER_PROMPT in low or "error" in low or "invalid" in low:
            raise LoginRefused(f"reader refused the login: {self._buf.strip()[:80]!r}")
        if READY_PROMPT in low:
            return self._finish(low.index(READY_PROMPT) + len(READY_PROMPT))
        return self._finish(low.index("\x00") + 1) if "\x00" in low else None

    def _answer(self, prompt: str, text: str, next_stage: str) -> bytes | None:
        """Send ``text`` once ``prompt`` has been seen, dropping everything up to it."""
        at = self._buf.lower().find(prompt)
        if at < 0:
            return None
        self._buf = self._buf[at + len(prompt):].lstrip("\x00")
        self._stage = next_stage
        return f"{text}\r\n".encode("latin-1")

    def _finish(self, end: int) -> bytes:
        """Logged in: keep whatever followed the prompt (a NUL ending it is dropped)."""
        self._buf = self._buf[end:].lstrip("\x00")
        self.done = True
        return b""
