"""No English left on a French or Arabic page: every dashboard page is run twice with AppTest (English, then
``?lang=fr`` / ``?lang=ar``) on the labelled fixture store, and every text a reader sees (titles, headers,
captions, Markdown, notes, metric labels, widget labels and their options, buttons, expanders, table column
headers, and the Vega-Lite charts' titles, axis, legend and tooltip titles) is collected from both runs. A text
that is the same in both runs is an English string that leaked, unless it is a proper noun, an id, a number or
a value listed in :data:`SAME_IN_EVERY_LANGUAGE`.

The snapshot sections are covered too: a history with two snapshots is written next to the store first.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from test_dashboard_i18n import APP, APP_DIR, LOCALE, TIMEOUT, labelled_store
from test_dashboard_partners import downloads

__all__ = ["downloads", "labelled_store"]

PAGES = ["overview", "map", "gaps", "impact", "trends", "partnerships", "partners", "quality", "explorer"]

#: Texts that read the same in English and in the translation: names of things, ids, units, formats.
SAME_IN_EVERY_LANGUAGE = {
    "glamkg", "English", "Français", "Español", "العربية", "SPARQL", "CSV", "JSON", "Parquet", "ISIL",
    "Wikidata", "Gini", "%", "Europe", "Amsterdam", "Wikimedia Nederland", "Wikimedia Namibia",
}
# Values that are data, not text of the page: numbers, ids, dates, file names, store paths.
DATA = re.compile(r"^[\d\s.,:%+\-–/()#°Q_]*$|^Q\d+|^[A-Z]{2}$|\.(rq|csv|json)$|^/|^\(?[A-Z]{2}\)?$")


def _texts_of_spec(spec: Any, out: set[str]) -> None:
    """Titles (chart, axis, legend, tooltip) and text marks' literal values of a Vega-Lite spec."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in ("title", "subtitle"):
                if isinstance(value, dict):
                    _texts_of_spec(value, out)
                elif isinstance(value, list):
                    out.update(str(v) for v in value)
                elif value:
                    out.add(str(value))
            elif key == "text" and isinstance(value, (str, list)):
                out.update([value] if isinstance(value, str) else [str(v) for v in value])
            elif key in ("domain",) and isinstance(value, list):
                out.update(str(v) for v in value if isinstance(v, str))
            elif key not in ("data", "datasets", "config"):
                _texts_of_spec(value, out)
    elif isinstance(spec, list):
        for item in spec:
            _texts_of_spec(item, out)


def _column_headers(proto: Any, columns: list[str]) -> list[str]:
    """What a dataframe shows on top of each column: its column_config label, else the column name."""
    config = json.loads(proto.columns) if getattr(proto, "columns", "") else {}
    return [str((config.get(c) or {}).get("label") or c) for c in columns]


def visible_texts(at: AppTest) -> dict[str, str]:
    """text -> where it was seen (element kind), for every text a reader of the page sees."""
    seen: dict[str, str] = {}

    def add(kind: str, *values: Any) -> None:
        for v in values:
            if v is not None and str(v).strip():
                seen.setdefault(str(v).strip().strip("*").strip(), kind)

    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success"):
        for el in getattr(at, kind):
            add(kind, el.value)
        for el in getattr(at.sidebar, kind):
            add(kind, el.value)
    for el in at.metric:
        add("metric", el.label, el.proto.help)
    for kind in ("selectbox", "multiselect", "radio"):
        for el in [*getattr(at, kind), *getattr(at.sidebar, kind)]:
            add(kind, el.label, el.help, getattr(el, "placeholder", None), *el.options)
    for kind in ("slider", "number_input", "text_input", "text_area", "button"):
        for el in [*getattr(at, kind), *getattr(at.sidebar, kind)]:
            add(kind, el.label, el.help)
    for kind in ("download_button", "link_button"):
        for el in at.get(kind):
            add(kind, el.proto.label)
    for el in at.expander:
        add("expander", el.label)
    for el in at.dataframe:
        add("table header", *_column_headers(el.proto, list(el.value.columns)))
    for el in at.table:  # plain tables (st.table) show their columns' names as headers
        add("table header", *map(str, el.value.columns))
    for el in at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart"):
        texts: set[str] = set()
        _texts_of_spec(json.loads(el.proto.spec), texts)
        add("chart", *texts)
    return seen


def same_in_translation(lang: str) -> set[str]:
    """The messages whose translation the translator made the same as the English ("Institutions" in French,
    "latitude (°)"): read from the shipped catalogue, so the exception list is the catalogue itself."""
    from babel.messages.pofile import read_po

    with (LOCALE / lang / "LC_MESSAGES" / "glamkg.po").open("rb") as f:
        catalog = read_po(f)
    return {m.id for m in catalog if m.id and isinstance(m.id, str) and m.string == m.id}


def saved_query_texts() -> set[str]:
    """The saved queries' own text (queries/*.rq: title, description, parameter help): the query files are in
    English, pasteable into the Wikidata Query Service unchanged, and not translated (docs/translating.md)."""
    from kg.query import catalog

    out: set[str] = set()
    for q in catalog():
        out |= {q.title, q.description, f"{q.title} ({q.name})"}
        for p in q.params:
            out |= {p.help or "", f"{p.name} ({p.type})"}
    return out


def leaks(english: dict[str, str], other: dict[str, str], lang: str) -> dict[str, str]:
    allowed = SAME_IN_EVERY_LANGUAGE | same_in_translation(lang) | saved_query_texts()
    return {t: kind for t, kind in other.items() if t in english and t not in allowed and not DATA.search(t)}


@pytest.fixture(scope="module")
def store_with_history(labelled_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The labelled fixture store with two snapshots next to it (the gap and trend pages' history sections)."""
    from kg.cli.app import main

    for as_of in ("2021-01-01", "2023-06-30"):
        assert main(["snapshot", "--store", str(labelled_store), "--as-of", as_of]) == 0
    return labelled_store


def run(page: str, lang: str | None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if lang:
        at.query_params["lang"] = lang
    if page != "overview":
        at.switch_page(str(APP_DIR / f"{page}.py"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_no_english_text_on_a_translated_page(store_with_history: Path, monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path, page: str, lang: str) -> None:
    monkeypatch.setenv("GLAMKG_STORE", str(store_with_history))
    monkeypatch.setenv("GLAMKG_CACHE", str(tmp_path / "cache"))
    english = visible_texts(run(page, None))
    translated = visible_texts(run(page, lang))
    assert len(english) > 10, english  # the page drew its texts (a page that stops early would pass vacuously)
    leaked = leaks(english, translated, lang)
    assert not leaked, f"{len(leaked)} English texts on the {lang} page {page}:\n" + "\n".join(
        f"  {kind}: {text!r}" for text, kind in sorted(leaked.items(), key=lambda kv: (kv[1], kv[0])))


def test_findings_read_in_french_with_french_numbers(store_with_history: Path, monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    """The sentence under the coverage chart, computed from the data, in French: its words from the catalogue,
    its group names translated, its percentages with a decimal comma (Babel's French number format)."""
    monkeypatch.setenv("GLAMKG_STORE", str(store_with_history))
    monkeypatch.setenv("GLAMKG_CACHE", str(tmp_path / "cache"))
    at = run("gaps", "fr")
    at.selectbox(key="gaps_level").set_value("continent").run()
    bold = [m.value.strip("*") for m in at.markdown if m.value.startswith("**")]
    coverage = next(s for s in bold if "des institutions ont un partenariat" in s or "de ses" in s)
    assert "institutions have" not in coverage and "partnership" not in coverage, coverage
    # the fixture's continents: Europe 2 of 4 partnered, Africa 1 of 1, South America 0 of 1 (all small numbers)
    head = "Amérique du Sud : 0 % des institutions ont un partenariat, contre 100 % pour "
    assert coverage.startswith(head), coverage
    assert "(peu d’institutions : à lire avec prudence)" in coverage
    heat = next(s for s in bold if s.startswith("Gini"))
    assert re.match(r"Gini \d,\d\d : répartition des partenariats", heat), heat


def test_a_mistyped_link_is_explained_in_the_page_language(store_with_history: Path,
                                                          monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GLAMKG_STORE", str(store_with_history))
    monkeypatch.setenv("GLAMKG_CACHE", str(tmp_path / "cache"))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update({"lang": "es", "scheme": "region", "region": "Afrika"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    text = " ".join(w.value for w in at.warning)
    assert "Ignorado en el enlace" in text, text
    assert "region=Afrika (¿quiso decir Africa? valores válidos: Africa" in text, text
    assert "did you mean" not in text and "valid:" not in text


def test_names_in_tables_are_shown_translated_and_downloaded_as_stored(store_with_history: Path,
                                                                       monkeypatch: pytest.MonkeyPatch,
                                                                       tmp_path: Path) -> None:
    """Types and regions in a table read in the page's language (the CSV keeps the store's values, the URL's)."""
    monkeypatch.setenv("GLAMKG_STORE", str(store_with_history))
    monkeypatch.setenv("GLAMKG_CACHE", str(tmp_path / "cache"))
    at = run("overview", "fr")
    # plain tables (st.table): headers in French too
    kind, institutions, region, status = "type", "institutions", "région", "statut"
    types = next(d for d in at.table if kind in d.value.columns and institutions in d.value.columns)
    assert set(types.value[kind]) == {"musée", "bibliothèque", "archives"}, set(types.value[kind])
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Télécharger institutions par type (CSV)" in labels, labels
    regions = next(d for d in at.table if {region, status} <= set(d.value.columns))
    assert {"Afrique subsaharienne", "Europe du Nord et de l’Ouest"} <= set(regions.value[region]), set(
        regions.value[region])
    assert set(regions.value[status]) <= {"avec partenariat", "sans partenariat"}, set(regions.value[status])


# --- texts made from the data: caveats, the explorer's charts, country names -----------------------------------

ISOLATES = str.maketrans("", "", "\u2066\u2067\u2068\u2069")  # Unicode isolates around right-to-left messages


def catalogue(lang: str) -> Any:
    from babel.messages.pofile import read_po

    with (LOCALE / lang / "LC_MESSAGES" / "glamkg.po").open("rb") as f:
        return read_po(f)


def plural(lang: str, singular: str, n: int) -> str:
    """The catalogue's form of a plural message for ``n`` (the language's plural rule, as gettext reads it)."""
    import gettext

    cat = catalogue(lang)
    return str(cat[singular].string[gettext.c2py(cat.plural_expr)(n)])


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_caveats_read_in_the_page_language_and_download_in_english(
        store_with_history: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, downloads: dict[str, bytes],
        lang: str) -> None:
    """The gap table's caveats (made in kg.gaps.metrics while the table is computed) in French and Arabic on the
    page, numbers the language's way; the CSV keeps them in English, as every stored value."""
    from babel.numbers import format_decimal

    monkeypatch.setenv("GLAMKG_STORE", str(store_with_history))
    monkeypatch.setenv("GLAMKG_CACHE", str(tmp_path / "cache"))
    at = run("gaps", lang)
    table = next(d.value for d in at.dataframe if "caveats" in d.value.columns)
    caveats = [str(c).translate(ISOLATES) for c in table["caveats"]]
    # every group of the fixture (6 institutions) has fewer than 30 institutions
    few = plural(lang, "fewer than {n} institution", 30).format(n=format_decimal(30, locale=lang))
    assert caveats and all(c.startswith(few) for c in caveats), (few, caveats)
    assert not any("fewer than" in c or "expected at parity" in c for c in caveats), caveats
    csvs = [pd.read_csv(io.BytesIO(downloads[b.proto.url])) for b in at.get("download_button")
            if "(CSV)" in b.proto.label]
    stored = next(c for c in csvs if "caveats" in c.columns)
    assert all(str(c).startswith("fewer than 30 institutions; fewer than 5 partnerships expected at parity")
               for c in stored["caveats"]), list(stored["caveats"])


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_explorer_chart_and_the_map_tooltips_read_in_the_page_language(
        store_with_history: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, lang: str) -> None:
    """A saved query's bar chart: its axis titles from the catalogue around the query's own column names; the
    maps' country names from CLDR (Babel) in the page's language, not the world atlas' English."""
    from babel import Locale

    monkeypatch.setenv("GLAMKG_STORE", str(store_with_history))
    monkeypatch.setenv("GLAMKG_CACHE", str(tmp_path / "cache"))
    at = run("explorer", lang)
    at.selectbox(key="q_name").set_value("institutions_per_country").run()
    at.button(key="q_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    specs = [json.loads(el.proto.spec) for el in at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart")]
    assert specs, "no chart drawn for the saved query"
    texts: set[str] = set()
    _texts_of_spec(specs[0], texts)
    axis = str(catalogue(lang)["{column} (count)"].string).format(column="institutions")
    assert axis in {t.translate(ISOLATES) for t in texts}, texts
    assert "institutions (count)" not in texts

    at = run("map", lang)
    spec = " ".join(el.proto.spec for el in at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart"))
    netherlands = Locale.parse(lang).territories["NL"]
    assert json.dumps(netherlands)[1:-1] in spec or netherlands in spec, netherlands
    assert '"name": "Netherlands"' not in spec and '"name":"Netherlands"' not in spec


def test_notes_on_the_data_read_in_the_page_language(labelled_store: Path, monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    """The gap report's warnings (made in kg.gaps while the report is computed) in French on the gap page: a
    museum in Åland, a territory without a population figure, is named with its baseline and CLDR's name."""
    import shutil

    import dashboard_fixture as fx
    from babel import Locale

    from kg.model.entities import Claim, Record, to_json
    from kg.store import Store

    store = tmp_path / "store"
    shutil.copytree(labelled_store, store)
    with Store.open(store) as st:
        st.write_entities([to_json(Record(fx.qid(8), "institution", labels={"en": "Museum Mariehamn"}, claims=[
            Claim("instance_of", fx.MUSEUM), Claim("country", "Q5689")]))])
    monkeypatch.setenv("GLAMKG_STORE", str(store))
    monkeypatch.setenv("GLAMKG_CACHE", str(tmp_path / "cache"))
    at = run("gaps", "fr")
    at.selectbox(key="gaps_baseline").set_value("population").run()
    assert not at.exception, [e.value for e in at.exception]
    cat = catalogue("fr")
    baseline = str(cat["population ({source}, {year})"].string).format(source="pypopulation", year="2019")
    note = str(cat["{baseline}: no figure for {code} ({country}); left out of rates and shares"].string).format(
        baseline=baseline, code="AX", country=Locale.parse("fr").territories["AX"])
    texts = [m.value for m in at.markdown]
    assert any(f"- {note}" in t for t in texts), (note, texts)
    assert not any("no figure for" in t or "Åland Islands" in t for t in texts)
