"""`garita central` and `garita keys new`: the central side of sync, for demos, tests and field checks."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path

import click

from station.commands.options import SummaryGroup


@click.group("keys", cls=SummaryGroup)
def keys_group() -> None:
    """Ed25519 signing keys for the central system's downlink."""


@keys_group.command("new")
@click.argument("private_file", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("public_file", type=click.Path(dir_okay=False, path_type=Path))
def keys_new(private_file: Path, public_file: Path) -> None:
    """Write a key pair: central keeps PRIVATE_FILE (mode 0600), each lane trusts PUBLIC_FILE."""
    from sync.signing import write_keypair

    if private_file.exists():
        raise click.UsageError(f"{private_file} exists; refusing to overwrite a signing key")
    write_keypair(private_file, public_file)
    click.echo(f"private key {private_file}, public key {public_file}")


@click.command("central")
@click.option("--host", default="localhost", show_default=True, help="MQTT broker host.")
@click.option("--port", type=click.IntRange(1, 65535), default=8883, show_default=True, help="MQTT broker port.")
@click.option("--client-id", default="garita-central", show_default=True, help="MQTT client id of the central.")
@click.option("--username", default=None, help="Broker user name.")
@click.option("--password-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="File holding the broker password.")
@click.option("--ca", "ca_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="CA certificate of the broker (turns TLS on).")
@click.option("--cert", "cert_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Client certificate of the central (mutual TLS).")
@click.option("--key", "key_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Private key of that client certificate.")
@click.option("--signing-key", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="Ed25519 private key that signs downlink messages (garita keys new).")
@click.option("--key-id", required=True, help="The id lanes list this key under ([[mqtt.downlink_keys]]).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=Path("central.db"),
              show_default=True, help="SQLite file where received events are kept.")
@click.option("--resend-after", type=click.FloatRange(0), default=5.0, show_default=True,
              help="Ask a lane to resend a sequence gap that lasted this many seconds (0: never ask).")
def central(host: str, port: int, client_id: str, username: str | None, password_file: Path | None,
            ca_file: Path | None, cert_file: Path | None, key_file: Path | None, signing_key: Path, key_id: str,
            db_path: Path, resend_after: float) -> None:
    """Receive every lane's uplink (deduplicated, gaps asked for again) into DB until Ctrl-C."""
    from sync.central import open_central
    from sync.gap_watch import GapWatch
    from sync.link import BrokerSettings
    from sync.signing import load_private_key
    from sync.tls import TlsFiles

    tls = TlsFiles(ca_file, cert_file, key_file) if ca_file else None
    password = password_file.read_text().strip() if password_file else None
    broker = BrokerSettings(host=host, port=port, client_id=client_id, username=username, password=password, tls=tls)
    watch = GapWatch(grace_s=resend_after) if resend_after > 0 else None
    node = open_central(broker, db_path, load_private_key(signing_key), key_id, watch)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo(f"central: connected to {host}:{port}, storing uplink in {db_path}; Ctrl-C stops")
    try:
        while not stop.wait(5):
            click.echo(json.dumps({"at": time.strftime("%H:%M:%S"), "events": node.store.count(),
                                   "messages": node.received_messages, "rejected": dict(node.rejected),
                                   "resend_requests": node.resend_requests}))
    except KeyboardInterrupt:
        pass
    finally:
        node.stop()
        node.store.close()
