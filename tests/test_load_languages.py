"""A volunteer's sheet problems and load errors in the volunteer's language (issue 16: "the CLI's messages in at
least English, French, Spanish and Arabic"), run as users run it: a new `glamkg load` process with `--lang`.

The frame of a problem ("row 3, column 'x': expected ..., found ...; hint: ...") and its details (what was
expected, the hint) both come from the catalogues; only the values found, ids, column and file names stay as
they are. Each expected text is the catalogue's translation (as ``translated()`` reads it), never typed here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_cli_languages import glamkg, plural, translated

from kg import i18n

#: A sheet with a bad id, an unknown class, a bad date and no `country` column (required for an institution).
SHEET = (
    "id,label_fr,instance_of,inception\n"
    "Q0190804,Musée A,museum,2001\n"
    ",Musée B,spaceship,2002\n"
    ",Musée C,museum,autrefois\n"
)
#: A mapping file whose column maps to a field that does not exist.
MAPPING = "kind: institution\nlanguage: fr\ncolumns:\n  nom: labell_fr\n"

#: (English message, its placeholders' values) that the sheet's report must show, translated.
SHEET_MESSAGES = [
    ("{where}: expected {expected}, found {found}", None),
    ("a column for {name} (required for every {kind})", {"name": "country", "kind": "institution"}),
    ("no value in {n} row", {"n": 3}),  # a plural message: its form for 3 (Arabic's 3..10)
    (
        "add the column (or a constant in {mapping}), or check the spelling of the column names in the header "
        "and the mapping",
        None,
    ),
    ("a Wikidata item id like Q190804", {}),
    ("ids are upper case and have no leading zeros (Q190804)", {}),
    ("an item id like Q55, or a class key or label from schemas/model.yaml", {}),
    ("use the item's Q-id, or add a `values:` table for this column in {mapping}", None),
    ("a mapping file", {}),  # no --mapping: the hints say "a mapping file"
    ("a date like 2021, 2021-05 or 2021-05-17", {}),
    ('for other date formats set date_formats in {mapping} (e.g. "%d-%m-%Y")', None),
]
MAPPING_MESSAGES = [
    (
        "{where}: expected id, label[_lang], description[_lang], aliases[_lang], ignore, a property key or an id like "
        "P17, found {name!r}",
        {"where": "bad.yaml: columns.nom", "name": "labell_fr"},
    ),
]
#: The plural messages among them: singular -> plural (shown in the form their ``n`` takes).
PLURALS = {"no value in {n} row": "no value in any of the {n} rows"}
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _english_pieces(msgid: str) -> list[str]:
    """The English words of a message between its placeholders (the parts a leak would show)."""
    return [p.strip(" :;,()") for m in (msgid, PLURALS.get(msgid, "")) for p in PLACEHOLDER.split(m)
            if len(p.strip(" :;,()")) >= 8]


def _shown(lang: str, msgid: str, values: dict[str, object] | None) -> list[str]:
    n = values.get("n") if values else None
    text = plural(lang, msgid, n) if msgid in PLURALS and isinstance(n, int) else translated(lang, msgid)
    assert text and text != msgid, f"{lang}: the catalogue has no translation of {msgid!r}"
    if values is None:  # only its fixed parts
        return [p.strip() for p in PLACEHOLDER.split(text) if p.strip()]
    return [text.format(**values)]


def _summary(lang: str, *, problems: int, bad_rows: int, rows: int) -> str:
    """The report's last line in ``lang``, as the compiled catalogue gives it (with the language's plural rule)."""
    i18n.use(lang)
    try:
        where = i18n.ngettext("{n} of {rows} row", "{n} of {rows} rows", rows).format(n=bad_rows, rows=rows)
        where += i18n.gettext(" and the header")
        return i18n.ngettext(
            "{n} problem in {where}; nothing was written", "{n} problems in {where}; nothing was written", problems
        ).format(n=problems, where=where)
    finally:
        i18n.use(i18n.DEFAULT)


def _load(tmp_path: Path, lang: str, *extra: str) -> str:
    sheet = tmp_path / "musees.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(MAPPING, encoding="utf-8")
    said = glamkg(tmp_path, "load", sheet.name, *extra, "--store", str(tmp_path / "s"), "--lang", lang)
    assert said.returncode == 2, said.stdout + said.stderr
    assert not (tmp_path / "s").exists()  # a refused load writes nothing
    return said.stdout + said.stderr


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_a_sheet_with_several_problems_is_explained_in_the_volunteers_language(tmp_path: Path, lang: str) -> None:
    text = _load(tmp_path, lang, "--kind", "institution")
    for msgid, values in SHEET_MESSAGES:
        for piece in _shown(lang, msgid, values):
            assert piece in text, (lang, msgid, piece, text)
    # the values found stay as the volunteer wrote them
    for found in ("'Q0190804'", "'spaceship'", "'autrefois'"):
        assert found in text
    assert _summary(lang, problems=4, bad_rows=3, rows=3) in text  # the last line, translated too
    for msgid, _values in SHEET_MESSAGES:
        for piece in _english_pieces(msgid):
            assert piece not in text, (lang, f"English left: {piece!r}", text)
    for english in ("expected", "found", "hint:", "row 2", "nothing was written", "required for", "a date like"):
        assert english not in text, (lang, english, text)


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_a_mapping_file_error_is_explained_in_the_volunteers_language(tmp_path: Path, lang: str) -> None:
    text = _load(tmp_path, lang, "--mapping", "bad.yaml")
    for msgid, values in MAPPING_MESSAGES:
        for piece in _shown(lang, msgid, values):
            assert piece in text, (lang, msgid, piece, text)
        for piece in _english_pieces(msgid):
            assert piece not in text, (lang, f"English left: {piece!r}", text)
    assert "expected" not in text and "found" not in text


def test_the_same_sheet_in_english_names_every_problem(tmp_path: Path) -> None:
    """The English run shows the English texts the translated runs replace (so the checks above are not empty)."""
    text = _load(tmp_path, "en", "--kind", "institution")
    for msgid, values in SHEET_MESSAGES:
        if values is not None:
            english = PLURALS.get(msgid, msgid) if values.get("n", 1) != 1 else msgid
            assert english.format(**values) in text, (english, text)
    assert "4 problems in 3 of 3 rows and the header; nothing was written" in text
    assert _summary("en", problems=4, bad_rows=3, rows=3) in text


#: A sheet whose one row breaks three rules of schemas/shapes.ttl (class, ISIL pattern, date order).
SHAPES_SHEET = "label_fr,country,instance_of,inception,dissolved,isil\nMusée A,Q142,wikimedia_chapter,2001,1990,zz\n"
#: The shapes' messages (English in shapes.ttl) and the row checker's texts around them.
SHAPE_MESSAGES = [
    ("{property} on or before {other}", {"property": "inception", "other": "dissolved"}),
    (
        "{name} {value} after {other} {other_value}",
        {"name": "inception", "value": "2001-01-01", "other": "dissolved", "other_value": "1990-01-01"},
    ),
    ("check the two dates; were they swapped?", {}),
    ("one of the classes allowed for {kind}: {classes}", None),
    ("use a class key from schemas/model.yaml (or its Q-id)", {}),
    (
        "an ISIL like NL-AmRM: a country or agency prefix of 1-4 letters, a hyphen and up to 11 letters, "
        "digits, : / or -",
        {},
    ),
]


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_shapes_rules_are_explained_in_the_volunteers_language(tmp_path: Path, lang: str) -> None:
    """schemas/shapes.ttl keeps its messages in English; the problem the volunteer reads has them translated."""
    (tmp_path / "formes.csv").write_text(SHAPES_SHEET, encoding="utf-8")
    said = glamkg(
        tmp_path, "load", "formes.csv", "--kind", "institution", "--store", str(tmp_path / "s"), "--lang", lang
    )
    assert said.returncode == 2, said.stdout + said.stderr
    text = said.stdout + said.stderr
    for msgid, values in SHAPE_MESSAGES:
        for piece in _shown(lang, msgid, values):
            assert piece in text, (lang, msgid, piece, text)
        for piece in _english_pieces(msgid):
            assert piece not in text, (lang, f"English left: {piece!r}", text)
    assert "'zz'" in text and "wikimedia_chapter" in text
