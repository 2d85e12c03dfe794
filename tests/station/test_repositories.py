"""The storage repositories on a real lane database: typed rows back, one transaction per change."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from garita.station.core.lifecycle import Lifecycle, ReadIn
from garita.station.storage import assessments_repo, audit_repo, crossings_repo, outbox_repo
from garita.station.storage.assessments_repo import AssessmentRecord
from garita.station.storage.database import set_synchronous
from garita.sync.outbox import OutboxUsage

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _lifecycle(store, step_s: float = 1.0) -> Lifecycle:
    clock = iter(T0 + timedelta(seconds=n * step_s) for n in range(1000))
    return Lifecycle(store, "lane-03", idle_timeout_s=300, clock=lambda: next(clock))


def _read(kind: str, value: str, **data: object) -> ReadIn:
    return ReadIn(f"{kind}-1", kind, value, dict(data), T0)


def test_the_latest_assessment_is_the_newest_and_its_detail_comes_back_parsed(store):
    crossing = _lifecycle(store).record_read(_read("plate", "ABC123")).crossing_id
    assert assessments_repo.latest(store, crossing) is None
    for n, recommendation in enumerate(("release", "secondary")):
        record = AssessmentRecord(f"a{n}", crossing, recommendation, {"reasons": [f"r{n}"], "waiting_for": []},
                                  7, None, None, (T0 + timedelta(seconds=n)).isoformat())
        with store.transaction() as tx:
            assessments_repo.append(tx, record)
    latest = assessments_repo.latest(store, crossing)
    assert latest == AssessmentRecord("a1", crossing, "secondary", {"reasons": ["r1"], "waiting_for": []}, 7,
                                      None, None, (T0 + timedelta(seconds=1)).isoformat())
    assert store.latest_recommendation(crossing) == "secondary"


def test_a_failed_write_leaves_neither_the_row_nor_its_audit_or_outbox_rows(store):
    crossing = _lifecycle(store).record_read(_read("plate", "ABC123")).crossing_id
    before = store.counts()
    with pytest.raises(sqlite3.IntegrityError), store.transaction() as tx:
        tx.audit(T0, "risk", "crossing.assessed", crossing, {})
        assessments_repo.append(tx, AssessmentRecord("x", crossing, "maybe", {}, None, None, None, T0.isoformat()))
    assert store.counts() == before


def test_crossing_lists_present_undecided_and_since(store):
    lifecycle = _lifecycle(store)
    first = lifecycle.record_read(_read("plate", "AAA111")).crossing_id
    second = lifecycle.record_read(_read("plate", "BBB222")).crossing_id  # the next vehicle: the first one left
    assert crossings_repo.present(store)["id"] == second
    assert [c["id"] for c in crossings_repo.undecided(store)] == [first, second]
    lifecycle.decide(first, "release", "officer-1")
    assert [c["id"] for c in crossings_repo.undecided(store)] == [second]
    assert [c["id"] for c in crossings_repo.opened_since(store, None)] == [first, second]
    opened = crossings_repo.crossing(store, second)["opened_at"]
    assert [c["id"] for c in crossings_repo.opened_since(store, opened)] == [second]


def test_earlier_sightings_and_history_search(store):
    lifecycle = _lifecycle(store, step_s=1800)  # the same car again, long after: another visit
    first = lifecycle.record_read(_read("plate", "ABC123")).crossing_id
    lifecycle.decide(first, "secondary", "officer-1", "spot check")
    second = lifecycle.record_read(_read("plate", "ABC123")).crossing_id
    assert second != first
    seen = crossings_repo.earlier_sightings(store, second, 10)
    assert [(s["id"], s["action"], s["value"]) for s in seen] == [(first, "secondary", "ABC123")]
    assert [r["id"] for r in crossings_repo.history(store, "abc1", 10)] == [second, first]
    assert [r["id"] for r in crossings_repo.history(store, "officer-1", 10)] == [first]
    assert crossings_repo.history(store, "50%", 10) == []  # a wildcard is searched for, not obeyed
    assert len(crossings_repo.history(store, None, 1)) == 1


def test_image_reads_and_the_plates_read_from_them(store):
    lifecycle = _lifecycle(store)
    image = lifecycle.record_read(ReadIn("cam-1", "image", "", {}, T0, "images/2026/03/01/a.jpg"))
    plate = lifecycle.record_read(_read("plate", "ABC123", image_read_id=image.read_id, box=[1, 2, 3, 4]),
                                  into=image.crossing_id)
    assert crossings_repo.image_path(store, image.read_id) == "images/2026/03/01/a.jpg"
    assert crossings_repo.image_path(store, plate.read_id) is None
    assert crossings_repo.image_path(store, 10**9) is None
    assert [d["box"] for d in crossings_repo.plates_from_image(store, image.read_id)] == [[1, 2, 3, 4]]
    assert [r["kind"] for r in crossings_repo.read_names(store, image.crossing_id)] == ["image", "plate"]


def test_only_a_crossing_s_changing_fields_can_be_updated(store):
    crossing = _lifecycle(store).record_read(_read("plate", "ABC123")).crossing_id
    with pytest.raises(ValueError, match="lane_id"), store.transaction() as tx:
        crossings_repo.update(tx, crossing, lane_id="elsewhere")
    assert crossings_repo.crossing(store, crossing)["lane_id"] == "lane-03"


def test_audit_entries_head_and_verified_snapshot(store):
    lifecycle = _lifecycle(store)
    crossing = lifecycle.record_read(_read("plate", "ABC123")).crossing_id
    assert [e["action"] for e in audit_repo.entries_of(store, crossing)] == ["crossing.opened", "crossing.read"]
    with store.transaction() as tx:
        head = audit_repo.head(tx)
    verdict, comparison = audit_repo.verify(store, None)
    assert verdict.ok and comparison is None and verdict.head == head["hash"] and head["entry_id"] == 2


def test_the_backlog_counts_what_the_broker_has_not_confirmed(store):
    _lifecycle(store).record_read(_read("plate", "ABC123"))
    outbox = outbox_repo.LaneStoreOutbox(store)
    pending = outbox.pending(100)
    assert outbox_repo.pending_count(store) == len(pending) > 0
    outbox.mark_sent([pending[0].id], T0.isoformat())
    assert outbox_repo.pending_count(store) == len(pending) - 1


def _queue(store, *rows: tuple[str, int | None]) -> list[str]:
    """Insert (kind, priority) rows (None: the default priority) in one transaction; returns their ids."""
    with store.transaction() as tx:
        return [outbox_repo.insert(tx, T0, kind, {"n": i}) if priority is None
                else outbox_repo.insert(tx, T0, kind, {"n": i}, priority)
                for i, (kind, priority) in enumerate(rows)]


def test_outbox_rows_default_to_priority_5_and_unbounded_pending_returns_every_priority(store):
    outbox = outbox_repo.LaneStoreOutbox(store)
    assert outbox.usage() == OutboxUsage(0, 0, 0)  # an empty table: counts are 0, not None
    _queue(store, ("event", None), ("event", -5), ("event", 1000), ("alert", 0))
    assert [r.priority for r in outbox.pending(10)] == [5, -5, 1000, 0]
    assert [r.priority for r in outbox.pending(10, min_priority=0)] == [5, 1000, 0]
    assert [r.priority for r in outbox.pending(10, max_priority=5)] == [5, -5, 0]
    assert [r.priority for r in outbox.pending(10, min_priority=0, max_priority=5, after_seq=1)] == [0]
    outbox.mark_sent([outbox.pending(1)[0].id], T0.isoformat())
    usage = outbox.usage()
    assert (usage.pending_rows, usage.sent_rows) == (3, 1) and usage.bytes > 0


def test_shedding_keeps_the_kept_kinds_and_with_none_kept_sheds_any(store):
    outbox = outbox_repo.LaneStoreOutbox(store)
    _queue(store, ("alert", 9), ("event", 1), ("event", 9), ("decision", 9))
    assert outbox.shed_pending(["alert", "decision"], 10) == 2
    assert [r.kind for r in outbox.pending(10)] == ["alert", "decision"]
    assert outbox.shed_pending([], 1) == 1  # nothing kept: the least urgent, oldest first
    assert [r.kind for r in outbox.pending(10)] == ["decision"]


def test_synchronous_is_full_or_normal_only(store):
    set_synchronous(store.db, "NORMAL")
    assert store.db.conn.execute("PRAGMA synchronous").fetchone()[0] == 1
    with pytest.raises(ValueError, match="FULL or NORMAL"):
        set_synchronous(store.db, "OFF; DROP TABLE reads")  # type: ignore[arg-type]
