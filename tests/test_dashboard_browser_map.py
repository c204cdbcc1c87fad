"""In a real headless Chromium (the set-up of tests/test_dashboard_browser.py: `streamlit run` on loopback, a small
kg.gaps.demo store, every other host unresolvable): the world map zooms with Ctrl + mouse wheel (a plain wheel
scrolls the page) and pans with a drag, and keeps drawing the points; a chart's "Chart image (PNG)" button
downloads a PNG (issue 16)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from test_dashboard_browser import _open, _wait, browser, demo_store, server  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The map's geometry as drawn: the sphere's box (the world outline's SVG path: its size is the map's scale, its
# left edge the pan), and how many of the institution circles' centres fall inside the view.
GEOMETRY = """
const e = arguments[0], svg = e.querySelector('svg');
const sphere = svg.querySelector('.mark-shape.role-mark path').getBBox();
const w = svg.getBoundingClientRect();
let inside = 0, drawn = 0;
svg.querySelectorAll('.mark-symbol.role-mark path').forEach(p => {
  drawn++;
  const r = p.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
  if (x >= w.left && x <= w.right && y >= w.top && y <= w.bottom) inside++;
});
return [sphere.x, sphere.y, sphere.width, sphere.height, drawn, inside, w.width, w.height];
"""


def _map(driver: object) -> object:
    from selenium.webdriver.common.by import By

    embed = driver.find_elements(By.CSS_SELECTOR, ".vega-embed")[0]  # type: ignore[attr-defined]
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", embed)  # type: ignore[attr-defined]
    time.sleep(0.5)
    return embed


def _geometry(driver: object, embed: object) -> list[float]:
    return [float(v) for v in driver.execute_script(GEOMETRY, embed)]  # type: ignore[attr-defined]


def test_the_map_zooms_with_ctrl_and_the_wheel_and_pans_with_a_drag(server: str, browser: object) -> None:  # noqa: F811
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
    from selenium.webdriver.common.keys import Keys

    driver = browser
    _open(driver, f"{server}/map", 2)
    embed = _map(driver)
    x0, y0, w0, h0, drawn0, inside0, *svg = _geometry(driver, embed)
    assert drawn0 > 50 and inside0 == drawn0, (drawn0, inside0)  # the world: every circle in the view
    assert svg[1] >= 400 and h0 >= 200, (h0, w0, svg)  # 420 px high; the title and legends leave the map room
    # a plain wheel over the map scrolls the page (the map moves up in the window) and leaves the map as it was
    top = driver.execute_script("return arguments[0].getBoundingClientRect().top", embed)  # type: ignore[attr-defined]
    ActionChains(driver).scroll_from_origin(ScrollOrigin.from_element(embed), 0, 200).perform()  # type: ignore[arg-type]
    scrolled = _wait(lambda: (t := driver.execute_script(  # type: ignore[attr-defined]
        "return arguments[0].getBoundingClientRect().top", embed)) < top - 50 and t, 10, "the page to scroll")
    assert _geometry(driver, embed)[:4] == [x0, y0, w0, h0]  # the wheel alone did not zoom (nor pan) the map
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", embed)  # type: ignore[attr-defined]
    time.sleep(0.5)
    assert scrolled < top
    # Ctrl + the wheel over the map's middle (negative: zoom in, as a mouse wheel pushed away does)
    ActionChains(driver).key_down(Keys.CONTROL).scroll_from_origin(  # type: ignore[arg-type]
        ScrollOrigin.from_element(embed), 0, -600).key_up(Keys.CONTROL).perform()  # type: ignore[arg-type]
    zoomed = _wait(lambda: (g := _geometry(driver, embed)) and g[2] > 1.5 * w0 and g, 10, "the map to zoom in")
    x1, y1, w1, h1, drawn1, inside1, *_ = zoomed  # type: ignore[misc]
    assert h1 / h0 == pytest.approx(w1 / w0, rel=0.02)  # zoomed, not stretched
    # about the pointer (the map's middle): the world's centre stays where it was
    assert abs((x1 + w1 / 2) - (x0 + w0 / 2)) < 0.1 * w0 and abs((y1 + h1 / 2) - (y0 + h0 / 2)) < 0.2 * h0
    assert drawn1 == drawn0 and 0 < inside1 < drawn1, (drawn1, inside1)  # points still drawn, some out of view
    # a drag to the right moves the map to the right, at the same scale
    ActionChains(driver).move_to_element(embed).click_and_hold().move_by_offset(150, 0).release().perform()  # type: ignore[arg-type]
    panned = _wait(lambda: (g := _geometry(driver, embed)) and g[0] > x1 + 100 and g, 10, "the map to pan")
    assert panned[2] == pytest.approx(w1, rel=0.01)  # type: ignore[index]


def test_a_chart_downloads_as_a_png_with_its_metadata(server: str, browser: object, tmp_path: Path) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By

    driver = browser
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver.execute_cdp_cmd("Browser.setDownloadBehavior",  # type: ignore[attr-defined]
                           {"behavior": "allow", "downloadPath": str(downloads)})
    _open(driver, f"{server}/gaps?scheme=region&region=Africa", 2)
    buttons = [b for b in driver.find_elements(By.CSS_SELECTOR, "[data-testid='stDownloadButton'] button")  # type: ignore[attr-defined]
               if "Chart image (PNG)" in b.text]
    assert len(buttons) >= 2
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", buttons[0])  # type: ignore[attr-defined]
    buttons[0].click()
    path = _wait(lambda: [p for p in downloads.glob("*.png")], 60, "the PNG download")[0]  # type: ignore[index]
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width >= 1600 and height >= 400, (width, height)  # 900 px wide at twice the density
