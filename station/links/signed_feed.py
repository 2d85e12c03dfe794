"""Signed feeds from the central system (watchlist, declarations): one signed header line, then hashed body lines.

A feed file is::

    {"format": "garita-feed/1", "feed": "watchlist", "kind": "snapshot", "version": 7, ...,
     "body_sha256": "...", "key_id": "...", "signature": "..."}      <- header, one line
    {...}                                                              <- ``count`` body lines

The Ed25519 signature covers the header's canonical JSON without ``signature``; the header carries the
body's SHA-256 and line count, so one signature covers the whole file while the body is streamed.
The signature is checked by the one signed-message layer (``garita.sync.signing``) against the lane's
key ring (``[[trust.keys]]``), so a feed file and a downlink message trust exactly the same keys.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from garita.sync.signing import KeyRing, SignatureError, canonical, fingerprint, signature_b64

FORMAT = "garita-feed/1"
MAX_HEADER_BYTES = 4096


class FeedError(Exception):
    """A feed that must not be applied; ``code`` names the counter it increments."""

    code = "malformed"


class MalformedFeed(FeedError):
    code = "malformed"


class UnsignedFeed(FeedError):
    code = "unsigned"


class BadSignature(FeedError):
    code = "bad_signature"


class KeyOutsideWindow(FeedError):
    """Signed by a trusted key, but outside its not_before/not_after window; ``code`` says which side."""

    code = "key_expired"

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


class OlderVersion(FeedError):
    code = "older"


class Replayed(FeedError):
    """A downlink message already applied (its id is remembered until it expires)."""

    code = "replayed"


class OutOfSequence(FeedError):
    code = "out_of_sequence"


class GapNeedsResync(FeedError):
    code = "gap"


class FeedHeader(BaseModel):
    """The signed first line of a feed file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["garita-feed/1"]
    feed: str = Field(min_length=1, max_length=32)
    kind: Literal["snapshot", "delta"]
    version: int = Field(ge=1)
    base_version: int | None = Field(default=None, ge=0)
    created_at: AwareDatetime
    count: int = Field(ge=0)
    body_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    key_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
    signature: str | None = None

    @model_validator(mode="after")
    def _delta_has_a_base(self) -> FeedHeader:
        if self.kind == "delta" and (self.base_version is None or self.base_version >= self.version):
            raise ValueError("a delta needs base_version lower than version")
        if self.kind == "snapshot" and self.base_version is not None:
            raise ValueError("a snapshot has no base_version")
        return self

    def signed_bytes(self) -> bytes:
        """What the signature covers: canonical JSON of every field but the signature."""
        return canonical(self.model_dump(mode="json", exclude={"signature"}))


def read_header(stream: IO[bytes], feed: str, ring: KeyRing) -> FeedHeader:
    """Parse and verify the header line; raises the specific FeedError otherwise."""
    line = stream.readline(MAX_HEADER_BYTES + 1)
    if not line.endswith(b"\n") or len(line) > MAX_HEADER_BYTES:
        raise MalformedFeed("no header line (empty, truncated or not a garita feed)")
    try:
        raw = json.loads(line)
        header = FeedHeader.model_validate(raw)
    except (ValueError, ValidationError) as exc:
        raise MalformedFeed(f"header is not a valid {FORMAT} header: {_first_error(exc)}") from None
    if header.feed != feed:
        raise MalformedFeed(f"this is a {header.feed!r} feed, not {feed!r}")
    _verify(header, ring)
    return header


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
    return str(exc)


def _verify(header: FeedHeader, ring: KeyRing) -> None:
    what = f"{header.feed} {header.kind} v{header.version}"
    if not header.signature:
        raise UnsignedFeed(f"{what} is not signed")
    try:
        ring.check(header.key_id, header.signature, header.signed_bytes())
    except SignatureError as exc:
        if exc.reason == "unknown_key":
            raise BadSignature(f"signed with key {header.key_id}, which this lane does not trust "
                               f"(configured: {ring.describe()})") from None
        if exc.reason in ("key_expired", "key_not_yet_valid"):
            raise KeyOutsideWindow(f"{what}: {exc.detail}", exc.reason) from None
        raise BadSignature(f"{what}: signature does not verify (tampered or corrupted)") from None


def check_sequence(header: FeedHeader, held: int | None) -> None:
    """Refuse replays, older versions and deltas that do not start where the lane stands."""
    what = f"{header.feed} {header.kind} v{header.version}"
    if header.kind == "snapshot":
        if held is not None and header.version <= held:
            raise OlderVersion(f"{what} is not newer than the held v{held}")
        return
    if held is None:
        raise GapNeedsResync(f"{what} needs a snapshot first (none held): request a resync")
    if header.version <= held:
        raise OlderVersion(f"{what} is not newer than the held v{held} (replayed or old)")
    if header.base_version > held:
        raise GapNeedsResync(f"{what} starts at v{header.base_version} but v{held} is held: "
                             f"deltas v{held + 1}..v{header.base_version} are missing, request a resync")
    if header.base_version < held:
        raise OutOfSequence(f"{what} starts at v{header.base_version}, before the held v{held}")


def body_lines(stream: IO[bytes], header: FeedHeader) -> Iterator[bytes]:
    """Yield the body's lines; after the last, prove count and hash match the signed header."""
    digest = hashlib.sha256()
    for n in range(header.count):
        line = stream.readline()
        if not line.endswith(b"\n"):
            raise MalformedFeed(f"body ends after {n} of {header.count} lines (truncated)")
        digest.update(line)
        yield line
    if stream.read(1):
        raise MalformedFeed(f"body has more than the {header.count} lines the header announces")
    if digest.hexdigest() != header.body_sha256:
        raise BadSignature("body does not match the signed hash (tampered or corrupted)")


def write_feed(path: Path, feed: str, kind: str, version: int, lines: Iterable[bytes],
               private_key: Ed25519PrivateKey, base_version: int | None = None,
               created_at: datetime | None = None, key_id: str | None = None) -> FeedHeader:
    """Write a signed feed (what central does; used by tests and the benchmark). Lines end with '\\n'.

    ``key_id`` is the id the lanes list the key under in ``[[trust.keys]]`` (default: its fingerprint)."""
    digest, count = hashlib.sha256(), 0
    with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False, suffix=".body") as body:
        for line in lines:
            digest.update(line)
            body.write(line)
            count += 1
    header = FeedHeader(format=FORMAT, feed=feed, kind=kind, version=version, base_version=base_version,
                        created_at=created_at or datetime.now(UTC), count=count,
                        body_sha256=digest.hexdigest(), key_id=key_id or fingerprint(private_key.public_key()))
    header = header.model_copy(update={"signature": signature_b64(private_key, header.signed_bytes())})
    try:
        with path.open("wb") as out, open(body.name, "rb") as src:
            out.write(header.model_dump_json(exclude_none=True).encode() + b"\n")
            shutil.copyfileobj(src, out, 1 << 20)
    finally:
        os.unlink(body.name)
    return header


def json_line(value: dict[str, Any]) -> bytes:
    """One body line: compact JSON and a newline."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode() + b"\n"
