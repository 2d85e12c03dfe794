"""Documents late and alerts over the lock, in Chromium at the booth monitor sizes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from garita.station.booth.i18n import catalog
from tests.booth.conftest import shot, sign_in
from tests.booth.screen_checks import screen_is_readable
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


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("viewport", [(1366, 768), (1920, 1080)])
def test_documents_late_release_waits_or_needs_a_reason(browser, lane, viewport, language):
    close_open_crossing(lane)
    width, height = viewport
    words = catalog(language)
    tag = f"EXP-{width}-{language}"
    context, page = _page(browser, lane, width, height)
    try:
        sign_in(page, language=language)
        lane.send("rfid-1", "rfid", tag)
        expect(page.locator("#incomplete")).to_contain_text(words["recommendation.incomplete"])
        expect(page.locator("#incomplete")).to_contain_text(words["need.document"])
        expect(page.locator("#recommendation")).not_to_contain_text(words["action.release"])
        page.keyboard.press("1")
        expect(page.locator("#incomplete-note")).to_be_visible()
        page.click("#confirm-ok")
        expect(page.locator("#decision-error")).to_have_text(words["error.incomplete_reason_required"])
        screen_is_readable(page, "documents late, release refused", language)
        shot(page, f"documents-late-incomplete-{language}-{width}x{height}")
        assert not lane.query("SELECT * FROM decisions d JOIN reads r ON r.crossing_id = d.crossing_id"
                              " WHERE r.value = ?", (tag,))
        page.keyboard.press("Escape")
        lane.send("docs-1", "document", "G12345678", MRZ)
        expect(page.locator("#documents")).to_contain_text("GARCIA LOPEZ")
        expect(page.locator("#incomplete")).to_have_count(0)
        expect(page.locator("#recommendation")).to_contain_text(words["action.release"])
        screen_is_readable(page, "documents arrived", language)
        shot(page, f"documents-late-complete-{language}-{width}x{height}")
        page.keyboard.press("1")
        page.keyboard.press("Enter")
        expect(page.locator("#toast")).to_have_text(words["decision.recorded"])
    finally:
        context.close()


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("viewport", [(1366, 768), (1920, 1080)])
def test_locked_screen_still_shows_and_sounds_a_watchlist_alert(browser, lane, viewport, language):
    close_open_crossing(lane)
    width, height = viewport
    tag = f"WATCH-LOCKED-{width}-{language}"
    context, page = _page(browser, lane, width, height)
    try:
        sign_in(page, language=language)
        page.click("#lock")
        expect(page.locator("#locked")).to_be_visible()
        tones = page.evaluate("window.garitaTones")
        lane.send("rfid-1", "rfid", tag)
        expect(page.locator("#locked-alert")).to_be_visible()
        expect(page.locator("#locked-alert")).to_contain_text(catalog(language)["locked.alert"])
        assert page.evaluate("window.garitaTones") > tones
        assert tag not in page.content()  # no details until unlocked
        screen_is_readable(page, "locked, with an alert", language)
        shot(page, f"locked-alert-{language}-{width}x{height}")
        page.fill("#unlock-pin", "4321")
        page.click("#unlock-submit")
        expect(page.locator("#alert")).to_contain_text(tag)
        expect(page.locator("#locked-alert")).to_be_hidden()
        screen_is_readable(page, "unlocked, the alert's details", language)
        shot(page, f"locked-alert-unlocked-{language}-{width}x{height}")
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
        screen_is_readable(page, "occupants, a hit and a licence", "en")
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
        screen_is_readable(page, "previous crossings", "en")
        shot(page, "previous-crossings-1366x768")
    finally:
        context.close()
        close_open_crossing(lane)


def _photo() -> bytes:
    """A lane photo: dark road, a light plate with dark characters at a known box."""
    import cv2
    import numpy as np

    frame = np.full((480, 640, 3), 60, np.uint8)
    cv2.rectangle(frame, (250, 300), (390, 340), (235, 235, 235), -1)
    cv2.putText(frame, "7CRP123", (258, 332), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (20, 20, 20), 2)
    return cv2.imencode(".jpg", frame)[1].tobytes()


def test_photo_with_plate_box_and_a_plate_crop(browser, lane):
    import base64

    close_open_crossing(lane)
    context, page = _page(browser, lane, 1366, 768)
    try:
        sign_in(page)
        lane.send_image("plate-cam", base64.b64encode(_photo()).decode())
        expect(page.locator("#plates img.photo")).to_have_count(1)  # stored and shown: its read id is in the db
        image_id = lane.query("SELECT id FROM reads WHERE kind = 'image' ORDER BY id DESC LIMIT 1")[0]["id"]
        box = [[250, 300], [390, 300], [390, 340], [250, 340]]
        lane.send("plate-cam", "plate", "7CRP123", {"box": box, "image_read_id": image_id, "confidence": 0.93})
        expect(page.locator("#plates .plate-text")).to_have_text("7CRP123")
        crop = page.locator("#plates img.crop")
        expect(crop).to_have_count(1)
        expect(page.locator("#plates img.photo")).to_have_count(1)
        page.wait_for_function("() => { const i = document.querySelector('#plates img.crop');"
                               " return i && i.complete && i.naturalWidth > 0; }")
        size = page.evaluate("(() => { const i = document.querySelector('#plates img.crop');"
                             " return [i.naturalWidth, i.naturalHeight]; })()")
        assert size[1] == 120 and 3 < size[0] / size[1] < 5  # the plate's shape, not the whole frame
        expect(page.locator("#plates img.photo")).to_have_attribute("src", f"/api/images/{image_id}/boxed?plates=1")
        screen_is_readable(page, "photo, plate box and crop", "en")
        shot(page, "photo-plate-box-crop-1366x768")
    finally:
        context.close()
        close_open_crossing(lane)


def test_language_chosen_at_sign_in_survives_reloads(browser, lane):
    context, page = _page(browser, lane, 1366, 768)
    try:
        expect(page.locator("#signin")).to_be_visible()
        page.click("#lang-switch-signin")
        expect(page.locator("html")).to_have_attribute("lang", "es")
        page.reload()
        expect(page.locator("html")).to_have_attribute("lang", "es")
        sign_in(page)
        expect(page.locator("html")).to_have_attribute("lang", "es")
        page.reload()
        expect(page.locator("#strip")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.locator("#nav-history")).to_have_text(catalog("es")["nav.history"])
    finally:
        context.close()
