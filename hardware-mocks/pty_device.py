"""What every mock serial device shares: a name, a pty at a stable path, plug and unplug."""

from __future__ import annotations

from pathlib import Path

from garita.hardware_mocks.pty_port import PtyPort


class PtyDevice:
    """A device whose cable is a pty symlinked at ``workdir/dev/<name>``."""

    def __init__(self, name: str, workdir: Path) -> None:
        self.name = name
        self.port = PtyPort(name, workdir)

    @property
    def endpoint(self) -> str:
        """The pty symlink path."""
        return str(self.port.path)

    def start(self) -> None:
        """Plug the device in."""
        self.port.open()

    def stop(self) -> None:
        """Unplug and release the pty."""
        self.port.close()

    def unplug(self) -> None:
        """Pull the cable: the symlink disappears."""
        self.port.unplug()

    def replug(self) -> None:
        """Plug back in at the same path."""
        self.port.replug()
