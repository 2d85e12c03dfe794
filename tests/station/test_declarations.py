"""Declarations: signed import into garita.db, matching a crossing by any strong key, discrepancy tables."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from garita.station.core.crossing_facts import DocumentSeen, Observed, observe
from garita.station.declarations import declaration_store as declaration_store
from garita.station.declarations import discrepancies
from garita.station.declarations.declaration import Declaration
from garita.station.declarations.declaration_keys import declaration_keys, pedimento_key
from garita.station.links.signed_feed import BadSignature, GapNeedsResync, OlderVersion, json_line, write_feed
from garita.station.watchlist.matching import MatchSettings
from tests.station.watchlist_feeds import CENTRAL, KEYS, ROGUE

NOW = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
CONFUSIONS = MatchSettings().confusions()


def declaration(**changes) -> dict:
    base = {
        "id": "DEC-1", "version": 1, "scn": "ABCD2403150001", "pedimentos": ["24 07 3456 4001234"],
        "trip_id": "T-77", "carrier_scac": "ABCD",
        "driver": {"name": "Juan Carlos Garcia Lopez", "document_number": "G12345678", "document_country": "MEX",
                   "fast_card": "3000 2141 60C0 0400 0000 6013"},
        "tractor_plate": "AX3-7762", "trailer_plates": ["T12-345"],
        "containers": [{"number": "CSQU3054383", "seals": ["SEAL001"]}],
        "goods": [{"hs_code": "870899", "description": "auto parts", "value": 12000, "weight_kg": 900,
                   "origin": "MEX"}],
        "importer": "Acme US", "exporter": "Acme MX",
        "arrival_from": (NOW - timedelta(hours=2)).isoformat(), "arrival_until": (NOW + timedelta(hours=6)).isoformat(),
        "pre_arrival_risk": "low",
    }
    return {**base, **changes}


def feed(path, version, items, kind="snapshot", base=None, key=CENTRAL):
    write_feed(path, "declarations", kind, version, (json_line(i) for i in items), key, base_version=base)
    return path


OBSERVED = Observed(plates=(("AX37762", "Texas"),), containers=("CSQU3054383",),
                    epcs=("3000214160C0040000006013",), scns=("ABCD2403150001",),
                    documents=(DocumentSeen("G12345678", "MEX", "JUAN CARLOS GARCIA LOPEZ"),))


@pytest.mark.parametrize(("observed", "codes"), [
    (OBSERVED, []),
    (Observed(plates=(("AX37762", ""),)), []),                        # only a plate read: nothing else to compare
    (Observed(plates=(("AX3776Z", ""),), scns=("ABCD2403150001",)), []),  # one OCR confusion is the same plate
    (Observed(plates=(("ZZZ999", ""),), scns=("ABCD2403150001",)), ["plate"]),
    (Observed(containers=("CSQU3054383", "MSCU6639870")), ["container_unexpected"]),
    (Observed(containers=("MSCU6639870",), scns=("ABCD2403150001",)), ["container_missing", "container_unexpected"]),
    (Observed(scns=("ABCD2403150001",), seals=("SEAL999",)), ["seal"]),
    (Observed(scns=("ABCD2403150001",), documents=(DocumentSeen("X9999999"),)), ["driver"]),
    (Observed(scns=("ABCD2403150001",), epcs=("E2000000",)), ["driver_tag"]),
])
def test_discrepancy_table(observed, codes):
    found = discrepancies.compare(Declaration.model_validate(declaration()), observed, NOW, CONFUSIONS)
    assert [d.code for d in found] == codes
    assert all(d.en and d.es for d in found)


def test_expired_declaration():
    late = NOW + timedelta(days=1)
    found = discrepancies.compare(Declaration.model_validate(declaration()), OBSERVED, late, CONFUSIONS)
    assert [d.code for d in found] == ["declaration_expired"]


def test_missing_declaration_only_for_commercial_crossings():
    assert discrepancies.missing(Observed(scns=("ABCD1",))).code == "declaration_missing"
    assert not Observed(plates=(("ABC123", ""),)).commercial


@pytest.mark.parametrize("observed", [
    Observed(scns=("ABCD2403150001",)), Observed(pedimentos=("24073456" "4001234",)),
    Observed(containers=("CSQU3054383",)), Observed(plates=(("T12345", ""),)),
    Observed(epcs=("3000214160C0040000006013",)),
])
def test_any_strong_key_finds_the_declaration(observed):
    other = Declaration.model_validate(declaration(id="DEC-2", scn="WXYZ1", pedimentos=[], containers=[],
                                                   tractor_plate="OTHER1", trailer_plates=[], driver={}))
    assert discrepancies.find([other, Declaration.model_validate(declaration())], observed).id == "DEC-1"


@given(st.text(alphabet="0123456789 ", max_size=30))
def test_pedimento_key_keeps_only_digits(text):
    assert pedimento_key(text) == text.replace(" ", "")


def test_observe_folds_stored_reads():
    reads = [
        {"kind": "barcode", "value": "ABCD2403150001", "data": {"type": "paps", "scn": "ABCD2403150001"}},
        {"kind": "barcode", "value": "24 07 3456 4001234", "data": {"type": "pedimento"}},
        {"kind": "rfid", "value": "3000 2141 60C0 0400 0000 6013", "data": {}},
        {"kind": "image", "value": "", "data": {"plate": {"text": "AX3-7762"}, "containers": ["CSQU 305438 3"]}},
        {"kind": "document", "value": "G12345678", "data": {
            "issuing_state": "MEX", "surname": "GARCIA LOPEZ", "given_names": "JUAN CARLOS",
            "birth_date": "1985-03-15", "expiry_date": "2020-01-01", "checks": {"document_number": False}}},
    ]
    seen = observe(reads, date(2026, 11, 28))
    assert seen.scns == ("ABCD2403150001",) and seen.carriers == ("ABCD",)
    assert seen.pedimentos == ("240734564001234",) and seen.epcs == ("3000214160C0040000006013",)
    assert seen.plates == (("AX37762", ""),) and seen.containers == ("CSQU3054383",)
    document = seen.documents[0]
    assert (document.name, document.expired, document.check_digits_ok) == ("JUAN CARLOS GARCIA LOPEZ", True, False)
    assert discrepancies.observed_keys(seen) & declaration_keys(Declaration.model_validate(declaration()))


def test_signed_import_snapshot_and_delta(tmp_path, store, data_dir):
    assert declaration_store.import_declarations(store, data_dir, feed(tmp_path / "s.feed", 2, [declaration()]),
                                                 KEYS) == 2
    assert [d.id for d in declaration_store.candidates(store, {"scn:ABCD2403150001"})] == ["DEC-1"]
    ops = [{"op": "upsert", "declaration": declaration(id="DEC-2", scn="WXYZ0000001", version=3)},
           {"op": "remove", "id": "DEC-1"}]
    declaration_store.import_declarations(store, data_dir, feed(tmp_path / "d.feed", 3, ops, "delta", 2), KEYS)
    assert declaration_store.candidates(store, {"scn:ABCD2403150001"}) == []
    assert [d.id for d in declaration_store.candidates(store, {"scn:WXYZ0000001"})] == ["DEC-2"]
    audit = store.query("SELECT action, detail FROM audit WHERE action = 'declarations.applied'")
    assert len(audit) == 2


@pytest.mark.parametrize(("make", "error"), [
    (lambda p: feed(p, 2, [declaration()], key=ROGUE), BadSignature),
    (lambda p: feed(p, 1, [declaration()]), OlderVersion),
    (lambda p: feed(p, 5, [], "delta", 4), GapNeedsResync),
])
def test_refused_declaration_feeds_change_nothing(tmp_path, store, data_dir, make, error):
    declaration_store.import_declarations(store, data_dir, feed(tmp_path / "s.feed", 1, [declaration()]), KEYS)
    with pytest.raises(error):
        declaration_store.import_declarations(store, data_dir, make(tmp_path / "x.feed"), KEYS)
    assert declaration_store.held_version(store) == 1
    assert [d.id for d in declaration_store.candidates(store, {"scn:ABCD2403150001"})] == ["DEC-1"]


json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10)),
                           lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                   st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                           max_leaves=10)


@given(st.lists(st.fixed_dictionaries({
    "kind": st.sampled_from(["rfid", "barcode", "document", "image", "plate", "container"]),
    "value": st.text(max_size=20),
    "data": st.dictionaries(st.sampled_from(["type", "plate", "plates", "containers", "seals", "checks",
                                             "surname", "birth_date", "expiry_date", "issuing_state"]),
                            json_values, max_size=5)}), max_size=6))
def test_observe_never_crashes_on_odd_reads(reads):
    seen = observe(reads, date(2026, 11, 28))
    assert all(isinstance(p, str) for p, _ in seen.plates)


def test_reads_without_seals_show_no_seal():
    seen = observe([{"kind": "image", "value": "", "data": {"containers": ["CSQU3054383"], "seals": None}}],
                   date(2026, 11, 28))
    assert seen.seals == () and seen.containers == ("CSQU3054383",)


def test_vision_reads_bring_their_alternatives():
    reads = [{"kind": "plate", "value": "8XYZ123", "data": {"candidates": [{"text": "8XYZ123"}, {"text": "BXYZ123"}]}},
             {"kind": "container", "value": "CSQU3054383", "data": {"candidates": [{"text": "CSQU3054383"}]}}]
    seen = observe(reads, date(2026, 11, 28))
    assert seen.plates == (("8XYZ123", ""), ("BXYZ123", "")) and seen.containers == ("CSQU3054383",)
