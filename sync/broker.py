"""Run a private Mosquitto process (tests, the benchmark, the demo): own config, own port, own data."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class BrokerTls:
    ca_file: Path
    cert_file: Path
    key_file: Path
    require_client_cert: bool = True


class MosquittoProcess:
    """One broker on 127.0.0.1:``port``; ``stop`` and ``start`` again keep its persisted sessions."""

    def __init__(self, workdir: Path, port: int | None = None, tls: BrokerTls | None = None,
                 users: dict[str, str] | None = None, extra: str = "", config: str | None = None):
        """``config``: a whole configuration to run instead of the generated one (it must listen on
        127.0.0.1:``port`` and keep its data in ``workdir``; see :func:`override_conf`)."""
        self.workdir, self.port, self.tls = workdir, port or free_port(), tls
        self.users, self.extra = users, extra
        self.process: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)
        self.config_path = workdir / "mosquitto.conf"
        self.config_path.write_text(self._config() if config is None else config)

    @staticmethod
    def available() -> bool:
        return shutil.which("mosquitto") is not None or Path("/usr/sbin/mosquitto").exists()

    def _config(self) -> str:
        lines = ["per_listener_settings false", f"persistence_location {self.workdir}/", "persistence true",
                 *(f"{key} {value}" for key, value in run_as().items()), "max_queued_messages 0",
                 "max_inflight_messages 0", "max_queued_bytes 0", f"log_dest file {self.workdir}/mosquitto.log",
                 "log_type error", "log_type warning", "log_type notice", f"listener {self.port} 127.0.0.1"]
        if self.users is not None:
            lines += ["allow_anonymous false", f"password_file {self._password_file()}"]
        else:
            lines.append("allow_anonymous true")  # only ever on 127.0.0.1 (benchmark)
        if self.tls is not None:
            lines += [f"cafile {self.tls.ca_file}", f"certfile {self.tls.cert_file}", f"keyfile {self.tls.key_file}",
                      f"require_certificate {str(self.tls.require_client_cert).lower()}", "tls_version tlsv1.2"]
        return "\n".join(line for line in lines if line) + "\n" + self.extra + "\n"

    def _password_file(self) -> Path:
        path = self.workdir / "passwd"
        path.write_text("")
        for user, password in (self.users or {}).items():
            subprocess.run(["mosquitto_passwd", "-b", str(path), user, password], check=True,
                           capture_output=True)
        path.chmod(0o600)
        return path

    def start(self, timeout_s: float = 10.0) -> None:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.process = subprocess.Popen([binary, "-c", str(self.config_path)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.process.stderr.read().decode()[-500:]}")  # type: ignore[union-attr]
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.02)
        raise RuntimeError(f"mosquitto did not listen on {self.port} within {timeout_s}s")

    def stop(self, kill: bool = False) -> None:
        """SIGTERM (it saves its sessions) or SIGKILL (a crash: only what was last autosaved survives)."""
        if self.process is None:
            return
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        self.process.wait(10)
        self.process = None

    def restart(self) -> None:
        """Stop and start again: same port, same config, same persistence directory."""
        self.stop()
        self.start()

    def __enter__(self) -> MosquittoProcess:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def override_conf(text: str, values: dict[str, str]) -> str:
    """``text`` (a mosquitto.conf) with the first line of each directive in ``values`` given a new value.

    Comments and every other line are kept, so a shipped example runs as written apart from the
    site-specific values (addresses, paths, ports). A directive the text lacks is appended.
    """
    lines, pending = text.splitlines(), dict(values)
    for index, line in enumerate(lines):
        key = line.split(maxsplit=1)[0] if line.strip() and not line.lstrip().startswith("#") else None
        if key in pending:
            lines[index] = f"{key} {pending.pop(key)}"
    lines += [f"{key} {value}" for key, value in pending.items()]
    return "\n".join(lines) + "\n"


def run_as() -> dict[str, str]:
    """The ``user`` override a test broker needs: as root, stay root (dropping to ``mosquitto`` would lose
    access to the test's files); otherwise nothing (Mosquitto only switches user when started as root)."""
    return {"user": "root"} if _is_root() else {}


def _is_root() -> bool:
    import os

    return os.geteuid() == 0
