"""End to end: the dashboard served by `streamlit run` on loopback against a small kg.gaps.demo store, every page
loaded in a real headless Chromium (Debian's chromium + chromium-driver, driven through selenium with
/usr/bin/chromedriver; selenium never downloads anything) with every host but 127.0.0.1 unresolvable. Checks
that no error box is shown, that the charts are drawn and the world maps show the Natural Earth countries
(SVG marks), that no request left the machine, and saves a
1280x800 screenshot of each page (to $TMPDIR/glamkg-screenshots/, or to docs/screenshots/<page>.png with
GLAMKG_UPDATE_SCREENSHOTS=1, the way the committed ones were made).

Needs the Debian packages chromium and chromium-driver (run.sh installs them): the tests fail when they are
missing and $CI is set (to anything but 0/false/no), and are skipped with that reason elsewhere.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from dashboard_fixture import stop

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
# Screenshots go to a temporary folder; GLAMKG_UPDATE_SCREENSHOTS=1 writes them into docs/screenshots/ instead
# (then commit them), so a test run never dirties the work tree.
SHOTS = (ROOT / "docs" / "screenshots") if os.environ.get("GLAMKG_UPDATE_SCREENSHOTS") == "1" else (
    Path(tempfile.gettempdir()) / "glamkg-screenshots"
)
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# page -> (url path, vega charts it draws at least)
PAGES = {
    "overview": ("", 1),
    "map": ("map", 2),
    "gaps": ("gaps", 3),
    "trends": ("trends", 4),
    "partnerships": ("partnerships", 2),
    "partners": ("partners", 1),
    "quality": ("quality", 1),
    "explorer": ("explorer", 1),
}
LOAD_TIMEOUT = 60.0
DEMO_INSTITUTIONS = 600


def in_ci() -> bool:
    """$CI set to anything but an explicit no (CI services set CI=true; .ci/run exports it)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _require_chromium() -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    if not missing:
        return
    reason = f"{', '.join(missing)} missing: install the Debian packages chromium and chromium-driver"
    if in_ci():
        pytest.fail(f"{reason} (CI is set: the browser tests must run in CI, not be skipped)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _demo_store(path: Path) -> Path:
    """A small synthetic demo store (kg.gaps.demo), so the screenshots in docs/ look like the real thing."""
    from kg.gaps import demo
    from kg.store import Store

    with Store.open(path) as store:
        demo.write_demo(store, institutions=DEMO_INSTITUTIONS, seed=1)
    return path


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _require_chromium()
    # asterisks in the path: the overview's plain table must show it as it is (its cells are Markdown)
    return _demo_store(tmp_path_factory.mktemp("browser_demo") / "store*1*")


@pytest.fixture(scope="module")
def server(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _require_chromium()
    from kg.dashboard.server import streamlit_command

    store = demo_store
    port = _free_port()
    env = dict(os.environ, GLAMKG_STORE=str(store), GLAMKG_CACHE=str(tmp_path_factory.mktemp("browser-cache")))
    log = tmp_path_factory.mktemp("browser-log") / "streamlit.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(streamlit_command(store, host="127.0.0.1", port=port), env=env, stdout=out,
                                stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + LOAD_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with {proc.returncode}: {log.read_text()[-2000:]}")
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer on {url}: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="glamkg-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--hide-scrollbars", "--window-size=1280,800", f"--user-data-dir={profile}",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False}
    )
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


# Per chart: (marks drawn, country shapes drawn). Streamlit's Vega renders SVG (one <path> per geoshape
# feature); a canvas rendering counts as drawn when enough of its pixels are not background.
MARKS = """
const e = arguments[0];
const svg = e.querySelector('svg');
if (svg) {
  const marks = svg.querySelectorAll('.role-mark > path, .role-mark > line, .role-mark > text, .role-mark > g');
  const shapes = Math.max(0, ...Array.from(svg.querySelectorAll('.mark-shape')).map(g => g.children.length));
  return [marks.length, shapes];
}
const c = e.querySelector('canvas');
if (!c || !c.width) return [0, 0];
const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
let n = 0, ink = 0;
for (let i = 0; i < d.length; i += 28) {
  n++;
  if (d[i + 3] > 0 && !(d[i] > 250 && d[i + 1] > 250 && d[i + 2] > 250)) ink++;
}
return [ink / n > 0.01 ? 1000 : 0, -1];
"""


def _wait(predicate: object, timeout: float = LOAD_TIMEOUT, what: str = "") -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()  # type: ignore[operator]
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.25)


def _charts_drawn(driver: object, expected: int) -> list[tuple[int, int]]:
    from selenium.webdriver.common.by import By

    embeds = driver.find_elements(By.CSS_SELECTOR, ".vega-embed")  # type: ignore[attr-defined]
    if len(embeds) < expected:
        return []
    out = []
    for e in embeds:
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", e)  # type: ignore[attr-defined]
        marks, shapes = driver.execute_script(MARKS, e)  # type: ignore[attr-defined]
        out.append((int(marks), int(shapes)))
    return out if all(marks > 0 for marks, _ in out) else []


@pytest.mark.parametrize("page", list(PAGES))
def test_page_in_chromium(server: str, browser: object, page: str) -> None:
    from selenium.webdriver.common.by import By

    path, n_charts = PAGES[page]
    driver = browser
    driver.get(f"{server}/{path}")  # type: ignore[attr-defined]
    _wait(lambda: driver.find_elements(By.CSS_SELECTOR, "[data-testid='stMain'] h1"), what=f"{page}: title")  # type: ignore[attr-defined]
    _wait(lambda: not driver.find_elements(By.CSS_SELECTOR, "[data-testid='stStatusWidget']"), 30,  # type: ignore[attr-defined]
          what=f"{page}: script run to finish")
    if page == "explorer":  # run the selected saved query on the local store
        button = _wait(lambda: driver.find_elements(By.CSS_SELECTOR, "[data-testid='stBaseButton-primary']"),  # type: ignore[attr-defined]
                       what="the Run query button")
        button[0].click()  # type: ignore[index]
    drawn = _wait(lambda: _charts_drawn(driver, n_charts), what=f"{page}: {n_charts} charts drawn")
    errors = driver.find_elements(By.CSS_SELECTOR, "[data-testid='stException']")  # type: ignore[attr-defined]
    errors += driver.find_elements(By.CSS_SELECTOR, "[data-testid='stAlertContentError']")  # type: ignore[attr-defined]
    assert not errors, [e.text for e in errors]
    assert "Page not found" not in driver.find_element(By.TAG_NAME, "body").text  # type: ignore[attr-defined]
    if page == "map":
        # both maps draw the Natural Earth countries (177 areas at 1:110m; -1: canvas, not countable)
        assert all(shapes >= 170 or shapes == -1 for _, shapes in drawn[:2]), drawn
    driver.execute_script(  # type: ignore[attr-defined]
        "document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; }); window.scrollTo(0, 0);"
    )
    time.sleep(0.5)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / f"{page}.png"
    assert driver.save_screenshot(str(shot))  # type: ignore[attr-defined]
    _shrink(shot)


def test_overview_shows_plain_tables_in_chromium(server: str, browser: object, demo_store: Path) -> None:
    """The first page loads no data grid (its scripts are ~1.2 MB: the page opens faster) and its plain tables show
    their cells as they are: the store's path with its ``*1*`` not read as Markdown (italics), counts as numbers."""
    from selenium.webdriver.common.by import By

    driver = browser
    driver.get(server)  # type: ignore[attr-defined]
    _wait(lambda: len(driver.find_elements(By.CSS_SELECTOR, "[data-testid='stTable']")) >= 3, 60,  # type: ignore[attr-defined]
          what="the overview's three tables")
    _wait(lambda: not driver.find_elements(By.CSS_SELECTOR, "[data-testid='stStatusWidget']"), 30,  # type: ignore[attr-defined]
          what="the script run to finish")
    assert not driver.find_elements(By.CSS_SELECTOR, "[data-testid='stDataFrame']")  # type: ignore[attr-defined]
    found = driver.find_elements(By.CSS_SELECTOR, "[data-testid='stTable'] td")  # type: ignore[attr-defined]
    cells = [c.get_attribute("textContent") for c in found]
    assert str(demo_store) in cells, cells[:20]
    assert not driver.find_elements(By.CSS_SELECTOR, "[data-testid='stTable'] td em")  # type: ignore[attr-defined]
    assert any(re.fullmatch(r"\d{1,3}(,\d{3})*", c or "") for c in cells), cells[:20]


def _shrink(path: Path) -> None:
    """A palette PNG (a third of the size; the screenshots are kept in docs/)."""
    from PIL import Image

    with Image.open(path) as im:
        small = im.convert("RGB").quantize(colors=128)
    small.save(path, optimize=True)


def test_no_request_left_the_machine(server: str, browser: object) -> None:
    """Runs after the pages (same browser): every request the browser made went to the loopback server."""
    driver = browser
    entries = driver.get_log("performance")  # type: ignore[attr-defined]
    if len(entries) < 10:  # run on its own: load a page first
        driver.get(f"{server}/map")  # type: ignore[attr-defined]
        time.sleep(8)
        entries += driver.get_log("performance")  # type: ignore[attr-defined]
    urls = set()
    for entry in entries:
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.add(message["params"]["request"]["url"])
    # chrome-untrusted: is Chromium's own pages (its new tab page asks for one in Chromium 150), not the network
    outside = sorted(u for u in urls if not u.startswith((server, server.replace("http", "ws"), "data:", "blob:",
                                                          "chrome:", "chrome-untrusted:", "chrome-extension:",
                                                          "about:")))
    assert not outside, outside


def test_missing_chromium_fails_in_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never a silent skip in CI: with the browser missing, CI=true fails the test; without CI it skips."""
    monkeypatch.setitem(globals(), "CHROMIUM", "/nonexistent/chromium")
    for value in ("true", "1", "yes", "anything"):
        monkeypatch.setenv("CI", value)
        with pytest.raises(pytest.fail.Exception, match="chromium missing"):
            _require_chromium()
    for value in ("", "0", "false"):
        monkeypatch.setenv("CI", value)
        with pytest.raises(pytest.skip.Exception, match="chromium missing"):
            _require_chromium()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        _require_chromium()


def _grid(driver: object, column: str) -> list[dict[str, str]]:
    """The rows of the page's data grid that has ``column``, as its accessible table holds them (the cells drawn
    on screen: Glide's grid renders the visible rows and columns into a hidden table for screen readers)."""
    from selenium.webdriver.common.by import By

    for frame in driver.find_elements(By.CSS_SELECTOR, "[data-testid='stDataFrame']"):  # type: ignore[attr-defined]
        heads = [h.get_attribute("textContent") for h in frame.find_elements(By.CSS_SELECTOR, "th")]
        if column not in heads:
            continue
        cells = [c.get_attribute("textContent") for c in frame.find_elements(By.CSS_SELECTOR, "td")]
        width = len(heads)
        return [dict(zip(heads, cells[i : i + width], strict=True)) for i in range(0, len(cells), width)]
    return []


def test_partners_to_call_for_a_country_in_chromium(server: str, browser: object, demo_store: Path,
                                                    tmp_path: Path) -> None:
    """A coordinator opens "Partners to call" for a country: the grid lists its institutions without a
    partnership, each with the affiliates nearest to it (its country's first), and the CSV download holds
    the grid's rows."""
    from selenium.webdriver.common.by import By

    from kg.gaps import tables
    from kg.model.schema import model
    from kg.store import Store

    with Store.open(demo_store, read_only=True) as st:
        data = tables.read(st)
    inst = data.institutions
    unpartnered = inst[~inst["item"].isin(data.links["institution"]) & (inst["iso2"] != "")]
    affiliate_types = {model().cls(k).label for k in ("wikimedia_chapter", "wikimedia_user_group",
                                                       "wikimedia_thematic_organization")}
    with_affiliate = set(data.partners.loc[data.partners["type"].isin(affiliate_types), "iso2"])
    per_country = unpartnered[unpartnered["iso2"].isin(with_affiliate)].groupby("iso2")["item"].size()
    fits = per_country[(per_country >= 2) & (per_country <= 8)].sort_index()  # every row on one screen
    assert len(fits), "the demo store has no country with 2-8 unpartnered institutions and an affiliate"
    country = str(fits.sort_values(ascending=False, kind="stable").index[0])
    expected = set(unpartnered.loc[unpartnered["iso2"] == country, "label"])

    driver = browser
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver.execute_cdp_cmd("Browser.setDownloadBehavior",  # type: ignore[attr-defined]
                           {"behavior": "allow", "downloadPath": str(downloads)})
    driver.get(f"{server}/partners?country={country}")  # type: ignore[attr-defined]
    _wait(lambda: driver.find_elements(By.CSS_SELECTOR, "[data-testid='stMain'] h1"), what="partners: title")  # type: ignore[attr-defined]
    # the grid shows readable headers (the CSV keeps the column names): column -> its header on the page
    from kg.dashboard.views import header

    h = {c: header(c) or c for c in ("rank", "label", "type", "country_name", "size_band", "nearest_affiliates")}
    rows = _wait(lambda: _grid(driver, h["nearest_affiliates"]), what="the partners grid with nearest affiliates")
    assert {r[h["label"]] for r in rows} == expected  # type: ignore[union-attr]
    for r in rows:  # type: ignore[union-attr]
        assert r[h["country_name"]] and r[h["nearest_affiliates"]].split("; ")[0].split(" (")[1].startswith(
            f"{country},")
    errors = driver.find_elements(By.CSS_SELECTOR, "[data-testid='stException']")  # type: ignore[attr-defined]
    assert not errors, [e.text for e in errors]

    button = next(b for b in driver.find_elements(By.CSS_SELECTOR, "[data-testid='stDownloadButton'] button")  # type: ignore[attr-defined]
                  if b.text.startswith("Download partners to call"))
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)  # type: ignore[attr-defined]
    button.click()
    csv_file = _wait(lambda: [p for p in downloads.glob("*.csv")], what="the CSV download")[0]  # type: ignore[index]
    import pandas as pd

    csv = pd.read_csv(csv_file, dtype=str, keep_default_na=False)
    shown = [{k: v for k, v in r.items()} for r in rows]  # type: ignore[union-attr]
    columns = [c for c in h if h[c] in shown[0]]
    assert len(columns) >= 4, shown[0]
    assert csv[columns].to_dict("records") == [{c: r[h[c]] for c in columns} for r in shown]
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(SHOTS / "partners-country.png"))  # type: ignore[attr-defined]
    _shrink(SHOTS / "partners-country.png")


# --- charts that cannot mislead (issue 16), tried as an analyst would -------------------------------------


def _open(driver: object, url: str, charts: int = 1) -> None:
    from selenium.webdriver.common.by import By

    driver.get(url)  # type: ignore[attr-defined]
    _wait(lambda: driver.find_elements(By.CSS_SELECTOR, "[data-testid='stMain'] h1"), what=f"{url}: title")  # type: ignore[attr-defined]
    _wait(lambda: not driver.find_elements(By.CSS_SELECTOR, "[data-testid='stStatusWidget']"), 30,  # type: ignore[attr-defined]
          what=f"{url}: script run to finish")
    _wait(lambda: _charts_drawn(driver, charts), what=f"{url}: {charts} charts drawn")


def _demo_tables(store: Path) -> object:
    from kg.gaps import tables
    from kg.store import Store

    with Store.open(store, read_only=True) as st:
        return tables.read(st)


def _by_hand(data: object, *, region: str | None, type_: str | None, years: tuple[int, int] | None) -> tuple[int, int]:
    """(institutions, partnerships summed over countries) of the demo store's UN M49 ``region`` (None: world),
    institutions of ``type_``, partnerships active in ``years``: plain pandas over the store's tables."""
    from kg.model import regions

    inst = data.institutions  # type: ignore[attr-defined]
    region_of = regions.countries().set_index("iso2")["region"]
    ic = data.institution_countries  # type: ignore[attr-defined]
    ic = ic[ic["iso2"] != ""]
    if region:
        ic = ic[ic["iso2"].map(region_of) == region]
    if type_:
        ic = ic[ic["item"].isin(inst.loc[inst["type"] == type_, "item"])]
    ps = data.partnerships  # type: ignore[attr-defined]
    if years:
        lo, hi = years
        ps = ps[ps["start_year"].notna() & (ps["start_year"] <= hi) & (ps["end_year"].isna() | (ps["end_year"] >= lo))]
    links = data.links[data.links["partnership"].isin(ps["item"])]  # type: ignore[attr-defined]
    per_country = links.merge(ic, left_on="institution", right_on="item").groupby("iso2")["partnership"].nunique()
    return int(ic["item"].nunique()), int(per_country.sum())


def test_a_filtered_page_keeps_the_index_relative_to_the_world(server: str, browser: object, demo_store: Path) -> None:
    """Africa + libraries + 2015-2020: the representation index compares Africa's libraries with the world's
    libraries in those years (not with themselves, which is always 1.00), and the page says so."""
    from selenium.webdriver.common.by import By

    data = _demo_tables(demo_store)
    kind = "library"
    assert kind in set(data.institutions["type"])  # type: ignore[attr-defined]
    n_af, p_af = _by_hand(data, region="Africa", type_=kind, years=(2015, 2020))
    n_w, p_w = _by_hand(data, region=None, type_=kind, years=(2015, 2020))
    assert n_af and p_af and n_w and p_w
    expected = (p_af / n_af) / (p_w / n_w)
    assert abs(expected - 1) > 0.1  # the filtered set's own index (always 1.00) would fail
    driver = browser
    _open(driver, f"{server}/gaps?scheme=region&region=Africa&type={kind}&years=2015-2020", 2)
    rows = _wait(lambda: _grid(driver, "representation index"), what="the gap table with readable headers")
    heads = list(rows[0])  # type: ignore[index]
    assert heads[:4] == ["group", "representation index", "status", "small numbers"], heads
    africa = next(r for r in rows if r["group"] == "Africa")  # type: ignore[union-attr]
    assert float(africa["representation index"]) == pytest.approx(expected, abs=0.006)
    body = driver.find_element(By.TAG_NAME, "body").text  # type: ignore[attr-defined]
    assert f"the same in the whole world (institution types: {kind}; years 2015–2020)" in body
    assert f"Africa has a representation index of {expected:.2f}" in body  # the finding under the chart


def _axis_labels(driver: object, chart: int) -> list[str]:
    """The y-axis labels of the page's ``chart``-th Vega chart, top to bottom."""
    labels = driver.execute_script(  # type: ignore[attr-defined]
        """const svg = document.querySelectorAll('.vega-embed')[arguments[0]].querySelector('svg');
        const axes = Array.from(svg.querySelectorAll('.role-axis'));
        const y = axes.find(a => (a.getAttribute('aria-label') || '').startsWith('Y-axis'));
        return Array.from(y.querySelectorAll('.role-axis-label text'))
          .map(t => [t.getBoundingClientRect().top, t.textContent]);""", chart)
    return [text for _, text in sorted(labels)]


def test_the_coverage_chart_is_ranked(server: str, browser: object, demo_store: Path) -> None:
    """The coverage axis lists the regions from the highest coverage down (not alphabetically)."""
    from kg.model import regions

    data = _demo_tables(demo_store)
    inst = data.institutions  # type: ignore[attr-defined]
    inst = inst[inst["iso2"] != ""]
    region = inst["iso2"].map(regions.countries().set_index("iso2")["region"])
    partnered = inst["item"].isin(data.links["institution"])  # type: ignore[attr-defined]
    coverage = partnered.groupby(region).mean()
    expected = [r for r, _ in sorted(coverage.items(), key=lambda kv: (-kv[1], kv[0]))]
    assert expected != sorted(expected)  # else the test could not tell ranked from alphabetical
    _open(browser, f"{server}/gaps?scheme=region", 2)
    assert _axis_labels(browser, 1) == expected


def _contrast(rgb: str) -> float:
    """WCAG 2 contrast ratio of a CSS rgb() colour against white."""
    def lum(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (float(x) for x in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3])
    y = 0.2126 * lum(r) + 0.7152 * lum(g) + 0.0722 * lum(b)
    return 1.05 / (y + 0.05)


def test_axis_text_reaches_wcag_aa_contrast(server: str, browser: object) -> None:
    _open(browser, f"{server}/gaps?scheme=region", 2)
    fills = browser.execute_script(  # type: ignore[attr-defined]
        "return Array.from(document.querySelectorAll('.vega-embed .role-axis-label text, .vega-embed "
        ".role-axis-title text')).map(t => getComputedStyle(t).fill);")
    assert fills
    assert min(_contrast(f) for f in fills) >= 4.5, sorted(set(fills))


def test_a_mistyped_filter_in_the_link_warns_with_the_valid_values(server: str, browser: object) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, f"{server}/gaps?scheme=region&region=Afrika", 2)
    warnings = [w.text for w in browser.find_elements(By.CSS_SELECTOR, "[data-testid='stAlertContentWarning']")]  # type: ignore[attr-defined]
    text = next(w for w in warnings if "Ignored in the link" in w)
    assert "region=Afrika" in text and "did you mean Africa?" in text and "valid: Africa, Americas" in text


# (width of the chart as drawn on screen: marks and axes; width of its marks; the svg's width - the frame's)
PLOT_WIDTH = """
const e = arguments[0], box = e.getBoundingClientRect(), svg = e.querySelector('svg');
function span(selector) {
  let lo = Infinity, hi = -Infinity;
  svg.querySelectorAll(selector).forEach(m => { const r = m.getBoundingClientRect();
    if (r.width > 0) {
      lo = Math.min(lo, Math.max(r.left, box.left)); hi = Math.max(hi, Math.min(r.right, box.right));
    } });
  return hi - lo;
}
return [span('.role-mark, .role-axis'), span('.role-mark'), svg.getBoundingClientRect().width - box.width];
"""


@pytest.mark.parametrize("page", ["gaps", "map", "quality"])
def test_charts_keep_their_width_on_a_phone(server: str, browser: object, page: str) -> None:
    """On a 390 px wide phone the page's first chart (the gap chart, the map, the quality heat map) is drawn at
    least 300 px wide (its plot at least 250 px), inside the screen."""
    from selenium.webdriver.common.by import By

    driver = browser
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",  # type: ignore[attr-defined]
                           {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    try:
        _open(driver, f"{server}/{page}?scheme=region")
        first = driver.find_elements(By.CSS_SELECTOR, ".vega-embed")[0]  # type: ignore[attr-defined]
        driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", first)  # type: ignore[attr-defined]
        time.sleep(0.5)
        width, marks, overflow = driver.execute_script(PLOT_WIDTH, first)  # type: ignore[attr-defined]
        SHOTS.mkdir(parents=True, exist_ok=True)
        shot = SHOTS / f"phone-{page}.png"
        assert driver.save_screenshot(str(shot))  # type: ignore[attr-defined]
        _shrink(shot)
        assert width >= 300 and marks >= 250, (width, marks)  # the chart, and its plot no sliver
        assert overflow <= 1, overflow  # nothing runs off the screen (a long axis title squeezed the plot)
    finally:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",  # type: ignore[attr-defined]
                               {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})


def test_a_downloaded_csv_carries_its_metadata(server: str, browser: object, demo_store: Path,
                                               tmp_path: Path) -> None:
    """The gap table's CSV, downloaded from a filtered page: its rows, and on each the synthetic label, the
    store, the filters and the date."""
    import datetime as dt

    import pandas as pd
    from selenium.webdriver.common.by import By

    driver = browser
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver.execute_cdp_cmd("Browser.setDownloadBehavior",  # type: ignore[attr-defined]
                           {"behavior": "allow", "downloadPath": str(downloads)})
    _open(driver, f"{server}/gaps?scheme=region&region=Africa&region=Europe", 2)
    button = next(b for b in driver.find_elements(By.CSS_SELECTOR, "[data-testid='stDownloadButton'] button")  # type: ignore[attr-defined]
                  if b.text == "Download gaps by region (CSV)")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)  # type: ignore[attr-defined]
    button.click()
    path = _wait(lambda: [p for p in downloads.glob("*.csv")], what="the CSV download")[0]  # type: ignore[index]
    csv = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert sorted(csv["group"]) == ["Africa", "Europe"]
    assert set(csv["data_label"]) == {next(iter(csv["data_label"]))} and "SYNTHETIC" in csv["data_label"][0]
    assert csv["data_source"][0].startswith("glamkg: ") and str(demo_store.resolve()) in csv["data_source"][0]
    assert csv["data_filters"][0] == "regions (UN M49 regions): Africa, Europe"
    downloaded = dt.datetime.strptime(csv["downloaded_at"][0], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    assert abs((dt.datetime.now(dt.UTC) - downloaded).total_seconds()) < 600
    assert csv["data_read_at"][0]
