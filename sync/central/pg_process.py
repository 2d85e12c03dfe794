"""Run a private PostgreSQL (tests, the benchmark): initdb into a temporary directory, own port, own socket.

PostgreSQL refuses to run as root; as root, the server runs as the ``postgres`` user that Debian's
``postgresql`` package creates, in a directory handed over to it.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from garita.sync.broker import free_port

SETTINGS_FOR_TESTS = {"fsync": "off", "full_page_writes": "off"}  # a server crash (not the OS) still loses nothing


def binaries() -> Path | None:
    """The newest installed server's bin directory (``/usr/lib/postgresql/N/bin``), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def available() -> bool:
    return binaries() is not None and (os.geteuid() != 0 or _postgres_user() is not None)


def _postgres_user() -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        return None


class PortTaken(RuntimeError):
    """Another process took the port between choosing it and the server binding it."""


class PostgresProcess:
    """One server on 127.0.0.1:``port`` with database ``garita``; ``restart`` keeps the data, ``stop`` removes it."""

    def __init__(self, settings: dict[str, str] | None = None, port: int | None = None):
        bindir = binaries()
        if bindir is None:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
        self.bindir, self.port, self.settings = bindir, port or free_port(), settings or {}
        self._chosen_port = port is None
        self.workdir = Path(tempfile.mkdtemp(prefix="garita-pg-"))
        self.data, self.socket_dir = self.workdir / "data", self.workdir / "run"
        self.socket_dir.mkdir()
        self.process: subprocess.Popen[bytes] | None = None
        self._log_mark = 0
        self._hand_over()
        self._run("initdb", "-D", str(self.data), "-U", "garita", "--auth=trust", "-E", "UTF8", "--no-sync")

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=garita dbname=garita connect_timeout=5"

    def _hand_over(self) -> None:
        user = _postgres_user() if os.geteuid() == 0 else None
        if user is not None:
            for path in (self.workdir, self.socket_dir):
                os.chown(path, user.pw_uid, user.pw_gid)

    def _as_owner(self, *argv: str) -> list[str]:
        if os.geteuid() != 0:
            return list(argv)
        return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", *argv]

    def _run(self, tool: str, *args: str) -> None:
        result = subprocess.run(self._as_owner(str(self.bindir / tool), *args), capture_output=True, cwd="/")
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed: {result.stderr.decode()[-800:]}")

    def start(self, timeout_s: float = 30.0) -> None:
        """Start; a port taken since it was chosen is replaced before the first start, retried after it."""
        for attempt in range(5):
            try:
                return self._start(timeout_s)
            except PortTaken:
                if attempt == 4:
                    raise
                if self._chosen_port and not (self.workdir / ".created").exists():
                    self.port = free_port()
                else:
                    time.sleep(0.5)

    def _start(self, timeout_s: float) -> None:
        options = {"listen_addresses": "127.0.0.1", "unix_socket_directories": str(self.socket_dir),
                   "max_connections": "200", **self.settings}
        argv = [str(self.bindir / "postgres"), "-D", str(self.data), "-p", str(self.port)]
        argv += [arg for key, value in options.items() for arg in ("-c", f"{key}={value}")]
        log = open(self.workdir / "postgres.log", "ab")  # noqa: SIM115 -- the server holds it while it runs
        self._log_mark = log.tell()
        self.process = subprocess.Popen(self._as_owner(*argv), stdout=log, stderr=log, cwd="/")
        log.close()
        self._wait_ready(timeout_s)
        if not (self.workdir / ".created").exists():
            self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "garita", "garita")
            (self.workdir / ".created").touch()

    def new_database(self, name: str) -> str:
        """Create database ``name`` (a test's own); returns its DSN."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "garita", name)
        return self.dsn.replace("dbname=garita", f"dbname={name}")

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                self.process = None
                tail = self.log_tail(self._log_mark)
                raise PortTaken(tail) if "Address already in use" in tail else RuntimeError(f"postgres exited: {tail}")
            probe = subprocess.run([str(self.bindir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
                                   capture_output=True)
            if probe.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError(f"postgres did not accept connections on {self.port} within {timeout_s}s")

    def log_tail(self, since: int = 0) -> str:
        """The end of the server's log (from byte ``since``: what this start wrote)."""
        path = self.workdir / "postgres.log"
        return path.read_bytes()[since:].decode(errors="replace")[-800:] if path.exists() else ""

    def halt(self, crash: bool = False) -> None:
        """Fast shutdown (SIGINT), or ``crash``: immediate (SIGQUIT, no checkpoint; recovery on the next start)."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGQUIT if crash else signal.SIGINT)
        self.process.wait(30)
        self.process = None

    def restart(self, crash: bool = False) -> None:
        self.halt(crash)
        self.start()

    def stop(self) -> None:
        """Shut down and remove the data directory."""
        self.halt()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> PostgresProcess:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
