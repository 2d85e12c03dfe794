"""Several vehicles in quick succession on the booth screen: one vehicle per crossing, the rest queue."""

from __future__ import annotations

import base64

import pytest
from playwright.sync_api import expect

from garita.station.booth.i18n import catalog
from tests.booth.conftest import shot, sign_in
from tests.booth.screen_checks import screen_is_readable
from tests.booth.test_browser import MRZ, close_open_crossing
from tests.booth.test_expected_browser import _photo

ERIKSSON = {**MRZ, "surname": "ERIKSSON", "given_names": "ANNA MARIA", "nationality": "UTO"}


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("viewport", [(1366, 768), (1920, 1080)])
def test_next_vehicles_queue_behind_the_undecided_one_and_a_marked_read_moves(browser, lane, viewport, language):
    close_open_crossing(lane)
    width, height = viewport
    words = catalog(language)
    # Plates of their own per run: a plate seen minutes ago is a re-read of that car.
    n = str(width)[1] + ("" if language == "en" else "E")
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(5000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(lane.url)
        sign_in(page, language=language)
        lane.send("plate-cam", "plate", f"8XYZ12{n}")
        lane.send("plate-cam", "plate", f"8XYZ19{n}")  # one character off: attached to the same car, marked
        lane.send("docs-1", "document", "L898902C3", ERIKSSON)
        lane.send("plate-cam", "plate", f"ABC123{n}")  # a different plate: the next vehicle
        lane.send("docs-1", "document", "G12345678", MRZ)
        lane.send("plate-cam", "plate", f"AX3776{n}")
        expect(page.locator("#queue-chip")).to_have_text(f"2 {words['queue.waiting']}")
        expect(page.locator("#plates")).to_contain_text(f"8XYZ12{n}")
        expect(page.locator("#plates")).not_to_contain_text(f"ABC123{n}")
        expect(page.locator("#documents")).to_contain_text("ERIKSSON")
        expect(page.locator("#documents")).not_to_contain_text("GARCIA")
        expect(page.locator("#queue-list")).to_contain_text(f"ABC123{n}")
        expect(page.locator("#plates .check")).to_contain_text(words["read.check"])
        screen_is_readable(page, "vehicles queued, a marked read", language)
        shot(page, f"queue-marked-read-{language}-{width}x{height}")
        head = lane.query("SELECT id FROM crossings WHERE state = 'open' ORDER BY opened_at")[0]["id"]
        moved = lane.query("SELECT id FROM reads WHERE value = ?", (f"8XYZ19{n}",))[0]["id"]
        page.click("#plates .move-next")
        expect(page.locator("#plates")).not_to_contain_text(f"8XYZ19{n}")
        row = lane.query("SELECT crossing_id, rule FROM reads WHERE id = ?", (moved,))[0]
        assert row["crossing_id"] != head and row["rule"] == "moved_by_officer"
        assert lane.query("SELECT * FROM audit WHERE action = 'read.moved' AND actor = 'officer:o-100'")
        page.keyboard.press("1")
        page.keyboard.press("Enter")
        expect(page.locator("#plates")).to_contain_text(f"ABC123{n}")
        expect(page.locator("#documents")).to_contain_text("GARCIA LOPEZ")
        expect(page.locator("#queue-chip")).to_have_text(f"1 {words['queue.waiting']}")
        screen_is_readable(page, "the next vehicle", language)
        shot(page, f"queue-next-vehicle-{language}-{width}x{height}")
        page.click("#lang-switch")  # and the other language, on the same screen
        other = "es" if language == "en" else "en"
        expect(page.locator("#queue-chip")).to_have_text(f"1 {catalog(other)['queue.waiting']}")
        assert errors == []
    finally:
        context.close()
        close_open_crossing(lane)


def test_a_car_fits_a_1366x768_booth_monitor_without_scrolling(browser, lane):
    close_open_crossing(lane)
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(5000)
    try:
        page.goto(lane.url)
        sign_in(page)
        lane.send("plate-cam", "plate", "7FIT123", {"confidence": 0.97})
        lane.send("rfid-1", "rfid", "E2003411B80201151234FIT1", {"antenna": 1})
        lane.send("docs-1", "document", "L898902C3", ERIKSSON)
        lane.send("docs-1", "document", "G12345678", MRZ)
        expect(page.locator("#documents")).to_contain_text("GARCIA LOPEZ")
        page.keyboard.press("1")
        expect(page.locator("#confirm")).to_be_visible()
        scroll, inner = page.evaluate("[document.documentElement.scrollHeight, window.innerHeight]")
        shot(page, "car-fits-1366x768")
        assert scroll <= inner, f"the page is {scroll} px tall in a {inner} px window"
        bottom = page.evaluate("document.getElementById('confirm').getBoundingClientRect().bottom")
        assert bottom <= inner
    finally:
        context.close()
        close_open_crossing(lane)


def test_with_an_alert_and_two_documents_the_decision_buttons_are_on_a_1366x768_screen(browser, lane):
    close_open_crossing(lane)
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(5000)
    try:
        page.goto(lane.url)
        sign_in(page)
        lane.send_image("plate-cam", base64.b64encode(_photo()).decode())  # the photo, boxed, and the plate crop
        expect(page.locator("#plates img.photo")).to_have_count(1)
        image_id = lane.query("SELECT id FROM reads WHERE kind = 'image' ORDER BY id DESC LIMIT 1")[0]["id"]
        box = [[250, 300], [390, 300], [390, 340], [250, 340]]
        # The photo's own plate (the recogniser may read it too); the vehicle's tag is the watchlist hit.
        lane.send("plate-cam", "plate", "7CRP123", {"box": box, "image_read_id": image_id, "confidence": 0.97})
        lane.send("rfid-1", "rfid", "WATCH-FIT-TAG-2", {"antenna": 1})
        lane.send("docs-1", "document", "L898902C3", ERIKSSON)
        lane.send("docs-1", "document", "G12345678", MRZ)
        expect(page.locator("#alert")).to_be_visible()
        expect(page.locator("#documents")).to_contain_text("GARCIA LOPEZ")
        expect(page.locator("#queue-chip")).to_have_text("0 waiting")
        page.wait_for_function("() => [...document.querySelectorAll('#plates img')].every((i) => i.complete)")
        scroll, inner = page.evaluate("[document.documentElement.scrollHeight, window.innerHeight]")
        buttons = page.evaluate("document.querySelector('#decision .buttons').getBoundingClientRect().bottom")
        print(f"1366x768, photo + alert + two documents: page {scroll} px, decision buttons end at {buttons:.0f} px")
        shot(page, "alert-two-documents-1366x768")
        assert buttons <= inner, f"the decision buttons end at {buttons:.0f} px in a {inner} px window"
        page.keyboard.press("3")
        expect(page.locator("#confirm")).to_be_visible()
        confirm = page.evaluate("document.getElementById('confirm-ok').getBoundingClientRect().bottom")
        assert confirm <= inner, f"the confirm button ends at {confirm:.0f} px in a {inner} px window"
        scroll, content = page.evaluate("[document.documentElement.scrollHeight,"
                                        " document.querySelector('main').getBoundingClientRect().bottom]")
        print(f"  with the confirm bar open: page {scroll} px, content ends at {content:.0f} px")
        assert scroll <= inner, f"the page is {scroll} px tall in a {inner} px window"
        page.keyboard.press("Escape")
        page.click("#lang-switch")  # Spanish labels are longer: the strip may take two lines, never more width
        expect(page.locator("#queue-chip")).to_have_text("0 en espera")
        expect(page.locator("#plates img.photo")).to_have_count(1)
        high, wide, window = page.evaluate("[document.documentElement.scrollHeight,"
                                           " document.documentElement.scrollWidth, window.innerWidth]")
        shot(page, "alert-two-documents-es-1366x768")
        assert high <= inner and wide <= window, f"the Spanish page is {wide}x{high} px in a {window}x{inner} window"
    finally:
        context.close()
        close_open_crossing(lane)
