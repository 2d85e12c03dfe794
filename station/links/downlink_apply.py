"""Verified downlink messages applied to the lane: watchlist snapshots and deltas, declarations, commands.

The MQTT layer (sync/) has checked size, signature, schema, target and expiry; this module hands
the content to the same import code the `garita watchlist import` path uses, so sequence checks,
all-or-nothing application and refusal counters are the same whichever way a feed arrives.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from garita.station.declarations.declaration_store import DeclarationOp, apply_verified_op
from garita.station.links.signed_feed import FeedError, Replayed, json_line
from garita.station.ops.event_log import log_event
from garita.station.storage import downlink_state
from garita.station.storage.lane_store import LaneStore
from garita.station.watchlist.importer import apply_verified
from garita.sync.downlink import Refused, Verified

log = logging.getLogger("garita.downlink")
TRANSPORT_KEY_ID = "0" * 16  # recorded for a verified message that names no key (built by hand in tests)


def _issued(verified: Verified) -> datetime:
    try:
        return datetime.fromisoformat(verified.issued_at)
    except ValueError:
        return datetime.now(UTC)


def _expires(verified: Verified) -> datetime | None:
    try:
        when = datetime.fromisoformat(verified.expires_at) if verified.expires_at else None
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when and when.tzinfo is None else when


class DownlinkApplier:
    """The handler the sync link calls with each verified message; raises Refused for one not applied.

    The downlink counts and logs the refusal (once per burst); only applied messages count as accepted."""

    def __init__(self, data_dir: Path, store: LaneStore):
        self.data_dir = data_dir
        self.store = store
        self.refused = 0

    def __call__(self, verified: Verified) -> None:
        handlers = {"watchlist.snapshot": self._snapshot, "watchlist.delta": self._delta,
                    "declaration": self._declaration, "lane.command": self._command}
        handler = handlers.get(verified.kind)
        try:
            if handler is None:
                raise FeedError(f"unknown downlink kind {verified.kind!r}")
            handler(verified)
        except FeedError as exc:
            self.refused += 1
            raise Refused(exc.code, str(exc)) from None
        except (ValueError, KeyError, TypeError) as exc:
            self.refused += 1
            raise Refused("invalid", str(exc)) from None

    def _snapshot(self, verified: Verified) -> None:
        body = verified.body
        lines = [json_line(entry) for entry in body["entries"]]
        apply_verified(self.data_dir, "snapshot", int(body["version"]), None, lines,
                       verified.key_id or TRANSPORT_KEY_ID, _issued(verified), f"mqtt:{verified.message_id}")

    def _delta(self, verified: Verified) -> None:
        body = verified.body
        ops: list[dict[str, Any]] = [{"op": "upsert", "entry": entry} for entry in body.get("add", [])]
        removed = body.get("remove", [])
        ops += [{"op": "remove", "id": item["id"] if isinstance(item, dict) else item} for item in removed]
        apply_verified(self.data_dir, "delta", int(body["version"]), int(body["base_version"]),
                       [json_line(op) for op in ops], verified.key_id or TRANSPORT_KEY_ID, _issued(verified),
                       f"mqtt:{verified.message_id}")

    def _declaration(self, verified: Verified) -> None:
        body = verified.body
        if body.get("type") in ("remove", "cancel"):
            op = DeclarationOp(op="remove", id=body["declaration_id"])
        else:
            op = DeclarationOp.model_validate({"op": "upsert", "declaration": body["data"]})
        apply_verified_op(self.store, op, f"mqtt:{verified.message_id}", verified.message_id, _expires(verified))
        log_event(log, "declaration.applied", id=body["declaration_id"], op=op.op)

    def _command(self, verified: Verified) -> None:
        # Commands are recorded for the officers and the audit; acting on them (lane closed, sampling)
        # is policy the lane does not take without a person yet.
        now = datetime.now(UTC)
        with self.store.transaction() as tx:  # the replay check and the record commit together
            if downlink_state.already_applied(tx, verified.message_id):
                raise Replayed(f"command {verified.message_id} was applied already")
            downlink_state.forget_expired(tx, now)
            downlink_state.mark_applied(tx, verified.message_id, "lane.command", now,
                                        downlink_state.keep_until(_expires(verified), now))
            tx.audit(now, "central", "lane.command", None, {"id": verified.message_id, **verified.body})
        log_event(log, "lane.command", id=verified.message_id, command=verified.body.get("command"))
