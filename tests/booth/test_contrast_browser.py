"""WCAG 2.1 AA contrast of every text the booth draws, measured in Chromium in each state the screen has.

Each state is put on screen the way the lane gets there (reads into the daemon, keys and clicks), then
every visible text is measured against what is painted behind it (tests/booth/screen_checks.py). All
failures of a language are listed together, each naming the state, the element, its text and the ratio.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from garita.station.booth.i18n import catalog
from tests.booth.conftest import shot, sign_in
from tests.booth.screen_checks import assert_no_english, failures, measure
from tests.booth.test_browser import BAD_MRZ, MRZ, close_open_crossing

# Elements the walk must have measured at least once: proof that each state really was on screen.
MUST_MEASURE = ["#signin-error", ".rec.release", ".rec.secondary", ".rec.detain", "#incomplete", "#decision-error",
                "legend", "#alert-hits", "#toast", "#queue-list", ".check", "#history-rows", "#locked-alert",
                "#unlock-error", ".chip.down", "span#live-chip.chip.down > span#live-text", "#forbidden",
                "#device-rows", "#reads", "input#search-q", "#watchlist"]


class Screen:
    """Measures the page in each state and, for Spanish, checks no English is left on it."""

    def __init__(self, page, language: str):
        self.page, self.language = page, language
        self.failed: list[str] = []
        self.paths: list[str] = []
        self.lowest: dict[str, float] = {}  # element path -> the lowest ratio it showed
        self.count = 0

    def check(self, state: str) -> None:
        measured = measure(self.page)
        assert measured, f"{state}: no visible text found"
        self.count += len(measured)
        self.paths += [m.path for m in measured]
        for m in measured:
            if not m.inactive:
                self.lowest[m.path] = min(m.ratio, self.lowest.get(m.path, m.ratio))
        self.failed += failures(measured, f"{state} ({self.language})")
        if self.language == "es":
            assert_no_english(self.page, state)

    def missing(self) -> list[str]:
        return [needle for needle in MUST_MEASURE if not any(needle in path for path in self.paths)]


def _decide(page, action: str) -> None:
    """Decide the crossing on screen with the mouse (after Escape the keys may go to a form field)."""
    page.click(f"button.act[data-action={action}]")
    expect(page.locator("#confirm")).to_be_visible()
    page.click("#confirm-ok")
    expect(page.locator("#confirm")).to_be_hidden()
    expect(page.locator("#toast")).to_be_visible()


def _signed_out_states(screen: Screen, page, language: str) -> None:
    expect(page.locator("#signin")).to_be_visible()
    if language == "es":
        page.click("#lang-switch-signin")
        expect(page.locator("html")).to_have_attribute("lang", "es")
    screen.check("signed out")
    page.fill("#officer-id", "o-100")
    page.fill("#pin", "0000")
    page.click("#signin-submit")
    expect(page.locator("#signin-error")).to_be_visible()
    screen.check("sign-in refused")
    sign_in(page)
    expect(page.locator("#waiting")).to_be_visible()
    screen.check("signed in, lane empty")


def _recommendation_states(screen: Screen, page, lane, language: str) -> None:
    words = catalog(language)
    lane.send("rfid-1", "rfid", f"REC-CONTRAST-{language}")
    lane.send("docs-1", "document", "G12345678", MRZ)
    expect(page.locator("#recommendation .rec.release")).to_be_visible()
    expect(page.locator("#documents")).to_contain_text("GARCIA LOPEZ")
    screen.check("release recommended, declaration differs")
    _decide(page, "release")
    screen.check("decision recorded (toast)")
    lane.send("rfid-1", "rfid", f"SEC-CONTRAST-{language}")
    expect(page.locator("#recommendation .rec.secondary")).to_be_visible()
    screen.check("secondary recommended")
    _decide(page, "secondary")
    lane.send("rfid-1", "rfid", f"EXP-CONTRAST-{language}")
    expect(page.locator("#incomplete")).to_contain_text(words["need.document"])
    page.keyboard.press("1")
    page.click("#confirm-ok")
    expect(page.locator("#decision-error")).to_have_text(words["error.incomplete_reason_required"])
    screen.check("incomplete, release refused without a reason")
    page.fill("#reason-text", "passport seen by the officer")
    page.click("#confirm-ok")
    expect(page.locator("#waiting")).to_be_visible()


def _alert_and_queue_states(screen: Screen, page, lane, language: str) -> None:
    lane.send("rfid-1", "rfid", f"WATCH-CONTRAST-{language}")
    lane.send("docs-1", "document", "X0000000", BAD_MRZ)
    expect(page.locator("#alert")).to_be_visible()
    expect(page.locator("#recommendation .rec.detain")).to_be_visible()
    expect(page.locator("#documents .badge-bad").first).to_be_visible()
    page.keyboard.press("1")  # release against detain: override note, reason, the supervisor's fieldset
    page.select_option("#reason-code", "false_match")
    expect(page.locator("#cosign")).to_be_visible()
    screen.check("watchlist alert, override with co-signature")
    page.keyboard.press("Escape")
    _decide(page, "detain")
    expect(page.locator("#waiting")).to_be_visible()
    n = "1" if language == "en" else "2"  # plates of their own per run
    lane.send("plate-cam", "plate", f"7CQA10{n}", {"confidence": 0.91})
    lane.send("plate-cam", "plate", f"7CQA16{n}")  # one character off: attached by rule, marked
    lane.send("plate-cam", "plate", f"KXM55{n}Z")  # another vehicle: queued
    lane.send("plate-cam", "plate", f"PRT90{n}W")
    expect(page.locator("#queue-list li")).to_have_count(2)
    expect(page.locator("#plates .check")).to_be_visible()
    screen.check("queue of waiting vehicles, marked read")
    shot(page, f"contrast-queue-{language}-1366x768")
    for behind in (1, 0):
        _decide(page, "release")
        expect(page.locator("#queue-list li")).to_have_count(behind)
    _decide(page, "release")
    expect(page.locator("#waiting")).to_be_visible()


def _history_and_lock_states(screen: Screen, page, lane, language: str) -> None:
    page.click("#nav-history")
    expect(page.locator("#history-rows tr").first).to_be_visible()
    screen.check("history")
    page.click("#nav-booth")
    page.click("#lock")
    expect(page.locator("#locked")).to_be_visible()
    screen.check("locked")
    lane.send("rfid-1", "rfid", f"WATCH-LOCKED-C-{language}")
    expect(page.locator("#locked-alert")).to_be_visible()
    page.fill("#unlock-pin", "0000")
    page.click("#unlock-submit")
    expect(page.locator("#unlock-error")).to_be_visible()
    screen.check("locked with a watchlist alert, wrong PIN")
    page.fill("#unlock-pin", "4321")
    page.click("#unlock-submit")
    expect(page.locator("#alert")).to_be_visible()
    _decide(page, "detain")
    expect(page.locator("#waiting")).to_be_visible()


def _lane_trouble_states(screen: Screen, page, lane) -> None:
    lane.send("rfid-1", "health", "down")
    try:
        expect(page.locator("#devices .chip.down")).to_be_visible(timeout=10000)  # the strip polls every 3 s
        screen.check("a device down")
    finally:
        lane.send("rfid-1", "health", "up")
    lane.stop()
    try:
        expect(page.locator("#live-chip")).to_have_class("chip down", timeout=10000)
        screen.check("lane unreachable")
    finally:
        lane.start()
    expect(page.locator("#live-chip")).to_have_class("chip", timeout=15000)


def _technician_states(screen: Screen, page, lane, language: str) -> None:
    response = page.goto(lane.url + "/tech")
    assert response.status == 403
    expect(page.locator("#forbidden")).to_contain_text(catalog(language)["forbidden.title"])
    screen.check("technician page refused to an officer")
    page.goto(lane.url)
    page.click("#signout")
    page.fill("#officer-id", "t-300")
    page.fill("#pin", "7777")
    page.click("#signin-submit")
    page.wait_for_url("**/tech")
    expect(page.locator("#device-rows tr").first).to_be_visible()
    if page.evaluate("document.documentElement.lang") != language:
        page.click("#lang-switch")
        expect(page.locator("html")).to_have_attribute("lang", language)
    lane.send("rfid-1", "rfid", f"E200CONTRAST{language.upper()}01", {"antenna": 1})
    expect(page.locator("#reads li").first).to_be_visible()
    screen.check("technician view")


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_text_on_every_screen_meets_wcag_aa(browser, lane, language):
    close_open_crossing(lane)
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(8000)
    screen = Screen(page, language)
    try:
        page.goto(lane.url)
        _signed_out_states(screen, page, language)
        _recommendation_states(screen, page, lane, language)
        _alert_and_queue_states(screen, page, lane, language)
        _history_and_lock_states(screen, page, lane, language)
        _lane_trouble_states(screen, page, lane)
        _technician_states(screen, page, lane, language)
    finally:
        context.close()
        close_open_crossing(lane)
    print(f"\n{language}: {screen.count} texts measured over {len(set(screen.paths))} elements; the lowest:")
    for path, lowest in sorted(screen.lowest.items(), key=lambda item: item[1])[:6]:
        print(f"  {lowest:5.2f}:1  {path}")
    assert not screen.failed, "text under WCAG AA 4.5:1:\n" + "\n".join(screen.failed)
    assert not screen.missing(), f"never measured (the state did not render?): {screen.missing()}"
