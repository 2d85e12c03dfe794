"""Documents late and alerts over the lock, in Chromium at the booth monitor sizes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from station.booth.i18n import catalog
from tests.booth.conftest import shot, sign_in
from tests.booth.test_browser import MRZ, close_open_crossing

# Counts alert tones: the page synthesises them with an oscillator (station/booth/static/js/sound.js).
COUNT_TONES = """
window.garitaTones = 0;
const original = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () { window.garitaTones += 1; return original.call(this); };
"""


def _page(browser, lane, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_init_script(COUNT_TONES)
    page = context.new_page()
    page.set_default_timeout(5000)
    page.goto(lane.url)
    return context, page


@pytest.mark.parametrize("viewport", [(1366, 768), (1920, 1080)])
def test_documents_late_release_waits_or_needs_a_reason(browser, lane, viewport):
    close_open_crossing(lane)
    width, height = viewport
    context, page = _page(browser, lane, width, height)
    try:
        sign_in(page)
        lane.send("rfid-1", "rfid", f"EXP-{width}")
        expect(page.locator("#incomplete")).to_contain_text(catalog("en")["recommendation.incomplete"])
        expect(page.locator("#incomplete")).to_contain_text(catalog("en")["need.document"])
        expect(page.locator("#recommendation")).not_to_contain_text(catalog("en")["action.release"])
        page.keyboard.press("1")
        expect(page.locator("#incomplete-note")).to_be_visible()
        page.click("#confirm-ok")
        expect(page.locator("#decision-error")).to_have_text(catalog("en")["error.incomplete_reason_required"])
        shot(page, f"documents-late-incomplete-{width}x{height}")
        assert not lane.query("SELECT * FROM decisions d JOIN reads r ON r.crossing_id = d.crossing_id"
                              " WHERE r.value = ?", (f"EXP-{width}",))
        page.keyboard.press("Escape")
        lane.send("docs-1", "document", "G12345678", MRZ)
        expect(page.locator("#documents")).to_contain_text("GARCIA LOPEZ")
        expect(page.locator("#incomplete")).to_have_count(0)
        expect(page.locator("#recommendation")).to_contain_text(catalog("en")["action.release"])
        shot(page, f"documents-late-complete-{width}x{height}")
        page.keyboard.press("1")
        page.keyboard.press("Enter")
        expect(page.locator("#toast")).to_have_text(catalog("en")["decision.recorded"])
    finally:
        context.close()


def test_locked_screen_still_shows_and_sounds_a_watchlist_alert(browser, lane):
    close_open_crossing(lane)
    context, page = _page(browser, lane, 1366, 768)
    try:
        sign_in(page)
        page.click("#lock")
        expect(page.locator("#locked")).to_be_visible()
        tones = page.evaluate("window.garitaTones")
        lane.send("rfid-1", "rfid", "WATCH-LOCKED-1")
        expect(page.locator("#locked-alert")).to_be_visible()
        expect(page.locator("#locked-alert")).to_contain_text(catalog("en")["locked.alert"])
        assert page.evaluate("window.garitaTones") > tones
        assert "WATCH-LOCKED-1" not in page.content()  # no details until unlocked
        shot(page, "locked-alert-1366x768")
        page.fill("#unlock-pin", "4321")
        page.click("#unlock-submit")
        expect(page.locator("#alert")).to_contain_text("WATCH-LOCKED-1")
        expect(page.locator("#locked-alert")).to_be_hidden()
        shot(page, "locked-alert-unlocked-1366x768")
    finally:
        context.close()
        close_open_crossing(lane)


def test_occupants_show_holder_expiry_and_never_valid_beside_a_hit(browser, lane):
    close_open_crossing(lane)
    context, page = _page(browser, lane, 1366, 768)
    try:
        sign_in(page)
        lane.send("plate-cam", "plate", "7OCC123")
        lane.send("rfid-1", "rfid", "E200OCCUPANTS0001")
        licence = {"type": "aamva", "family_name": "DOE", "first_name": "JOHN", "middle_names": "Q",
                   "birth_date": "1980-01-31", "expiry_date": "2029-06-30", "jurisdiction": "CA"}
        lane.send("docs-1", "barcode", "D1234567", licence)
        lane.send("docs-1", "document", "WATCH-DOC-1", {**MRZ, "surname": "SMITH", "given_names": "JOHN"})
        documents = page.locator("#documents .doc")
        expect(documents).to_have_count(2)
        expect(documents.nth(0)).to_contain_text("DOE, JOHN Q")
        expect(documents.nth(0)).to_contain_text("Jun 30, 2029")
        expect(documents.nth(0)).to_contain_text(catalog("en")["doc.ok"])
        expect(documents.nth(1)).to_contain_text(catalog("en")["doc.hit"])
        expect(documents.nth(1)).not_to_contain_text(catalog("en")["doc.ok"])
        expect(page.locator("#barcodes")).not_to_contain_text("D1234567")
        shot(page, "occupants-hit-aamva-1366x768")
    finally:
        context.close()
        close_open_crossing(lane)


def test_previous_crossings_of_this_traveller_are_shown(browser, lane):
    close_open_crossing(lane)
    context, page = _page(browser, lane, 1366, 768)
    try:
        sign_in(page)
        lane.send("plate-cam", "plate", "7PRV001")
        lane.send("docs-1", "document", "P0PREV001", {**MRZ, "surname": "ROE"})
        expect(page.locator("#documents")).to_contain_text("ROE")
        page.keyboard.press("2")
        page.keyboard.press("Enter")
        expect(page.locator("#waiting")).to_be_visible()
        lane.send("plate-cam", "plate", "7PRV002")  # another car, the same traveller
        lane.send("docs-1", "document", "P0PREV001", {**MRZ, "surname": "ROE"})
        expect(page.locator("#plates")).to_contain_text("7PRV002")
        expect(page.locator("#previous")).to_contain_text("P0PREV001")
        expect(page.locator("#previous")).to_contain_text(catalog("en")["action.secondary"])
        expect(page.locator("#previous")).not_to_contain_text("7PRV002")
        shot(page, "previous-crossings-1366x768")
    finally:
        context.close()
        close_open_crossing(lane)
