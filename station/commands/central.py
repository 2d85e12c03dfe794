"""`garita central` and `garita keys`: the central side of sync, for demos, tests and field checks."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from garita.station.commands.common_options import SummaryGroup

if TYPE_CHECKING:
    from garita.sync.central import Central
    from garita.sync.central.event_store import CentralStore



@click.group("keys", cls=SummaryGroup)
def keys_group() -> None:
    """Ed25519 signing keys of the central system (downlink and feed files)."""


def _when(text: str | None, default: datetime) -> datetime:
    if text is None:
        return default
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not an ISO 8601 time (2026-12-01T00:00:00Z)") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _toml_time(when: datetime) -> str:
    return when.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def trust_table(public_file: Path, key_id: str, not_before: datetime, not_after: datetime) -> str:
    """The ``[[trust.keys]]`` table that makes a lane trust the key in ``public_file``."""
    from garita.sync.signing import load_public_key, public_key_b64

    return (f'[[trust.keys]]\nid = "{key_id}"\npublic_key = "{public_key_b64(load_public_key(public_file))}"\n'
            f"not_before = {_toml_time(not_before)}\nnot_after = {_toml_time(not_after)}")


KEY_ID = click.option("--id", "key_id", default="central", show_default=True,
                      help="The id the central signs under (garita central --key-id).")
NOT_BEFORE = click.option("--not-before", default=None, help="Start of the key's window (ISO 8601; default now).")
NOT_AFTER = click.option("--not-after", default=None, help="End of the key's window (default a year later).")


@keys_group.command("new")
@click.argument("private_file", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("public_file", type=click.Path(dir_okay=False, path_type=Path))
@KEY_ID
@NOT_BEFORE
@NOT_AFTER
def keys_new(private_file: Path, public_file: Path, key_id: str, not_before: str | None,
             not_after: str | None) -> None:
    """Write a key pair (central keeps PRIVATE_FILE, mode 0600) and print the lanes' [[trust.keys]] table."""
    from garita.sync.signing import write_keypair

    if private_file.exists():
        raise click.UsageError(f"{private_file} exists; refusing to overwrite a signing key")
    write_keypair(private_file, public_file)
    click.echo(f"# private key {private_file}, public key {public_file}; add to [trust] in each lane.toml:")
    _echo_table(public_file, key_id, not_before, not_after)


@keys_group.command("show")
@click.argument("public_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@KEY_ID
@NOT_BEFORE
@NOT_AFTER
def keys_show(public_file: Path, key_id: str, not_before: str | None, not_after: str | None) -> None:
    """Print the [[trust.keys]] table for a public key file (PEM, or base64 of the raw 32 bytes)."""
    _echo_table(public_file, key_id, not_before, not_after)


def _echo_table(public_file: Path, key_id: str, not_before: str | None, not_after: str | None) -> None:
    start = _when(not_before, datetime.now(UTC))
    end = _when(not_after, start + timedelta(days=365))
    if end <= start:
        raise click.BadParameter("--not-after must be later than --not-before")
    try:
        click.echo(trust_table(public_file, key_id, start, end))
    except ValueError as exc:
        raise click.UsageError(f"{public_file}: not an Ed25519 public key ({exc})") from None


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
@click.option("--key-id", required=True, help="The id lanes list this key under ([[trust.keys]] id).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=Path("central.db"),
              show_default=True, help="The embedded SQLite store (one central process).")
@click.option("--dsn", default=None, help="PostgreSQL instead of --db, e.g. 'host=/run/postgresql dbname=garita'"
              " (a consumer group shares one database).")
@click.option("--group", default=None, help="Share the uplink with the other consumers of this MQTT 5 shared"
              " subscription group ($share/GROUP/...); needs --dsn.")
@click.option("--resend-after", type=click.FloatRange(0), default=5.0, show_default=True,
              help="Ask a lane to resend a sequence gap that lasted this many seconds (0: never ask).")
@click.option("--keep-days", type=click.IntRange(1), default=None,
              help="Retention: drop events created more than this many days ago (checked hourly).")
def central(host: str, port: int, client_id: str, username: str | None, password_file: Path | None,
            ca_file: Path | None, cert_file: Path | None, key_file: Path | None, signing_key: Path, key_id: str,
            db_path: Path, dsn: str | None, group: str | None, resend_after: float, keep_days: int | None) -> None:
    """Receive every lane's uplink (deduplicated, gaps asked for again) into the store until Ctrl-C."""
    from garita.sync.central import GapWatch, open_central
    from garita.sync.link import BrokerSettings
    from garita.sync.signing import load_private_key
    from garita.sync.tls import TlsFiles
    from garita.sync.topics import check_segment

    if group and not dsn:
        raise click.UsageError("--group needs --dsn: consumers of a group share one PostgreSQL database")
    try:
        check_segment(group or "central", "--group")
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    tls = TlsFiles(ca_file, cert_file, key_file) if ca_file else None
    password = password_file.read_text().strip() if password_file else None
    broker = BrokerSettings(host=host, port=port, client_id=client_id, username=username, password=password, tls=tls)
    watch = GapWatch(grace_s=resend_after) if resend_after > 0 else None
    store = _open_store(db_path, dsn)
    node = open_central(broker, store, load_private_key(signing_key), key_id, watch, group)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    where = "PostgreSQL" if dsn else str(db_path)
    click.echo(f"central: connected to {host}:{port}{f' in group {group}' if group else ''}, storing uplink in"
               f" {where}; Ctrl-C stops", err=True)
    try:
        _report_until(node, stop, keep_days)
    except KeyboardInterrupt:
        pass
    finally:
        node.stop()
        _echo_counters(node)  # the last word: what this process stored, dropped and asked for
        node.store.close()


def _open_store(db_path: Path, dsn: str | None) -> CentralStore:
    if dsn is None:
        from garita.sync.central.store_sqlite import SqliteStore

        return SqliteStore(db_path)
    import psycopg

    from garita.sync.central.event_store import StoreUnavailable
    from garita.sync.central.store_postgres import PostgresStore

    try:
        return PostgresStore(dsn)
    except (psycopg.Error, StoreUnavailable) as exc:  # a bad DSN, a server down, a role refused: say which
        raise click.ClickException(f"cannot open the PostgreSQL store ({dsn!r}): {exc}") from None


def _report_until(node: Central, stop: threading.Event, keep_days: int | None) -> None:
    """One JSON line of counters every 5 s; retention once an hour."""
    next_prune = time.monotonic()
    while not stop.wait(5):
        if keep_days is not None and time.monotonic() >= next_prune:
            next_prune = time.monotonic() + 3600
            click.echo(json.dumps({"pruned": node.store.prune(keep_days)}))
        _echo_counters(node)


def _echo_counters(node: Central) -> None:
    click.echo(json.dumps({"at": time.strftime("%H:%M:%S"), "messages": node.received_messages,
                           "stored": node.stored_events, "duplicates": node.store.duplicates,
                           "rejected": dict(node.rejected), "resend_requests": node.resend_requests,
                           "store_retries": node.store_retries}))


def _store_options(command: Callable[..., None]) -> Callable[..., None]:
    command = click.option("--dsn", default=None, help="The consumer group's PostgreSQL (instead of --db).")(command)
    return click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=Path("central.db"),
                        show_default=True, help="The embedded SQLite store.")(command)


@click.group("central-db", cls=SummaryGroup)
def central_db() -> None:
    """Ask the central's store: lanes behind on the watchlist, crossings, audit heads, retention."""


@central_db.command("behind")
@_store_options
@click.option("--all", "show_all", is_flag=True, help="Every lane, not only those behind.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def central_behind(db_path: Path, dsn: str | None, show_all: bool, as_json: bool) -> None:
    """Which lanes hold an older watchlist than the one published to their port (from their lane.metrics)."""
    store = _open_store(db_path, dsn)
    try:
        lanes = [v for v in store.lane_versions() if show_all or v.behind]
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps([{**vars(v), "behind": v.behind} for v in lanes]))
        return
    click.echo(f"{'port':<8}{'lane':<16}{'holds':>7}{'published':>11}  reported")
    for v in lanes:
        holds = "-" if v.version is None else str(v.version)
        click.echo(f"{v.port:<8}{v.lane:<16}{holds:>7}{v.published or '-':>11}  {v.reported_at or 'never'}"
                   f"{'  BEHIND' if v.behind else ''}")
    click.echo(f"{sum(v.behind for v in lanes)} lane(s) behind")


@central_db.command("crossings")
@_store_options
@click.option("--plate", default=None, help="Only crossings with this plate read.")
@click.option("--document", default=None, help="Only crossings with this document number read.")
@click.option("--container", default=None, help="Only crossings with this container code read.")
@click.option("--since", type=click.DateTime(), default=None, help="UTC")
@click.option("--until", type=click.DateTime(), default=None, help="UTC")
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True,
              help="At most this many crossings.")
def central_crossings(db_path: Path, dsn: str | None, plate: str | None, document: str | None,
                      container: str | None, since: datetime | None, until: datetime | None, limit: int) -> None:
    """Crossings with a read of this plate, document or container, and their decisions (one JSON line each)."""
    store = _open_store(db_path, dsn)
    try:
        found = store.crossings(plate=plate, document=document, container=container, since=_utc(since),
                                until=_utc(until), limit=limit)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    finally:
        store.close()
    for crossing in found:
        click.echo(json.dumps(crossing, default=str))


@central_db.command("audit-heads")
@_store_options
def central_audit_heads(db_path: Path, dsn: str | None) -> None:
    """Each lane's audit chain as the central holds it: the newest entry (compare with the lane's) and the
    entries whose prev_hash does not link to the entry before (a cut, or an entry not received)."""
    store = _open_store(db_path, dsn)
    try:
        for head in store.audit_heads():
            breaks = store.audit_breaks(head.port, head.lane)
            click.echo(json.dumps({**vars(head), "breaks": [{"seq": seq, "entry_id": entry} for seq, entry in breaks]}))
    finally:
        store.close()


@central_db.command("prune")
@_store_options
@click.option("--keep-days", type=click.IntRange(1), required=True,
              help="Drop events created more than this many days ago.")
def central_prune(db_path: Path, dsn: str | None, keep_days: int) -> None:
    """Retention now: drop events created more than KEEP_DAYS ago (whole day partitions on PostgreSQL)."""
    store = _open_store(db_path, dsn)
    try:
        click.echo(f"pruned {store.prune(keep_days)}")
    finally:
        store.close()


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value
