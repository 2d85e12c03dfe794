"""Booth building blocks without a server: PIN hashes, sessions, the override rule, search, catalogs."""

from __future__ import annotations

import pytest

from station.booth.decisions import DecisionRefused, DecisionRequest, reason_for
from station.booth.history import like_pattern
from station.booth.i18n import LANGUAGES, catalog, check_catalogs
from station.booth.officers import add_officer, get_officer
from station.booth.pins import PinError, hash_pin, verify_pin
from station.booth.sessions import SessionStore


def test_pins_are_salted_scrypt_hashes():
    first, second = hash_pin("1234"), hash_pin("1234")
    assert first.startswith("scrypt$") and first != second and "1234" not in first
    assert verify_pin("1234", first) and not verify_pin("1235", first)
    assert not verify_pin("1234", None) and not verify_pin("1234", "garbage")
    with pytest.raises(PinError):
        hash_pin("12a4")


def test_sessions_lock_after_inactivity_and_expire(store):
    add_officer(store, "o1", "Ana", "officer", "1234")
    now = [1000.0]
    sessions = SessionStore(store, lock_after_s=60, max_age_s=3600, clock=lambda: now[0])
    token, _ = sessions.create(get_officer(store, "o1"), "es")
    assert not sessions.get(token).locked
    now[0] += 61
    assert sessions.get(token).locked
    sessions.unlock(sessions.get(token))
    assert not sessions.get(token).locked
    now[0] += 3600
    assert sessions.get(token) is None
    assert store.query("SELECT COUNT(*) AS n FROM booth_sessions")[0]["n"] == 0


def test_override_of_the_recommendation_needs_a_reason():
    with pytest.raises(DecisionRefused, match="override_reason_required"):
        reason_for(DecisionRequest("release"), "detain")
    reason, override = reason_for(DecisionRequest("release", "false_match"), "detain")
    assert override and "false_match" in reason
    assert reason_for(DecisionRequest("detain"), "detain") == ("", False)
    assert reason_for(DecisionRequest("secondary"), None) == ("", False)
    with pytest.raises(DecisionRefused, match="reason_text_required"):
        reason_for(DecisionRequest("release", "other"), "detain")


def test_search_escapes_like_wildcards():
    assert like_pattern(" 50%_x ") == "%50\\%\\_x%"


def test_catalogs_have_the_same_keys_and_differ():
    check_catalogs()
    assert set(catalog("en")) == set(catalog("es")) and LANGUAGES == ("en", "es")
    assert catalog("es")["signin.pin"] == "NIP"


def test_technician_mock_controls_offer_the_faults_of_the_reader_in_use(tmp_path):
    from hardware_mocks.lane import MockLane
    from hardware_mocks.scenario import load_scenario

    from station.booth.mock_controls import MockControlError, MockControls

    for protocol, own, foreign in (("llrp", "reboot", "garbage"), ("alien", "garbage", "refuse_rospec")):
        with MockLane(load_scenario("small"), tmp_path / protocol, rfid_protocol=protocol) as lane:
            controls = MockControls(lane)
            offered = controls.describe()["faults"]["rfid-1"]
            assert own in offered and foreign not in offered and "unplug" in offered
            controls.fault("rfid-1", own)
            with pytest.raises(MockControlError):
                controls.fault("rfid-1", foreign)
