"""The dashboard's language: chosen in the sidebar, kept in the URL (``?lang=ar``), right to left for Arabic.

``app.py`` calls :func:`start` before anything else (so page titles are translated), then :func:`picker` draws
the menu. Pages translate their text with :func:`kg.i18n.gettext` (``_``); item labels come in the chosen
language with WDQS's label-service fallback (:func:`localised`, :mod:`kg.gaps.labels`). Streamlit has no
right-to-left switch: :func:`picker` injects CSS that sets ``direction: rtl`` on the main area and the sidebar,
and keeps charts, tables, code and numbers left to right, where ids and figures read better; Arabic messages come
wrapped in Unicode's right-to-left isolate (:data:`kg.i18n.RLI`), so a chart title still reads right to left.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from kg import i18n
from kg.dashboard import data as dd
from kg.errors import GlamkgError
from kg.i18n import _

KEY = "f_lang"  # session-state key of the sidebar's language menu
PARAM = "lang"  # the URL's query parameter

# Streamlit's test ids of the containers that turn right to left, and of those that stay left to right.
RTL_CSS = """
<style>
[data-testid="stMain"], [data-testid="stSidebar"], [data-testid="stSidebarContent"] { direction: rtl; }
[data-testid="stMain"] h1, [data-testid="stMain"] h2, [data-testid="stMain"] h3,
[data-testid="stMarkdownContainer"], [data-testid="stCaptionContainer"], [data-testid="stWidgetLabel"] {
  text-align: right;
}
[data-testid="stVegaLiteChart"], [data-testid="stDataFrame"], [data-testid="stCode"], [data-testid="stMetricValue"],
[data-testid="stSlider"] [data-baseweb="slider"], code { direction: ltr; unicode-bidi: isolate; }
</style>
"""


def _browser_language() -> str | None:
    """The browser's language (``Accept-Language``, as Streamlit reads it), when glamkg ships it."""
    try:
        return i18n.known(st.context.locale)
    except Exception:  # no browser (a bare script run, some test harnesses)
        return None


def start() -> str:
    """The page's language: the sidebar menu's choice, else ``?lang=``, else the browser's, else English. Sets
    it for this run (:func:`kg.i18n.use`), keeps it in the URL, and turns the page right to left for Arabic."""
    chosen = st.session_state.get(KEY)
    if chosen not in i18n.LANGUAGES:
        given = st.query_params.get(PARAM)
        chosen = i18n.known(given) if given else None
        if given and chosen is None:
            st.session_state["_lang_warning"] = given
        chosen = chosen or _browser_language() or i18n.DEFAULT
        st.session_state[KEY] = chosen
    i18n.use(chosen, isolated=True)
    # English, the default, keeps the address clean, unless the browser asks for another language: then the
    # link says lang=en, so that the page (and the link shared) reopens in English, as chosen
    if chosen == i18n.DEFAULT and _browser_language() in (None, i18n.DEFAULT):
        if PARAM in st.query_params:
            del st.query_params[PARAM]
    elif st.query_params.get(PARAM) != chosen:
        st.query_params[PARAM] = chosen
    return chosen


def picker() -> None:
    """The language menu at the top of the sidebar (each language named in itself), and the right-to-left
    style when the language needs it."""
    if i18n.direction() == "rtl":
        st.html(RTL_CSS)
    st.sidebar.selectbox(_("Language"), list(i18n.LANGUAGES), format_func=lambda k: i18n.LANGUAGES[k], key=KEY)
    bad = st.session_state.pop("_lang_warning", None)
    if bad:
        st.sidebar.warning(_("Unknown language in the link: {given}. Showing {shown}.").format(
            given=f"lang={bad}", shown=i18n.LANGUAGES[st.session_state[KEY]]))


@st.cache_resource(show_spinner=False, max_entries=8)
def _localised(path: str, token: str, lang: str, _data: dd.Dataset) -> dd.Dataset:
    from kg.gaps import labels

    try:
        chosen = dd._read(path, labels.read)
    except GlamkgError:  # labels are a nicety: the store's English labels stay
        return _data
    return dataclasses.replace(
        _data,
        institutions=labels.relabel(_data.institutions, chosen, lang),
        partnerships=labels.relabel(_data.partnerships, chosen, lang),
        partners=labels.relabel(_data.partners, chosen, lang),
    )


def localised(data: dd.Dataset) -> dd.Dataset:
    """``data`` with item labels and country names in the current language (WDQS's fallback: the language,
    then English, then any label, then the id), cached per store generation and language. English, and a
    dashboard reading a remote endpoint, keep the labels as read."""
    lang = i18n.current()
    if lang == i18n.DEFAULT or dd.endpoint() or not data.path:
        return data
    return _localised(data.path, data.generation, lang, data)
