"""Booth building blocks without a server: PIN hashes, sessions, the override rule, search, catalogs."""

from __future__ import annotations

import pytest

from garita.station.booth.decisions import DecisionRefused, DecisionRequest, reason_for
from garita.station.booth.i18n import LANGUAGES, catalog, check_catalogs
from garita.station.booth.officer_accounts import add_officer, get_officer
from garita.station.booth.pins import PinError, hash_pin, verify_pin
from garita.station.booth.sessions import SessionStore
from garita.station.storage.crossings_repo import like_pattern


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
    from garita.hardware_mocks.mock_lane import MockLane
    from garita.hardware_mocks.scenario import load_scenario
    from garita.station.booth.mock_controls import MockControlError, MockControls

    for protocol, own, foreign in (("llrp", "reboot", "garbage"), ("alien", "garbage", "refuse_rospec")):
        with MockLane(load_scenario("small"), tmp_path / protocol, rfid_protocol=protocol) as lane:
            controls = MockControls(lane)
            offered = controls.describe()["faults"]["rfid-1"]
            assert own in offered and foreign not in offered and "unplug" in offered
            controls.fault("rfid-1", own)
            with pytest.raises(MockControlError):
                controls.fault("rfid-1", foreign)


def test_technician_mock_controls_say_whether_the_scenario_plays(tmp_path):
    import threading

    from garita.hardware_mocks.mock_lane import MockLane
    from garita.hardware_mocks.scenario import load_scenario
    from garita.station.booth.mock_controls import MockControls

    with MockLane(load_scenario("small"), tmp_path / "lane", speed=50) as lane:
        controls = MockControls(lane, threading.Event())
        described = controls.describe()
        assert (described["state"], described["steps_run"]) == ("playing", 0) and described["steps"] > 0
        controls.pause()
        assert controls.describe()["state"] == "paused"
        lane.play(threading.Event())  # the whole schedule, at 50x
        controls.start()
        controls.pause()
        finished = MockControls(lane, threading.Event()).describe()
        assert (finished["state"], finished["steps_run"]) == ("finished", finished["steps"])


def test_a_badge_tapped_between_long_polls_is_handed_to_the_next_one():
    import asyncio
    from datetime import UTC, datetime

    from garita.drivers.events import DeviceRead
    from garita.station.booth.badges import HOLD_S, BadgeGate

    now = [100.0]
    gate = BadgeGate("badge-1", clock=lambda: now[0])

    def tap(epc: str) -> bool:
        return gate.tap(DeviceRead("badge-1", "rfid", epc, at=datetime.now(UTC)))

    async def scenario() -> list[str | None]:
        assert tap("E2000000000000000000B001")  # nobody waiting: held, not lost
        first = await gate.wait(0.01)
        second = await gate.wait(0.01)  # a held tap is handed out once
        tap("E2000000000000000000B002")
        now[0] += HOLD_S + 0.1  # too late: a stale tap signs nobody in
        stale = await gate.wait(0.01)
        waiting = asyncio.ensure_future(gate.wait(5))
        await asyncio.sleep(0)  # let the waiter register (one loop turn, not a time)
        tap("E2000000000000000000B003")
        return [first, second, stale, await waiting]

    assert asyncio.run(scenario()) == ["E2000000000000000000B001", None, None, "E2000000000000000000B003"]


def _post(**headers: str):
    from starlette.requests import Request

    encoded = [(name.replace("_", "-").encode(), value.encode()) for name, value in headers.items()]
    return Request({"type": "http", "method": "POST", "path": "/api/lock", "headers": encoded})


def test_the_booth_key_is_made_once_private_and_kept(data_dir):
    import os
    import stat

    from garita.station.booth.csrf import load_secret

    secret = load_secret(data_dir)
    path = data_dir / "booth.key"
    assert len(secret) == 32 and path.read_bytes() == secret
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_secret(data_dir) == secret  # a restart keeps the key, so pages keep their tokens


def test_a_csrf_token_is_the_hmac_of_its_cookie_and_needs_our_origin():
    import hashlib
    import hmac

    from garita.station.booth.csrf import token_for, valid

    secret, cookie = b"k" * 32, "cookie-1"
    token = token_for(secret, cookie)
    assert token == hmac.new(secret, b"csrf:cookie-1", hashlib.sha256).hexdigest()  # domain-separated form
    ours = {"host": "booth:8080", "x_csrf_token": token}
    assert valid(_post(**ours), secret, cookie)
    assert valid(_post(**ours, origin="http://booth:8080"), secret, cookie)
    assert not valid(_post(**ours, origin="null"), secret, cookie)  # a sandboxed or file:// page
    assert not valid(_post(**ours, origin="http://evil.example"), secret, cookie)
    assert not valid(_post(host="booth:8080"), secret, cookie)  # no token sent
    assert not valid(_post(**ours), secret, "cookie-2")
    # No cookie at all: not even the token of the string "None" passes.
    assert not valid(_post(host="booth:8080", x_csrf_token=token_for(secret, "None")), secret, None)


def test_sessions_boundaries_and_every_change_is_stored(store):
    import hashlib

    add_officer(store, "o1", "Ana", "officer", "1234")
    add_officer(store, "o2", "Luis", "officer", "5678")
    now = [1000.0]
    sessions = SessionStore(store, lock_after_s=60, max_age_s=3600, clock=lambda: now[0])
    token, made = sessions.create(get_officer(store, "o1"), "es")
    other, _ = sessions.create(get_officer(store, "o2"), "en")
    (row,) = store.query("SELECT * FROM booth_sessions WHERE officer_id = 'o1'")
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest() != token  # only the hash is kept
    assert (made.created_at, made.last_active, made.locked, made.language) == (1000.0, 1000.0, False, "es")
    assert sessions.get(None) is None and sessions.get("") is None and sessions.get("not-a-token") is None
    now[0] = 1060.0  # exactly the limit: not yet idle too long
    assert not sessions.get(token).locked
    touched = sessions.touch(sessions.get(token))
    assert touched.last_active == 1060.0 and sessions.get(token).last_active == 1060.0
    now[0] = 1121.0  # 61 s after the touch
    locked = sessions.get(token)
    assert locked.locked and store.query("SELECT locked FROM booth_sessions WHERE officer_id = 'o1'")[0]["locked"]
    assert sessions.touch(locked) == locked and sessions.get(token).last_active == 1060.0  # input does not unlock
    unlocked = sessions.unlock(locked)
    assert (unlocked.locked, unlocked.last_active) == (False, 1121.0) and not sessions.get(token).locked
    assert sessions.set_language(unlocked, "en").language == "en" and sessions.get(token).language == "en"
    again, _ = sessions.create(get_officer(store, "o1"), "es")  # the same officer signs in elsewhere
    assert sessions.get(token) is None and sessions.get(again) is not None and sessions.get(other) is not None
    now[0] = 1000.0 + 3600  # the other session, exactly at its maximum age: still live
    assert sessions.get(other) is not None
    now[0] += 1
    assert sessions.get(other) is None
    sessions.end(sessions.get(again))
    assert sessions.get(again) is None and store.query("SELECT COUNT(*) AS n FROM booth_sessions")[0]["n"] == 0


def test_a_deactivated_officers_session_ends(store):
    add_officer(store, "o1", "Ana", "officer", "1234")
    sessions = SessionStore(store, lock_after_s=60, max_age_s=3600, clock=lambda: 1000.0)
    token, _ = sessions.create(get_officer(store, "o1"), "es")
    store.db.conn.execute("UPDATE officers SET active = 0 WHERE id = 'o1'")
    assert sessions.get(token) is None
    assert store.query("SELECT COUNT(*) AS n FROM booth_sessions")[0]["n"] == 0
