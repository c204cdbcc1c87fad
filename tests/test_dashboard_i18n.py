"""The dashboard in French, Spanish and Arabic: chosen in the sidebar, kept in the URL (``?lang=``), item labels in
the chosen language with WDQS's fallback, and Arabic right to left in a real headless Chromium.

The expected texts are read from the shipped catalogues (``kg/i18n/gettext-catalogues/<lang>/LC_MESSAGES/glamkg.po``)
with Babel, not through kg.i18n, so a page that forgets to translate fails here.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import dashboard_fixture as fx
import pytest
from babel.messages.pofile import read_po
from streamlit.testing.v1 import AppTest
from test_dashboard_browser import _require_chromium, _wait, browser, demo_store, server

ROOT = Path(__file__).resolve().parents[1]
APP_DIR = ROOT / "dashboards"
APP = APP_DIR / "app.py"
TIMEOUT = 120
LOCALE = ROOT / "kg" / "i18n" / "gettext-catalogues"

__all__ = ["browser", "demo_store", "server"]  # the browser test's fixtures, used here too


def translated(lang: str, message: str) -> str:
    with (LOCALE / lang / "LC_MESSAGES" / "glamkg.po").open("rb") as f:
        text = read_po(f)[message].string
    assert text and text != message, f"{lang}: {message!r} is not translated"
    return str(text)


@pytest.fixture(scope="module")
def labelled_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dashboard fixture, with labels as a multilingual store has them: Museum Amsterdam also in French and
    Spanish, Archive Berlin only in German (no English), Library Recife with no label at all."""
    from kg.model.entities import to_json
    from kg.store import Store

    records = []
    for r in fx.records():
        if r.id == fx.I1:
            r = dataclasses.replace(r, labels={"en": "Museum Amsterdam", "fr": "Musée d'Amsterdam",
                                               "es": "Museo de Ámsterdam"})
        elif r.id == fx.I3:
            r = dataclasses.replace(r, labels={"de": "Archiv Berlin"})
        elif r.id == fx.I6:
            r = dataclasses.replace(r, labels={})
        records.append(r)
    path = tmp_path_factory.mktemp("i18n") / "store"
    with Store.open(path) as store:
        store.write_entities([to_json(r) for r in records])
        store.set_meta("label", fx.LABEL)
        store.set_meta("synthetic", True)
    return path


@pytest.fixture()
def app_env(labelled_store: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("GLAMKG_STORE", str(labelled_store))
    monkeypatch.setenv("GLAMKG_CACHE", str(tmp_path / "cache"))
    return labelled_store


def run_page(page: str, **query: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = v
    if page != "overview":
        at.switch_page(str(APP_DIR / f"{page}.py"))
    at.run()
    return at


@pytest.mark.parametrize(("lang", "page", "title"), [
    ("fr", "overview", "GLAM institutions and their Wikimedia partnerships"),
    ("fr", "gaps", "Regional gaps"),
    ("es", "overview", "GLAM institutions and their Wikimedia partnerships"),
    ("es", "partnerships", "Partnerships"),
])
def test_the_url_language_translates_the_page(app_env: Path, lang: str, page: str, title: str) -> None:
    at = run_page(page, lang=lang)
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == [translated(lang, title)]
    assert at.sidebar.selectbox(key="f_lang").value == lang
    assert at.sidebar.multiselect(key="f_country").label == translated(lang, "Country")
    assert at.query_params["lang"] in (lang, [lang])


def test_english_is_the_default_and_keeps_the_url_clean(app_env: Path) -> None:
    at = run_page("overview")
    assert [t.value for t in at.title] == ["GLAM institutions and their Wikimedia partnerships"]
    assert "lang" not in at.query_params
    assert {m.label for m in at.metric} >= {"Institutions", "Coverage"}


def test_choosing_a_language_in_the_sidebar_translates_and_updates_the_url(app_env: Path) -> None:
    at = run_page("overview")
    at.sidebar.selectbox(key="f_lang").set_value("es").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == [translated("es", "GLAM institutions and their Wikimedia partnerships")]
    assert translated("es", "Institutions") in {m.label for m in at.metric}
    assert at.query_params["lang"] in ("es", ["es"])
    at.sidebar.selectbox(key="f_lang").set_value("en").run()
    assert [t.value for t in at.title] == ["GLAM institutions and their Wikimedia partnerships"]
    assert "lang" not in at.query_params


def test_an_unknown_language_in_the_url_warns_and_shows_english(app_env: Path) -> None:
    at = run_page("overview", lang="xx")
    assert [t.value for t in at.title] == ["GLAM institutions and their Wikimedia partnerships"]
    assert any("lang=xx" in w.value for w in at.sidebar.warning), [w.value for w in at.sidebar.warning]


def _partnerships_table(at: AppTest) -> list[str]:
    frames = [d.value for d in at.dataframe if "institution_label" in d.value.columns]
    assert frames, "no partnerships table"
    return sorted({str(v) for v in frames[0]["institution_label"]})


def _quality_labels(at: AppTest) -> dict[str, tuple[str, str]]:
    """item -> (label, country name) in the quality page's list of institutions without an ISIL."""
    frames = [d.value for d in at.dataframe if {"item", "label"} <= set(d.value.columns)]
    assert frames, "no item list"
    df = frames[-1]
    return dict(zip(df["item"], zip(df["label"], df["country_name"], strict=True), strict=True))


def test_item_labels_follow_the_language_with_the_label_service_fallback(app_env: Path) -> None:
    """French where there is a French label, else English, else any language, else the id (as WDQS's
    ``wikibase:label`` service with ``"fr,en"`` and its last resort)."""
    at = run_page("quality", lang="fr")
    at.selectbox(key="quality_prop").set_value("ISIL").run()
    labels = _quality_labels(at)
    assert labels[fx.I2] == ("Library Utrecht", "Pays-Bas")  # no French label: English; the country in French
    assert labels[fx.I3] == ("Archiv Berlin", "Allemagne")  # neither French nor English: any
    assert labels[fx.I6] == (fx.I6, "Brésil")  # no label at all: the id
    at = run_page("partnerships", lang="fr")
    assert "Musée d'Amsterdam" in _partnerships_table(at)
    at = run_page("partnerships", lang="es")
    assert "Museo de Ámsterdam" in _partnerships_table(at)
    at = run_page("partnerships")
    assert "Museum Amsterdam" in _partnerships_table(at)


# --- Arabic, right to left, in Chromium ---------------------------------------------------------------------

DIRECTION = """
const q = s => document.querySelector(s);
return [q("[data-testid='stMain']"), q("[data-testid='stSidebar']"), q("[data-testid='stMain'] h1")]
  .map(e => e ? getComputedStyle(e).direction : null);
"""


@pytest.mark.browser
@pytest.mark.slow
def test_arabic_renders_right_to_left_in_chromium(server: str, browser: object, tmp_path: Path) -> None:
    _require_chromium()
    from selenium.webdriver.common.by import By

    driver = browser
    title = translated("ar", "Regional gaps")
    driver.get(f"{server}/gaps?lang=ar")  # type: ignore[attr-defined]
    heading = _wait(lambda: [h for h in driver.find_elements(By.CSS_SELECTOR, "[data-testid='stMain'] h1")  # type: ignore[attr-defined]
                             if h.text.strip()], what="the page title")
    _wait(lambda: not driver.find_elements(By.CSS_SELECTOR, "[data-testid='stStatusWidget']"), 30,  # type: ignore[attr-defined]
          what="the script run to finish")
    assert heading[0].text.strip("\u2067\u2069 ") == title  # type: ignore[index]
    # the page's direction is set by the script's own style, drawn a moment after the run on a busy machine
    deadline = time.monotonic() + 20
    while (found := driver.execute_script(DIRECTION)) != ["rtl", "rtl", "rtl"] and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.25)
    assert found == ["rtl", "rtl", "rtl"]
    # the sidebar's labels and the navigation are in Arabic too
    sidebar = driver.find_element(By.CSS_SELECTOR, "[data-testid='stSidebar']").text  # type: ignore[attr-defined]
    assert translated("ar", "Filters") in sidebar and translated("ar", "Overview") in sidebar
    # charts stay left to right (axes and numbers read as drawn)
    charts = _wait(lambda: driver.find_elements(By.CSS_SELECTOR, "[data-testid='stVegaLiteChart']"),  # type: ignore[attr-defined]
                   what="the charts")
    assert all(driver.execute_script("return getComputedStyle(arguments[0]).direction", c) == "ltr"  # type: ignore[attr-defined]
                          for c in charts)
    time.sleep(0.5)
    shot = tmp_path / "gaps-ar.png"
    assert driver.save_screenshot(str(shot))  # type: ignore[attr-defined]
    from PIL import Image

    with Image.open(shot) as im:
        assert im.size[0] >= 1000
    # back to English: left to right again
    driver.get(f"{server}/gaps?lang=en")  # type: ignore[attr-defined]
    _wait(lambda: [h for h in driver.find_elements(By.CSS_SELECTOR, "[data-testid='stMain'] h1")  # type: ignore[attr-defined]
                   if h.text.strip() == "Regional gaps"], what="the English title")
    _wait(lambda: driver.execute_script(DIRECTION)[:2] == ["ltr", "ltr"], 20, what="left to right again")  # type: ignore[attr-defined]


def test_choosing_english_in_a_french_browser_keeps_english_in_the_link(app_env: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A browser asking for French opens French; choosing English in the menu puts ``lang=en`` in the link (a
    clean link would reopen French), and an English browser keeps the link clean."""
    from kg.dashboard import i18n as dash_i18n

    monkeypatch.setattr(dash_i18n, "_browser_language", lambda: "fr")
    at = run_page("overview")
    assert at.title[0].value == "Les institutions GLAM et leurs partenariats Wikimedia"
    at.sidebar.selectbox(key=dash_i18n.KEY).set_value("en").run()
    assert at.query_params.get("lang") in ("en", ["en"]) and at.title[0].value.startswith("GLAM institutions")
    monkeypatch.setattr(dash_i18n, "_browser_language", lambda: "en")
    at = run_page("overview", lang="en")
    assert "lang" not in at.query_params
