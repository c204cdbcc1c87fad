"""One write semantic for every path (kg/store/sources.py): an import never silently wipes what a volunteer loaded.

Through the command line as users run it: `glamkg load` a one-row sheet, then `glamkg import entities` (or
`import results`) for the same item.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from kg.cli import main
from kg.load.templates import template_text
from kg.store import Store

ITEM = "Q190804"  # the institution template's Rijksmuseum


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def loaded(tmp_path: Path) -> Path:
    """A store with the Rijksmuseum loaded from a one-row sheet (statements referenced to file:musea.csv)."""
    sheet = tmp_path / "musea.csv"
    sheet.write_text(template_text("institution"), encoding="utf-8")
    store = tmp_path / "store"
    code, _, err = cli("load", str(sheet), "--kind", "institution", "--store", str(store), "--quiet")
    assert code == 0, err
    return store


def statements(store: Path) -> dict[str, int]:
    from kg.store import raw
    from kg.store.read import read_entities

    with Store.open(store, read_only=True) as st:
        e = read_entities(raw(st), [ITEM])[ITEM]
    assert e is not None
    return {pid: len(sts) for pid, sts in e["claims"].items()}


def labels(store: Path) -> dict[str, str]:
    from kg.store import raw
    from kg.store.read import read_entities

    with Store.open(store, read_only=True) as st:
        e = read_entities(raw(st), [ITEM])[ITEM]
    assert e is not None
    return {lang: v["value"] for lang, v in e["labels"].items()}


def per_country(store: Path) -> list[dict[str, Any]]:
    code, out, err = cli("query", "run", "institutions_per_country", "--store", str(store), "--format", "json")
    assert code == 0, err
    return [r for r in json.loads(out) if r["institutions"]]


def label_only(tmp_path: Path, lang: str = "nl", value: str = "Rijksmuseum Amsterdam") -> Path:
    f = tmp_path / "entity.json"
    f.write_text(json.dumps({"entities": {ITEM: {"type": "item", "id": ITEM,
                                                 "labels": {lang: {"language": lang, "value": value}}}}}))
    return f


def test_an_import_keeps_what_a_load_wrote(loaded: Path, tmp_path: Path) -> None:
    before, rows = statements(loaded), per_country(loaded)
    assert sum(before.values()) >= 4 and rows
    code, _, err = cli("import", "entities", str(label_only(tmp_path)), "--store", str(loaded))
    assert code == 0, err
    assert "updated 1" in err
    assert f"kept {sum(before.values())} statements of 1 item that loads wrote (file:musea.csv)" in err
    assert statements(loaded) == before and per_country(loaded) == rows
    assert labels(loaded) == {"en": "Rijksmuseum", "nl": "Rijksmuseum Amsterdam"}  # terms merge per language


def test_the_same_import_twice_changes_nothing(loaded: Path, tmp_path: Path) -> None:
    f = label_only(tmp_path)
    assert cli("import", "entities", str(f), "--store", str(loaded))[0] == 0
    with Store.open(loaded, read_only=True) as st:
        generation = st.generation()
    code, _, err = cli("import", "entities", str(f), "--store", str(loaded))
    assert code == 0 and "unchanged 1" in err
    with Store.open(loaded, read_only=True) as st:
        assert st.generation() == generation


def test_replacing_another_sources_data_needs_the_flag_and_says_so(loaded: Path, tmp_path: Path) -> None:
    f = label_only(tmp_path, "en", "Rijks")
    code, _, err = cli("import", "entities", str(f), "--store", str(loaded), "--replace-others")
    assert code == 0, err
    assert "removed (--replace-others)" in err and "file:musea.csv" in err
    assert statements(loaded) == {} and per_country(loaded) == []
    assert labels(loaded) == {"en": "Rijks"}


def test_an_import_of_the_same_value_adds_its_reference_not_a_duplicate(loaded: Path, tmp_path: Path) -> None:
    """The import says P17 = Q55 too: one statement, with both sources' references."""
    from kg.model.entities import Claim, Record, to_json

    rec = Record(kind="institution", id=ITEM, labels={"en": "Rijksmuseum"}, claims=[Claim("country", "Q55")])
    f = tmp_path / "entity.json"
    f.write_text(json.dumps({"entities": {ITEM: to_json(rec)}}))
    before = statements(loaded)
    code, _, err = cli("import", "entities", str(f), "--store", str(loaded))
    assert code == 0, err
    assert statements(loaded) == before  # P17 once, not twice


def test_import_results_keeps_what_a_load_wrote(loaded: Path, tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps({
        "head": {"vars": ["item", "itemLabel"]},
        "results": {"bindings": [{"item": {"type": "uri", "value": f"http://www.wikidata.org/entity/{ITEM}"},
                                  "itemLabel": {"type": "literal", "value": "Rijksmuseum", "xml:lang": "en"}}]},
    }))
    before, rows = statements(loaded), per_country(loaded)
    code, _, err = cli("import", "results", str(results), "--store", str(loaded))
    assert code == 0, err
    assert statements(loaded)["P17"] == before["P17"] and per_country(loaded) == rows
    assert "that loads wrote (file:musea.csv)" in err
