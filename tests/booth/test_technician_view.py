"""The technician view in a real Chromium at a booth monitor's size and at full HD: every health column
in view (none under the next panel), live reads in plain words, not JSON."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.booth.conftest import shot

# For every header and cell of the health table: is it inside its panel, and is it what the browser
# shows at its centre (not hidden under a neighbouring panel)?
HIDDEN_CELLS = """() => {
  const panel = document.getElementById('panel-devices').getBoundingClientRect();
  return [...document.querySelectorAll('table.health th, table.health tbody tr:first-child td')].filter((cell) => {
    const box = cell.getBoundingClientRect();
    const top = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    return box.right > panel.right + 0.5 || box.left < panel.left - 0.5 || !(top && cell.contains(top));
  }).map((cell) => cell.textContent || cell.dataset.i18n);
}"""


@pytest.mark.parametrize("width,height", [(1366, 768), (1920, 1080)])
def test_every_health_column_is_in_view_and_reads_are_words(browser, lane, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(10000)
    try:
        page.goto(lane.url)
        page.fill("#officer-id", "t-300")
        page.fill("#pin", "7777")
        page.click("#signin-submit")
        page.wait_for_url("**/tech")
        expect(page.locator("#device-rows tr").first).to_contain_text("yes")
        headers = page.locator("table.health th")
        assert headers.count() == 8  # device, kind, connected, frames ok, rejected, noise bytes, reconnects, last error
        assert page.evaluate(HIDDEN_CELLS) == []
        epc = f"E200TECHVIEW{width:04d}0001"
        lane.send("rfid-1", "rfid", epc, {"antenna": 2, "peak_rssi": -51, "count": 3, "format": "text"})
        read = page.locator("#reads li", has_text=epc)
        expect(read).to_contain_text("RFID tag")
        expect(read).to_contain_text("antenna 2")
        expect(read).to_contain_text("peak RSSI -51")
        assert "{" not in read.inner_text()  # decoded, not the raw JSON of the read
        shot(page, f"technician-health-{width}x{height}")
    finally:
        context.close()
