"""The languages: every message of kg/ and dashboards/ translated in every shipped language (extracted here with
Babel's own API, so the list cannot go stale), the committed .mo files compiled from their .po, placeholders and
plural forms intact, the language read from the locale environment, and the command line speaking French.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from kg import i18n

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "kg" / "i18n" / "gettext-catalogues"
SHIPPED = [lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT]


def extract(root: Path) -> dict[str | tuple[str, ...], list[str]]:
    """Every message of ``root``/kg and ``root``/dashboards -> where it is used (Babel's Python extractor)."""
    found: dict[str | tuple[str, ...], list[str]] = {}
    for folder in ("kg", "dashboards"):
        if not (root / folder).is_dir():
            continue
        for filename, lineno, message, _comments, _context in extract_from_dir(
            root / folder, [("**.py", "python")], keywords={**DEFAULT_KEYWORDS, "N_": None}
        ):
            found.setdefault(message, []).append(f"{folder}/{filename}:{lineno}")
    return found


def catalogue(lang: str, locale: Path = LOCALE) -> Catalog:
    with (locale / lang / "LC_MESSAGES" / "glamkg.po").open("rb") as f:
        return read_po(f, locale=lang)


def untranslated(root: Path, lang: str, locale: Path = LOCALE) -> list[str]:
    """The messages of ``root``'s code that ``lang``'s catalogue does not translate, with where they are used."""
    cat = catalogue(lang, locale)
    out = []
    for message, where in extract(root).items():
        msgid = message[0] if isinstance(message, tuple) else message
        entry = cat.get(msgid)
        strings = entry.string if entry is not None else None
        forms = list(strings) if isinstance(strings, (tuple, list)) else [strings]
        if entry is None or entry.fuzzy or not all(forms):
            out.append(f"{msgid!r} ({', '.join(where)})")
    return out


def test_the_shipped_languages_are_the_catalogues() -> None:
    assert sorted(p.name for p in LOCALE.iterdir() if p.is_dir()) == sorted(SHIPPED)
    assert {"fr", "es", "ar"} <= set(SHIPPED) and "ar" in i18n.RTL


def test_the_code_has_messages_to_translate() -> None:
    messages = extract(ROOT)
    assert "Regional gaps" in messages and "Language" in messages and "error:" in messages
    assert len(messages) > 80


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_message_is_translated(lang: str) -> None:
    missing = untranslated(ROOT, lang)
    assert not missing, (
        f"{len(missing)} messages have no {lang} translation; run `python -m kg.i18n.catalogues` and translate "
        f"them in kg/i18n/gettext-catalogues/{lang}/LC_MESSAGES/glamkg.po (docs/translating.md):\n"
        + "\n".join(missing))


def test_a_message_without_a_translation_is_found(tmp_path: Path) -> None:
    """The check above fails on a new message nobody translated (and passes on one that is translated)."""
    (tmp_path / "kg").mkdir()
    (tmp_path / "kg" / "page.py").write_text(
        'from kg.i18n import _\n\n_("Regional gaps")\n_("A sentence added yesterday")\n', encoding="utf-8")
    for lang in SHIPPED:
        assert untranslated(tmp_path, lang) == ["'A sentence added yesterday' (kg/page.py:4)"]


def test_a_fuzzy_or_empty_translation_counts_as_missing(tmp_path: Path) -> None:
    po = (LOCALE / "fr" / "LC_MESSAGES" / "glamkg.po").read_text(encoding="utf-8")
    fuzzy = po.replace('msgid "Regional gaps"', '#, fuzzy\nmsgid "Regional gaps"', 1)
    empty = re.sub(r'(msgid "Map"\nmsgstr )"[^"]*"', r'\1""', po, count=1)
    (tmp_path / "kg").mkdir()
    (tmp_path / "kg" / "page.py").write_text('_("Regional gaps")\n_("Map")\n', encoding="utf-8")
    for text, expected in ((fuzzy, "'Regional gaps'"), (empty, "'Map'")):
        folder = tmp_path / "locale" / "fr" / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "glamkg.po").write_text(text, encoding="utf-8")
        assert [m.split(" (")[0] for m in untranslated(tmp_path, "fr", tmp_path / "locale")] == [expected]


@pytest.mark.parametrize("lang", SHIPPED)
def test_the_committed_mo_is_the_compiled_po(lang: str) -> None:
    """glamkg reads the .mo files: they must say what the .po files say (`python -m kg.i18n.catalogues` compiles)."""
    buf = io.BytesIO()
    write_mo(buf, catalogue(lang), use_fuzzy=False)
    committed = (LOCALE / lang / "LC_MESSAGES" / "glamkg.mo").read_bytes()
    assert committed == buf.getvalue(), f"{lang}'s glamkg.mo is stale: run `python -m kg.i18n.catalogues`"


PLACEHOLDER = re.compile(r"\{(\w*)[^}]*\}")


@pytest.mark.parametrize("lang", SHIPPED)
def test_translations_keep_placeholders_technical_terms_and_plural_forms(lang: str) -> None:
    cat = catalogue(lang)
    assert cat.num_plurals == len(Locale.parse(lang).plural_form.tags) + 1  # CLDR's rule (tags and "other")
    keep = ("SPARQL", "Wikidata", "QuickStatements", "Wikimedia", "GLAM", "CSV", "JSON", "UN M49", "glamkg")
    for m in cat:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if isinstance(m.id, tuple):
            assert len(strings) == cat.num_plurals, (lang, m.id)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for s in strings:
            found = set(PLACEHOLDER.findall(s))
            # a plural form for one item may leave out the count ("صف واحد": one row)
            assert found == wanted or (isinstance(m.id, tuple) and found < wanted), (lang, m.id, s)
            for term in keep:  # as a word: "Wikimedian" is a word of its own, translated (Wikimédien)
                if re.search(rf"\b{term}\b", ids[0]):
                    assert re.search(rf"\b{term}\b", s), f"{lang}: {term} must stay untranslated in {s!r}"


def test_arabic_counts_take_their_six_plural_forms() -> None:
    forms = catalogue("ar")[("{n} row", "{n} rows")].string
    i18n.use("ar")
    try:
        shown = [i18n.ngettext("{n} row", "{n} rows", n).format(n=n) for n in (0, 1, 2, 3, 11, 100)]
    finally:
        i18n.use(None)
    assert shown == [f.format(n=n) for f, n in zip(forms, (0, 1, 2, 3, 11, 100), strict=True)]
    assert len(set(forms)) == 5  # zero and other are written alike ("0 صف", "100 صف"), the rest differ


@pytest.mark.parametrize(("env", "lang"), [
    ({"LANGUAGE": "fr", "LANG": "en_US.UTF-8"}, "fr"),
    ({"LANGUAGE": "de:es:fr", "LANG": "de_DE.UTF-8"}, "es"),  # the first shipped one in the list
    ({"LANGUAGE": "fr", "LANG": "C"}, "en"),  # gettext ignores LANGUAGE under the C locale
    ({"LC_ALL": "ar_EG.UTF-8", "LC_MESSAGES": "fr_FR.UTF-8", "LANG": "es_ES.UTF-8"}, "ar"),
    ({"LC_MESSAGES": "fr_CA.UTF-8", "LANG": "es_ES.UTF-8"}, "fr"),
    ({"LANG": "es_MX.UTF-8@euro"}, "es"),
    ({"LANG": "de_DE.UTF-8"}, "en"),
    ({}, "en"),
])
def test_the_language_comes_from_the_locale_environment(env: dict[str, str], lang: str) -> None:
    assert i18n.from_environment(env) == lang


def test_use_refuses_an_unknown_language_and_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="expected one of en, fr, es, ar"):
        i18n.use("klingon")


def _glamkg(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, cwd=tmp_path,
                          env={**clean, "COLUMNS": "400", "PYTHONPATH": str(ROOT), **env}, timeout=120)


def test_the_cli_speaks_french_under_language_fr(tmp_path: Path) -> None:
    store = tmp_path / "no-store"
    said = _glamkg(tmp_path, "snapshot", "--list", "--store", str(store), LANGUAGE="fr", LANG="fr_FR.UTF-8")
    assert said.returncode == 0, said.stderr
    template = catalogue("fr")["no snapshots yet in {path}: take one with `glamkg snapshot`"].string
    assert template.split("{path}")[0] in said.stderr and "glamkg snapshot" in said.stderr
    assert said.stderr.startswith("pas encore d'instantané")
    failed = _glamkg(tmp_path, "query", "run", "no_such_query", LANG="fr_FR.UTF-8")
    assert failed.returncode == 2 and failed.stderr.startswith(catalogue("fr")["error:"].string), failed.stderr


def test_the_lang_option_wins_over_the_environment_and_english_stays_english(tmp_path: Path) -> None:
    store = str(tmp_path / "no-store")
    said = _glamkg(tmp_path, "--lang", "es", "snapshot", "--list", "--store", store, LANGUAGE="fr", LANG="fr_FR.UTF-8")
    assert said.stderr.startswith("todavía no hay instantáneas"), said.stderr
    said = _glamkg(tmp_path, "snapshot", "--list", "--store", store, LANG="C.UTF-8")
    assert said.stderr.startswith("no snapshots yet in"), said.stderr
    bad = _glamkg(tmp_path, "--lang", "klingon", "snapshot", "--list", "--store", store)
    assert bad.returncode == 2 and "expected one of en, fr, es, ar" in bad.stderr


def test_labels_fall_back_as_the_label_service_does() -> None:
    from kg.gaps import labels

    rows = pd.DataFrame([
        ("Q1", "en", "Rijksmuseum"), ("Q1", "fr", "Rijksmuseum d'Amsterdam"), ("Q1", "nl", "Rijksmuseum NL"),
        ("Q2", "en", "British Library"), ("Q2", "mul", "BL"),
        ("Q3", "nl", "Stadsarchief"), ("Q3", "de", "Stadtarchiv"),
        ("Q4", "mul", "Louvre"),
    ], columns=["item", "lang", "label"])
    assert labels.best(rows, "fr").to_dict() == {"Q1": "Rijksmuseum d'Amsterdam", "Q2": "British Library",
                                                 "Q3": "Stadtarchiv", "Q4": "Louvre"}
    frame = pd.DataFrame({"item": ["Q1", "Q3", "Q5"], "label": ["Rijksmuseum", None, None],
                          "iso2": ["NL", "DE", "BR"], "country_name": ["Netherlands", "Germany", "Brazil"]})
    out = labels.relabel(frame, rows, "ar")
    assert list(out["label"]) == ["Rijksmuseum", "Stadtarchiv", "Q5"]  # English, then any, then the id
    assert list(out["country_name"]) == [Locale.parse("ar").territories[c] for c in ("NL", "DE", "BR")]
    assert frame["label"].isna().tolist() == [False, True, True]  # the cached frame is not changed
