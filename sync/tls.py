"""TLS for the broker connection: verify the broker against our CA, present the lane's certificate."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TlsFiles:
    ca_file: Path
    cert_file: Path | None = None
    key_file: Path | None = None


def client_context(files: TlsFiles) -> ssl.SSLContext:
    """A client context: TLS 1.2 or newer, broker certificate and host name checked, mTLS when a cert is given."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(files.ca_file))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if files.cert_file is not None:
        context.load_cert_chain(str(files.cert_file), str(files.key_file) if files.key_file else None)
    return context
