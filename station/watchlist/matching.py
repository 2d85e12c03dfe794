"""Look values up in the cache and say why each hit matched: which entry, which tier, which characters."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from garita.station.storage import watchlist_repo
from garita.station.watchlist import containers, normalise
from garita.station.watchlist.entries import Entry
from garita.station.watchlist.watchlist_keys import fuzzy_probes, name_keys

# Lower sorts first: how sure the match is.
TIER_RANK = {"exact": 0, "check_digit": 1, "ocr_confusion": 2, "edit1": 3, "name": 4}
ACTION_RANK = {"detain": 0, "refer": 1, "notify": 2}
DEFAULT_CONFUSIONS = ("0ODQ", "1IL", "2Z", "5S", "8B", "6G")


@dataclass(frozen=True)
class MatchSettings:
    """How tolerant matching is (from ``[watchlist]`` in lane.toml)."""

    confusion_classes: tuple[str, ...] = DEFAULT_CONFUSIONS
    edit_distance_tier: bool = True
    check_digit_tier: bool = True
    name_threshold: float = 88.0

    def confusions(self) -> dict[str, str]:
        """Each character mapped to the characters OCR confuses it with (its class)."""
        table: dict[str, str] = {}
        for group in self.confusion_classes:
            for char in group:
                table[char] = table.get(char, "") + group
        return table


@dataclass(frozen=True)
class Hit:
    """One watchlist entry that a read matched, and why."""

    entry_id: str
    kind: str
    action: str
    reason_code: str
    reason_en: str
    reason_es: str
    agency: str
    tier: str
    queried: str
    listed: str
    differences: tuple[str, ...] = ()
    score: float | None = None
    notes: tuple[str, ...] = field(default=())

    def sort_key(self) -> tuple[int, int, str]:
        return ACTION_RANK[self.action], TIER_RANK[self.tier], self.entry_id

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _hit(entry: Entry, tier: str, queried: str, listed: str, **extra: Any) -> Hit:
    return Hit(entry.id, entry.kind, entry.action.value, entry.reason_code, entry.reason_en, entry.reason_es,
               entry.agency, tier, queried, listed, **extra)


def describe_edit(read: str, listed: str) -> tuple[str, ...]:
    """Each difference in words, positions counted from 1: "3: read 'O', listed '0'"."""
    described = []
    for op in Levenshtein.editops(read, listed):
        if op.tag == "replace":
            described.append(f"{op.src_pos + 1}: read {read[op.src_pos]!r}, listed {listed[op.dest_pos]!r}")
        elif op.tag == "delete":
            described.append(f"{op.src_pos + 1}: read has extra {read[op.src_pos]!r}")
        else:
            described.append(f"{op.src_pos + 1}: read lacks {listed[op.dest_pos]!r}")
    return tuple(described)


def edit_tier(read: str, listed: str, confusions: dict[str, str]) -> str | None:
    """'exact', 'ocr_confusion' (one substitution within a confusion class), 'edit1', or None if farther."""
    if read == listed:
        return "exact"
    if Levenshtein.distance(read, listed, score_cutoff=1) > 1:
        return None
    if len(read) == len(listed):
        place = next(i for i, (a, b) in enumerate(zip(read, listed, strict=True)) if a != b)
        if listed[place] in confusions.get(read[place], ""):
            return "ocr_confusion"
    return "edit1"


class Matcher:
    """Lookups against one open snapshot file; every method returns hits sorted most serious first."""

    def __init__(self, conn: sqlite3.Connection, settings: MatchSettings | None = None):
        self.conn = conn
        self.settings = settings or MatchSettings()
        self._confusions = self.settings.confusions()

    def _entries(self, keys: list[str]) -> list[Entry]:
        """The entries filed under any of ``keys`` (each once)."""
        return watchlist_repo.entries_under(self.conn, keys)

    def _in_force(self, hits: list[Hit], entries: dict[str, Entry], now: datetime | None) -> list[Hit]:
        moment = now or datetime.now(UTC)
        return sorted((h for h in hits if entries[h.entry_id].in_force(moment)), key=Hit.sort_key)

    def plate(self, text: str, state: str | None = None, now: datetime | None = None) -> list[Hit]:
        """Plates: exact, one OCR confusion, or (if enabled) any one edit; a different state is noted."""
        read = normalise.plate(text)
        if not read:
            return []
        found = {e.id: e for e in self._entries(fuzzy_probes("P", "p", read))}
        hits = [h for e in found.values() if (h := self._fuzzy_hit(e, read, normalise.plate(e.plate), state))]
        return self._in_force(hits, found, now)

    def _fuzzy_hit(self, entry: Entry, read: str, listed: str, state: str | None = None) -> Hit | None:
        tier = edit_tier(read, listed, self._confusions)
        if tier is None or (tier == "edit1" and not self.settings.edit_distance_tier):
            return None
        notes = ()
        if state and entry.state and normalise.alnum_upper(state) != normalise.alnum_upper(entry.state):
            notes = (f"state differs: read {state}, listed {entry.state}",)
        return _hit(entry, tier, read, listed, differences=describe_edit(read, listed), notes=notes)

    def container(self, text: str, now: datetime | None = None) -> list[Hit]:
        """Containers: the plate tiers, plus check-digit-valid repairs of the read."""
        read = normalise.container(text)
        if not read:
            return []
        repairs = containers.repairs(read, self._confusions) if self.settings.check_digit_tier else []
        probes = fuzzy_probes("C", "c", read) + ["C" + r for r in repairs]
        found = {e.id: e for e in self._entries(probes)}
        hits = []
        for entry in found.values():
            listed = normalise.container(entry.container)
            if listed in repairs and listed != read:
                hits.append(_hit(entry, "check_digit", read, listed, differences=describe_edit(read, listed)))
            elif hit := self._fuzzy_hit(entry, read, listed):
                hits.append(hit)
        return self._in_force(hits, found, now)

    def document(self, number: str, country: str | None = None, now: datetime | None = None) -> list[Hit]:
        """Travel documents by normalised number; an issuing country, when both sides know it, must agree."""
        read, issuer = normalise.document_number(number), normalise.country(country)
        if not read:
            return []
        found = {e.id: e for e in self._entries(["D" + read])}
        hits = [_hit(e, "exact", read, normalise.document_number(e.number)) for e in found.values()
                if not (issuer and e.country and normalise.country(e.country) != issuer)]
        return self._in_force(hits, found, now)

    def rfid(self, epc: str, now: datetime | None = None) -> list[Hit]:
        """RFID tags by EPC."""
        read = normalise.epc(epc)
        found = {e.id: e for e in self._entries(["R" + read])} if read else {}
        return self._in_force([_hit(e, "exact", read, read) for e in found.values()], found, now)

    def carrier(self, code: str, now: datetime | None = None) -> list[Hit]:
        """Carriers by SCAC or RFC."""
        read = normalise.carrier_code(code)
        found = {e.id: e for e in self._entries(["S" + read, "F" + read])} if read else {}
        return self._in_force([_hit(e, "exact", read, read) for e in found.values()], found, now)

    def person(self, name: str, dob: date | None = None, now: datetime | None = None) -> list[Hit]:
        """People by name words (case, accents, order and particles ignored) and date of birth."""
        tokens = normalise.name_tokens(name)
        if not tokens:
            return []
        probes = sorted(name_keys([name]) | ({"B" + dob.isoformat()} if dob else set()))
        found = {e.id: e for e in self._entries(probes)}
        hits = [h for e in found.values() if (h := self._person_hit(e, tokens, dob))]
        return self._in_force(hits, found, now)

    def _person_hit(self, entry: Entry, tokens: tuple[str, ...], dob: date | None) -> Hit | None:
        if dob and entry.dob and dob != entry.dob:
            return None  # same name, different person
        best, listed = max((name_score(tokens, normalise.name_tokens(n)), n) for n in entry.names)
        if best < self.settings.name_threshold:
            return None
        notes = (f"date of birth {dob} matches",) if dob and entry.dob else ()
        return _hit(entry, "name", " ".join(tokens), listed, score=round(best, 1),
                    differences=name_differences(tokens, normalise.name_tokens(listed)), notes=notes)


def name_score(read: tuple[str, ...], listed: tuple[str, ...]) -> float:
    """0-100: word order free; a read that omits words (a second surname) scores as its overlap allows."""
    read_text, listed_text = " ".join(read), " ".join(listed)
    sort_ratio = fuzz.token_sort_ratio(read_text, listed_text)
    if min(len(read), len(listed)) < 2:
        return sort_ratio  # one shared word ("JUAN") must not make a subset match
    return max(sort_ratio, fuzz.token_set_ratio(read_text, listed_text))


def name_differences(read: tuple[str, ...], listed: tuple[str, ...]) -> tuple[str, ...]:
    """Words on one side only, e.g. the second surname a US document leaves out."""
    only_read, only_listed = sorted(set(read) - set(listed)), sorted(set(listed) - set(read))
    return tuple([f"read only: {' '.join(only_read)}"] * bool(only_read)
                 + [f"listed only: {' '.join(only_listed)}"] * bool(only_listed))
