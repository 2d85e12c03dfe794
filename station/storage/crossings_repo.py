"""SQL of the ``crossings`` and ``reads`` tables: one vehicle's crossing and what was read of it."""

from __future__ import annotations

from typing import TYPE_CHECKING, NotRequired, TypedDict, cast

from garita.station.storage.json_columns import JsonObject, from_json, to_json

if TYPE_CHECKING:
    from garita.station.storage.lane_store import LaneStore, Tx

UNDECIDED = ("open", "flagged_idle")


class CrossingRow(TypedDict):
    id: str
    lane_id: str
    state: str
    trigger: str
    opened_at: str
    last_activity_at: str
    closed_at: str | None
    flagged_at: str | None
    departed_at: str | None


class ReadRow(TypedDict):
    id: int
    crossing_id: str
    device: str
    kind: str
    value: str
    data: JsonObject  # parsed from the TEXT column
    read_at: str
    received_at: str | None
    image_path: str | None
    rule: str
    ambiguous: int


class NewCrossing(TypedDict):
    id: str
    lane_id: str
    state: str
    trigger: str
    opened_at: str
    last_activity_at: str


class NewRead(TypedDict):
    """A read as the lifecycle records it (``data`` is stored as JSON)."""

    crossing_id: str
    device: str
    kind: str
    value: str
    data: JsonObject
    read_at: str
    received_at: str
    image_path: str | None
    rule: NotRequired[str]
    ambiguous: NotRequired[int]


class ReadName(TypedDict):
    """What a read says of its vehicle, without its data."""

    kind: str
    value: str


class SegmentRow(TypedDict):
    """A crossing as the segmentation rules see it: its times and the plates and tags read on it."""

    id: str
    state: str
    departed_at: str | None
    last_activity_at: str
    opened_at: str
    closed_at: str | None
    plates: list[str]
    tags: list[str]


def _crossings(rows: list[dict[str, object]]) -> list[CrossingRow]:
    return cast("list[CrossingRow]", rows)


def _reads(rows: list[dict[str, object]]) -> list[ReadRow]:
    for row in rows:
        row["data"] = from_json(cast("str", row["data"]))
    return cast("list[ReadRow]", rows)


# --- crossings ------------------------------------------------------------------------------------------


def crossing(store: LaneStore, crossing_id: str) -> CrossingRow | None:
    """One crossing by its full id."""
    rows = _crossings(store.query("SELECT * FROM crossings WHERE id = ?", (crossing_id,)))
    return rows[0] if rows else None


def find(store: LaneStore, prefix: str) -> CrossingRow | None:
    """A crossing by full id or by a unique prefix (people type short ids)."""
    rows = _crossings(store.query("SELECT * FROM crossings WHERE id LIKE ? || '%' LIMIT 2", (prefix,)))
    return rows[0] if len(rows) == 1 else None


def matching(store: LaneStore, prefix: str, limit: int = 10) -> list[CrossingRow]:
    """Crossings whose id starts with ``prefix`` (at most ``limit``), oldest first."""
    return _crossings(store.query("SELECT * FROM crossings WHERE substr(id, 1, length(?)) = ?"
                                  " ORDER BY opened_at LIMIT ?", (prefix, prefix, limit)))


def in_state(store: LaneStore, state: str) -> list[CrossingRow]:
    """Crossings in one state, oldest first."""
    return _crossings(store.query("SELECT * FROM crossings WHERE state = ? ORDER BY opened_at", (state,)))


def undecided(store: LaneStore) -> list[CrossingRow]:
    """Open and flagged crossings in arrival order: the head is at the booth, the rest queue behind it."""
    return _crossings(store.query("SELECT * FROM crossings WHERE state IN (?, ?) ORDER BY opened_at, rowid",
                                  UNDECIDED))


def present(store: LaneStore) -> CrossingRow | None:
    """The newest crossing whose vehicle has not left the lane."""
    rows = _crossings(store.query("SELECT * FROM crossings WHERE departed_at IS NULL"
                                  " ORDER BY opened_at DESC LIMIT 1"))
    return rows[0] if rows else None


def opened_since(store: LaneStore, since: str | None) -> list[CrossingRow]:
    """Every crossing opened at or after ``since`` (an ISO prefix; None: all), oldest first."""
    return _crossings(store.query("SELECT * FROM crossings WHERE (? IS NULL OR opened_at >= ?) ORDER BY opened_at",
                                  (since, since)))


_SEGMENT = "SELECT id, state, departed_at, last_activity_at, opened_at, closed_at FROM crossings"


def segment_view(store: LaneStore, limit: int, include: str | None = None) -> list[SegmentRow]:
    """The newest crossings (oldest first) with the plates and tags read on each, for segmentation."""
    rows = store.query(f"{_SEGMENT} ORDER BY opened_at DESC, rowid DESC LIMIT ?", (limit,))
    if include and include not in {r["id"] for r in rows}:
        rows += store.query(f"{_SEGMENT} WHERE id = ?", (include,))
    rows.sort(key=lambda r: cast("str", r["opened_at"]))
    ids = [r["id"] for r in rows]
    marks = ",".join("?" * len(ids))
    seen = store.query(f"SELECT crossing_id, kind, value FROM reads WHERE kind IN ('plate', 'rfid')"
                       f" AND crossing_id IN ({marks})", ids) if ids else []
    for row in rows:
        row["plates"] = [s["value"] for s in seen if s["crossing_id"] == row["id"] and s["kind"] == "plate"]
        row["tags"] = [s["value"] for s in seen if s["crossing_id"] == row["id"] and s["kind"] == "rfid"]
    return cast("list[SegmentRow]", rows)


def insert(tx: Tx, row: NewCrossing) -> None:
    """A new crossing (id, lane_id, state, trigger, opened_at, last_activity_at)."""
    tx.conn.execute("INSERT INTO crossings (id, lane_id, state, trigger, opened_at, last_activity_at)"
                    " VALUES (:id, :lane_id, :state, :trigger, :opened_at, :last_activity_at)", row)


CROSSING_FIELDS = frozenset({"state", "last_activity_at", "closed_at", "flagged_at", "departed_at"})


def update(tx: Tx, crossing_id: str, **fields: str | None) -> None:
    """Set some of a crossing's changing fields (state and its times)."""
    unknown = set(fields) - CROSSING_FIELDS
    if unknown:  # the names go into the statement: only known columns may
        raise ValueError(f"not a changing crossing field: {', '.join(sorted(unknown))}")
    sets = ", ".join(f"{name} = :{name}" for name in fields)
    tx.conn.execute(f"UPDATE crossings SET {sets} WHERE id = :id", {**fields, "id": crossing_id})


# --- reads ----------------------------------------------------------------------------------------------


def read(store: LaneStore, read_id: int) -> ReadRow | None:
    """One read, its data parsed."""
    rows = _reads(store.query("SELECT * FROM reads WHERE id = ?", (read_id,)))
    return rows[0] if rows else None


def reads_of(store: LaneStore, crossing_id: str) -> list[ReadRow]:
    """A crossing's reads in the order they were recorded, their data parsed."""
    return _reads(store.query("SELECT * FROM reads WHERE crossing_id = ? ORDER BY id", (crossing_id,)))


def read_names(store: LaneStore, crossing_id: str) -> list[ReadName]:
    """Kind and value of a crossing's reads, in order (the queue's summary, without parsing data)."""
    rows = store.query("SELECT kind, value FROM reads WHERE crossing_id = ? ORDER BY id", (crossing_id,))
    return cast("list[ReadName]", rows)


def image_path(store: LaneStore, read_id: int) -> str | None:
    """Where a read's image is stored, relative to the data directory (None: no image, or no such read)."""
    rows = store.query("SELECT image_path FROM reads WHERE id = ?", (read_id,))
    return cast("str | None", rows[0]["image_path"]) if rows else None


def plates_from_image(store: LaneStore, image_read_id: int) -> list[JsonObject]:
    """The data of every plate read recognised in one image read."""
    rows = store.query("SELECT data FROM reads WHERE kind = 'plate' AND json_extract(data, '$.image_read_id') = ?",
                       (image_read_id,))
    return [from_json(cast("str", row["data"])) for row in rows]


def insert_read(tx: Tx, row: NewRead) -> int:
    """A new read; returns its id (the data object is stored as JSON)."""
    cursor = tx.conn.execute(
        "INSERT INTO reads (crossing_id, device, kind, value, data, read_at, received_at, image_path, rule,"
        " ambiguous) VALUES (:crossing_id, :device, :kind, :value, :data, :read_at, :received_at, :image_path,"
        " :rule, :ambiguous)",
        {"rule": "", "ambiguous": 0, **row, "data": to_json(row.get("data", {}))},
    )
    return int(cursor.lastrowid or 0)


def move_read(tx: Tx, read_id: int, crossing_id: str, rule: str) -> None:
    """Re-attach a read to another crossing under ``rule`` (no longer a guess)."""
    tx.conn.execute("UPDATE reads SET crossing_id = ?, rule = ?, ambiguous = 0 WHERE id = ?",
                    (crossing_id, rule, read_id))


# --- crossings with their decisions (lists and searches) ---------------------------------------------------


class RecentRow(CrossingRow):
    """A crossing with its decision's outline and how many reads it has."""

    action: str | None
    officer_id: str | None
    reason: str | None
    decided_at: str | None
    read_count: int


class HistoryRow(TypedDict):
    """A crossing as the booth's history lists it: state, the decision whole, the values read on it."""

    id: str
    state: str
    opened_at: str
    action: str | None
    officer_id: str | None
    reason: str | None
    decided_at: str | None
    recommendation: str | None
    override: int | None
    second_officer_id: str | None
    read_values: str | None  # comma-separated distinct non-empty values


class Sighting(TypedDict):
    """One read of an earlier crossing whose value this crossing's plates or documents share."""

    id: str
    opened_at: str
    action: str | None
    recommendation: str | None
    override: int | None
    kind: str
    value: str


def recent(store: LaneStore, limit: int = 20, since: str | None = None) -> list[RecentRow]:
    """Newest first, each with its decision and a count of its reads."""
    return cast("list[RecentRow]", store.query(
        "SELECT c.*, d.action, d.officer_id, d.reason, d.decided_at,"
        " (SELECT COUNT(*) FROM reads r WHERE r.crossing_id = c.id) AS read_count"
        " FROM crossings c LEFT JOIN decisions d ON d.crossing_id = c.id"
        " WHERE (? IS NULL OR c.opened_at >= ?) ORDER BY c.opened_at DESC, c.id DESC LIMIT ?",
        (since, since, limit)))


_HISTORY = (
    "SELECT c.id, c.state, c.opened_at, d.action, d.officer_id, d.reason, d.decided_at, d.recommendation,"
    " d.override, d.second_officer_id,"
    " (SELECT group_concat(DISTINCT r.value) FROM reads r WHERE r.crossing_id = c.id AND r.value != '')"
    " AS read_values"
    " FROM crossings c LEFT JOIN decisions d ON d.crossing_id = c.id"
)
# Every searchable field of a read: its value (plate, EPC, barcode, document number) and the
# names and container codes parsers put in its data.
_HISTORY_MATCH = (
    " WHERE c.id IN (SELECT r.crossing_id FROM reads r WHERE r.value LIKE :q ESCAPE '\\'"
    " OR json_extract(r.data, '$.surname') LIKE :q ESCAPE '\\'"
    " OR json_extract(r.data, '$.given_names') LIKE :q ESCAPE '\\'"
    " OR json_extract(r.data, '$.plate') LIKE :q ESCAPE '\\'"
    " OR json_extract(r.data, '$.containers') LIKE :q ESCAPE '\\'"
    " OR json_extract(r.data, '$.name') LIKE :q ESCAPE '\\')"
    " OR d.officer_id LIKE :q ESCAPE '\\'"
)
_HISTORY_ORDER = " ORDER BY c.opened_at DESC, c.id DESC LIMIT :limit"


def like_pattern(text: str) -> str:
    """``%text%`` with LIKE's wildcards escaped, so a search for ``50%`` finds exactly that."""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def history(store: LaneStore, text: str | None, limit: int) -> list[HistoryRow]:
    """Newest first: every crossing (``text`` None), or those with a read, name or officer containing it."""
    if text is None:
        rows = store.query(_HISTORY + _HISTORY_ORDER, {"limit": limit})
    else:
        rows = store.query(_HISTORY + _HISTORY_MATCH + _HISTORY_ORDER, {"q": like_pattern(text), "limit": limit})
    return cast("list[HistoryRow]", rows)


def earlier_sightings(store: LaneStore, crossing_id: str, limit: int) -> list[Sighting]:
    """Reads of other crossings (newest first) with a plate or document value this crossing has too."""
    return cast("list[Sighting]", store.query(
        "SELECT c.id, c.opened_at, d.action, d.recommendation, d.override, r.kind, r.value"
        " FROM reads r JOIN crossings c ON c.id = r.crossing_id LEFT JOIN decisions d ON d.crossing_id = c.id"
        " WHERE r.crossing_id != :id AND r.kind IN ('plate', 'document') AND r.value != '' AND r.value IN"
        " (SELECT value FROM reads WHERE crossing_id = :id AND kind IN ('plate', 'document'))"
        " ORDER BY c.opened_at DESC LIMIT :limit", {"id": crossing_id, "limit": limit}))
