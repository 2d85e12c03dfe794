"""A watchlist hit after the decision, with the real risk engine: an alert at once on the booth and upstream."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from garita.station.booth.i18n import catalog
from tests.booth.conftest import Lane, seed_officers, shot, sign_in
from tests.booth.screen_checks import screen_is_readable


@pytest.fixture(scope="module")
def watched_lane(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("watched") / "data"
    data_dir.mkdir()
    seed_officers(data_dir)
    running = Lane(data_dir, "--watchlist")
    running.start()
    yield running
    running.stop()


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("viewport", [(1366, 768), (1920, 1080)])
def test_hit_after_the_decision_raises_an_alert(browser, watched_lane, viewport, language):
    width, height = viewport
    words = catalog(language)
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(8000)
    try:
        page.goto(watched_lane.url)
        sign_in(page, language=language)
        plate = f"7LT{width}{language.upper()}"
        watched_lane.send("plate-cam", "plate", plate)
        expect(page.locator("#plates")).to_contain_text(plate)
        page.keyboard.press("1")
        page.fill("#reason-text", "driver says the passport is coming")
        page.click("#confirm-ok")
        expect(page.locator("#toast")).to_have_text(words["decision.recorded"])
        # The passport, listed "detain" (entry D1), comes after the decision.
        watched_lane.send("docs-1", "document", "G12345678", {"issuing_state": "MEX", "surname": "GARCIA"})
        expect(page.locator("#late-alert")).to_be_visible()
        expect(page.locator("#late-alert")).to_contain_text("G12345678")
        expect(page.locator("#late-decided")).to_have_text(words["action.release"])
        screen_is_readable(page, "a hit after the decision", language)
        shot(page, f"hit-after-decision-{language}-{width}x{height}")
        crossing = watched_lane.query("SELECT crossing_id FROM reads WHERE value = ?", (plate,))[0]["crossing_id"]
        [alert] = [json.loads(r["payload"]) for r in watched_lane.query(
            "SELECT payload FROM outbox WHERE kind = 'alert'") if json.loads(r["payload"])["crossing_id"] == crossing]
        assert alert["decided"] == "release" and alert["hits"][0]["entry_id"] == "D1"
        page.click("#late-dismiss")
        expect(page.locator("#late-alert")).to_be_hidden()
    finally:
        context.close()
