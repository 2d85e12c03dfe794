"""The joint decision at two booth screens (Chromium): US proposes, MX countersigns (in Spanish), or disagrees
and a supervisor settles it; the proposer's screen says "Awaiting MX confirmation" with a countdown."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from garita.station.booth.i18n import catalog
from tests.booth.conftest import Lane, shot, sign_in, until

EN, ES = catalog("en"), catalog("es")
JOINT_OFFICERS = [  # id, name, role, pin, agency, language
    ("us-1", "Ann Carter", "officer", "1111", "US", "en"),
    ("mx-1", "Juan Pérez", "officer", "2222", "MX", "es"),
    ("sup-1", "Luis Soto", "supervisor", "3333", "MX", "en"),
]


@pytest.fixture(scope="module")
def joint_lane(tmp_path_factory) -> Iterator[Lane]:
    from garita.station.booth.officer_accounts import add_officer
    from garita.station.storage.database import open_database
    from garita.station.storage.lane_store import LaneStore

    data_dir: Path = tmp_path_factory.mktemp("joint") / "data"
    data_dir.mkdir()
    store = LaneStore(open_database(data_dir))
    for officer_id, name, role, pin, agency, language in JOINT_OFFICERS:
        add_officer(store, officer_id, name, role, pin, language=language, agency=agency)
    store.db.conn.close()
    running = Lane(data_dir, "--joint=300")
    running.start()
    yield running
    running.stop()


def screen(browser, lane: Lane, officer_id: str, pin: str, size: tuple[int, int] = (1366, 768)):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.set_default_timeout(8000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(lane.url)
    sign_in(page, officer_id, pin)
    page.console_errors = errors
    return context, page


def vehicle(lane: Lane, tag: str) -> str:
    lane.send("rfid-1", "rfid", tag)
    until(lambda: lane.query("SELECT crossing_id FROM reads WHERE value = ?", (tag,)), f"{tag} is recorded")
    return lane.query("SELECT crossing_id FROM reads WHERE value = ?", (tag,))[0]["crossing_id"]


def test_us_proposes_and_mx_countersigns_in_spanish(browser, joint_lane):
    us_context, us = screen(browser, joint_lane, "us-1", "1111")
    mx_context, mx = screen(browser, joint_lane, "mx-1", "2222", (1920, 1080))
    try:
        expect(us.locator("#officer-name")).to_have_text("Ann Carter · US")
        crossing_id = vehicle(joint_lane, "REC-JOINT-1")
        expect(us.locator("#recommendation")).to_contain_text(EN["action.release"])
        us.keyboard.press("1")
        us.keyboard.press("Enter")
        expect(us.locator("#toast")).to_have_text(EN["joint.proposed_toast"])
        assert joint_lane.query("SELECT * FROM decisions WHERE crossing_id = ?", (crossing_id,)) == []
        expect(us.locator("#joint-title")).to_have_text(EN["joint.awaiting_MX"])
        expect(us.locator("#joint-left")).to_have_text(re.compile(r"^[45]:\d\d$"))
        first = us.locator("#joint-left").text_content()
        expect(us.locator("#joint-left")).not_to_have_text(first)  # it counts down
        expect(us.locator("button.act.release")).to_be_disabled()  # the proposer's agency waits
        us.keyboard.press("1")
        expect(us.locator("#confirm")).to_be_hidden()
        shot(us, "joint-awaiting-mx-1366x768")
        # The MX screen, in Spanish, is asked for its countersign; C picks the proposed action, Enter confirms.
        expect(mx.locator("#joint-title")).to_have_text(ES["joint.countersign_needed"])
        expect(mx.locator("#joint-detail")).to_contain_text("Ann Carter")
        expect(mx.locator("#joint-countersign")).to_be_visible()
        shot(mx, "joint-countersign-es-1920x1080")
        mx.keyboard.press("c")
        expect(mx.locator("#joint-note")).to_have_text(ES["joint.note_countersign"])
        expect(mx.locator("#override-note")).to_be_hidden()
        mx.keyboard.press("Enter")
        expect(mx.locator("#toast")).to_have_text(ES["decision.recorded"])
        [decision] = joint_lane.query("SELECT * FROM decisions WHERE crossing_id = ?", (crossing_id,))
        assert (decision["action"], decision["officer_id"]) == ("release", "us-1")
        [record] = joint_lane.query("SELECT * FROM joint_records WHERE crossing_id = ?", (crossing_id,))
        assert (record["countersigner_id"], record["countersigner_agency"], record["outcome"]) \
            == ("mx-1", "MX", "countersigned")
        expect(us.locator("#waiting")).to_be_visible()
        us.click("#nav-history")
        expect(us.locator("#history-rows")).to_contain_text(EN["joint.countersigned_by"])
        assert us.console_errors == [] and mx.console_errors == []
    finally:
        us_context.close()
        mx_context.close()


def test_mx_disagrees_and_only_a_supervisor_settles_it(browser, joint_lane):
    us_context, us = screen(browser, joint_lane, "us-1", "1111")
    mx_context, mx = screen(browser, joint_lane, "mx-1", "2222")
    try:
        crossing_id = vehicle(joint_lane, "REC-JOINT-2")
        expect(us.locator("#recommendation")).to_contain_text(EN["action.release"])
        us.keyboard.press("1")
        us.keyboard.press("Enter")
        expect(mx.locator("#joint-title")).to_have_text(ES["joint.countersign_needed"])
        mx.keyboard.press("3")  # another action than proposed: a disagreement, which needs a reason
        expect(mx.locator("#joint-note")).to_have_text(ES["joint.note_disagree"])
        expect(mx.locator("#reason-code")).to_be_focused()
        mx.click("#confirm-ok")
        expect(mx.locator("#decision-error")).to_have_text(ES["error.disagreement_reason_required"])
        mx.select_option("#reason-code", "officer_judgement")
        mx.fill("#reason-text", "sello roto")
        mx.click("#confirm-ok")
        expect(mx.locator("#toast")).to_have_text(ES["joint.disputed_toast"])
        for page, words in ((us, EN), (mx, ES)):
            expect(page.locator("#joint-title")).to_have_text(words["joint.disputed"])
            expect(page.locator("button.act.detain")).to_be_disabled()
        expect(us.locator("#joint-detail")).to_contain_text("sello roto")
        shot(us, "joint-disputed-1366x768")
        assert joint_lane.query("SELECT * FROM decisions WHERE crossing_id = ?", (crossing_id,)) == []
        us.click("#signout")  # the supervisor takes the US screen
        sign_in(us, "sup-1", "3333")
        expect(us.locator("#joint-title")).to_have_text(EN["joint.disputed"])
        expect(us.locator("button.act.secondary")).to_be_enabled()
        us.keyboard.press("2")
        us.select_option("#reason-code", "supervisor_instruction")
        us.click("#confirm-ok")
        expect(us.locator("#toast")).to_have_text(EN["decision.recorded"])
        [decision] = joint_lane.query("SELECT * FROM decisions WHERE crossing_id = ?", (crossing_id,))
        assert (decision["action"], decision["officer_id"]) == ("secondary", "sup-1")
        [record] = joint_lane.query("SELECT * FROM joint_records WHERE crossing_id = ?", (crossing_id,))
        assert (record["outcome"], record["proposer_id"], record["countersigner_id"], record["supervisor_id"]) \
            == ("supervisor", "us-1", "mx-1", "sup-1")
        actions = [r["action"] for r in joint_lane.query("SELECT action FROM audit WHERE crossing_id = ?",
                                                          (crossing_id,))]
        assert {"joint.proposed", "joint.disputed", "crossing.decided"} <= set(actions)
        assert us.console_errors == [] and mx.console_errors == []
    finally:
        us_context.close()
        mx_context.close()


@pytest.fixture(scope="module")
def short_lane(tmp_path_factory) -> Iterator[Lane]:
    """A joint lane whose proposals lapse after 5 s (the shortest the config allows)."""
    from garita.station.booth.officer_accounts import add_officer
    from garita.station.storage.database import open_database
    from garita.station.storage.lane_store import LaneStore

    data_dir: Path = tmp_path_factory.mktemp("joint-short") / "data"
    data_dir.mkdir()
    store = LaneStore(open_database(data_dir))
    for officer_id, name, role, pin, agency, language in JOINT_OFFICERS:
        add_officer(store, officer_id, name, role, pin, language=language, agency=agency)
    store.db.conn.close()
    running = Lane(data_dir, "--joint=5")
    running.start()
    yield running
    running.stop()


def test_a_proposal_not_countersigned_in_time_lapses_and_either_agency_proposes_again(browser, short_lane):
    us_context, us = screen(browser, short_lane, "us-1", "1111")
    mx_context, mx = screen(browser, short_lane, "mx-1", "2222")
    try:
        crossing_id = vehicle(short_lane, "REC-JOINT-3")
        expect(us.locator("#recommendation")).to_contain_text(EN["action.release"])
        us.keyboard.press("1")
        us.keyboard.press("Enter")
        expect(us.locator("#toast")).to_have_text(EN["joint.proposed_toast"])
        # The countdown runs out on both screens; the keys come back (nothing was decided).
        for page, words in ((us, EN), (mx, ES)):
            expect(page.locator("#joint-title")).to_have_text(words["joint.expired"], timeout=15000)
            expect(page.locator("#joint-countdown")).to_be_hidden()
            expect(page.locator("button.act.release")).to_be_enabled()
        shot(mx, "joint-lapsed-es-1366x768")
        wide, window = mx.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert wide <= window, f"the Spanish page is {wide} px wide in a {window} px window"
        assert short_lane.query("SELECT * FROM decisions WHERE crossing_id = ?", (crossing_id,)) == []
        mx.keyboard.press("1")  # too late to countersign: this is a proposal of its own, waiting for US
        mx.keyboard.press("Enter")
        expect(mx.locator("#toast")).to_have_text(ES["joint.proposed_toast"])
        verdicts = [r["verdict"] for r in short_lane.query(
            "SELECT a.verdict FROM joint_answers a JOIN joint_proposals p ON p.id = a.proposal_id"
            " WHERE p.crossing_id = ?", (crossing_id,))]
        assert verdicts == ["expired"]
        assert short_lane.query("SELECT * FROM audit WHERE action = 'joint.lapsed' AND crossing_id = ?",
                                (crossing_id,))
        assert us.console_errors == [] and mx.console_errors == []
    finally:
        us_context.close()
        mx_context.close()


def test_a_proposal_made_with_garita_decide_reaches_the_other_agency_screen(browser, joint_lane, tmp_path):
    import subprocess
    import sys

    from tests.station.test_decision_joint_cli import CONFIG

    config = tmp_path / "lane.toml"
    config.write_text(CONFIG)
    mx_context, mx = screen(browser, joint_lane, "mx-1", "2222")
    try:
        crossing_id = vehicle(joint_lane, "REC-JOINT-4")
        expect(mx.locator("#recommendation")).to_contain_text(ES["action.release"])
        proposed = subprocess.run(
            [sys.executable, "-m", "garita.station", "decide", crossing_id, "release", "--officer", "us-1",
             "--pin-stdin", "--config", str(config), "--data-dir", str(joint_lane.data_dir)],
            capture_output=True, text=True, input="1111\n", timeout=60)
        assert proposed.returncode == 0 and "not yet recorded" in proposed.stdout, proposed.stderr
        expect(mx.locator("#joint-title")).to_have_text(ES["joint.countersign_needed"])  # within a tick
        mx.keyboard.press("c")
        mx.keyboard.press("Enter")
        expect(mx.locator("#toast")).to_have_text(ES["decision.recorded"])
        [record] = joint_lane.query("SELECT * FROM joint_records WHERE crossing_id = ?", (crossing_id,))
        assert (record["proposer_id"], record["countersigner_id"]) == ("us-1", "mx-1")
        expect(mx.locator("#waiting")).to_be_visible()
    finally:
        mx_context.close()
