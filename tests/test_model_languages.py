"""Errors of the data model (kg.model) and of the RDF conversion (kg.rdf) in the user's language (issue 16: "the
CLI's messages in at least English, French, Spanish and Arabic"), run as users run them: a new `glamkg` process
with `--lang`; the translation is read from the catalogue, never written here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli_languages import glamkg, translated

from kg import i18n
from kg.errors import EntityError
from kg.model.entities import Claim, Record, to_json
from kg.rdf import conversion

MUSEUM = "Q1000000000901"


def entity_json(latitude: float) -> dict[str, object]:
    """Special:EntityData-style JSON of one museum whose coordinate has ``latitude``."""
    coordinate = {
        "latitude": latitude,
        "longitude": 4.0,
        "precision": 0.01,
        "globe": "http://www.wikidata.org/entity/Q2",
    }
    statement = {
        "mainsnak": {
            "snaktype": "value",
            "property": "P625",
            "datatype": "globe-coordinate",
            "datavalue": {"type": "globecoordinate", "value": coordinate},
        },
        "type": "statement",
        "rank": "normal",
        "id": f"{MUSEUM}$1",
    }
    return {
        "entities": {
            MUSEUM: {
                "type": "item",
                "id": MUSEUM,
                "labels": {"en": {"language": "en", "value": "X"}},
                "claims": {"P625": [statement]},
            }
        }
    }


def expected_found(lang: str, expected: str, found: str) -> str:
    """The conversion's "expected X, found Y" as the catalogue of ``lang`` says it."""
    return translated(lang, "expected {expected}, found {found}").format(
        expected=translated(lang, expected), found=found
    )


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_entity_json_with_a_bad_value_is_refused_in_the_users_language(tmp_path: Path, lang: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(entity_json(95.0)), encoding="utf-8")
    store = tmp_path / "s"
    said = glamkg(tmp_path, "import", "entities", str(bad), "--store", str(store), "--lang", lang)
    assert said.returncode == 2, said.stderr
    sentence = expected_found(lang, "a latitude (a number from -90 to 90)", "95.0")
    assert sentence in said.stderr, said.stderr
    assert MUSEUM in said.stderr and "P625" in said.stderr  # ids stay as they are
    assert "a latitude" not in said.stderr and "found 95.0" not in said.stderr
    assert not store.exists()  # a refused import leaves no store behind
    rdf = glamkg(tmp_path, "rdf", str(bad), "--lang", lang)
    assert rdf.returncode == 2 and sentence in rdf.stderr, rdf.stderr
    assert not rdf.stdout  # no half of the RDF before the error


def test_entity_json_that_is_not_json_is_explained_in_spanish(tmp_path: Path) -> None:
    bad = tmp_path / "roto.json"
    bad.write_text('{"entities": {"Q1": ', encoding="utf-8")
    said = glamkg(tmp_path, "import", "entities", str(bad), "--store", str(tmp_path / "s"), "--lang", "es")
    assert said.returncode == 2, said.stderr
    template = translated(
        "es",
        "{where}: not valid JSON at line {line}, column {column}: {reason}; expected entity "
        "JSON (wbgetentities, Special:EntityData, a single entity or a list)",
    )
    head = template.split("{reason}")[0].format(where=bad, line=1, column=21)
    assert head in said.stderr, said.stderr
    assert "not valid JSON" not in said.stderr and "expected entity JSON" not in said.stderr


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_a_sheet_cell_the_model_refuses_is_explained_in_the_users_language(tmp_path: Path, lang: str) -> None:
    sheet = tmp_path / "musees.csv"
    sheet.write_text(
        'label_fr,country,instance_of,inception,coordinates\nMusée A,Q142,museum,2021-13,"48.8,2.3"\n'
        'Musée B,Q142,museum,2020,"95,2.3"\n',
        encoding="utf-8",
    )
    said = glamkg(tmp_path, "load", str(sheet), "--kind", "institution", "--store", str(tmp_path / "s"), "--lang", lang)
    assert said.returncode == 2, said.stderr
    text = said.stdout + said.stderr
    # what kg.model says is wrong with the date (row 2) and with the coordinates (row 3), in the chosen language
    assert translated(lang, "month {month} is not 1..12").format(month=13) in text, text
    latitude = translated(
        lang, "latitude must be between -90 and 90, found {found} (were latitude and longitude swapped?)"
    ).format(found="'95'")
    assert latitude in text, text
    assert "is not 1..12" not in text and "latitude must be" not in text and "were latitude" not in text
    assert not (tmp_path / "s").exists()


def test_conversion_workers_speak_the_language_of_the_process_that_started_them() -> None:
    """A large write converts in worker processes; a spawned worker reads only the locale environment (English
    here), so the language chosen with --lang travels to it: its refusal reads in Arabic too."""
    good = to_json(Record("Q1000000000902", "institution", labels={"en": "M"}, claims=[Claim("country", "Q55")]))
    bad = json.loads(json.dumps(entity_json(95.0)))["entities"][MUSEUM]
    i18n.use("ar")
    try:
        with pytest.raises(EntityError) as err:
            conversion.new_entities_ntriples([good, bad], workers=1, chunk=1, method="spawn")
        sentence = expected_found("ar", "a latitude (a number from -90 to 90)", "95.0")
    finally:
        i18n.use(None)
    assert sentence in str(err.value) and err.value.entity == MUSEUM, str(err.value)
    assert str(err.value).count(MUSEUM) == 1  # named once, not "entity Q..: entity Q..:"


def test_a_wrong_id_map_is_explained_in_french(tmp_path: Path) -> None:
    idmap = tmp_path / "map.json"
    idmap.write_text('{"glamkg_idmap": 1, "entities": {"Q5": "P1"}}', encoding="utf-8")
    entity = tmp_path / "one.json"
    entity.write_text('{"id": "Q5", "type": "item"}', encoding="utf-8")
    said = glamkg(
        tmp_path,
        "import",
        "entities",
        str(entity),
        "--idmap",
        str(idmap),
        "--store",
        str(tmp_path / "s"),
        "--lang",
        "fr",
    )
    assert said.returncode == 2, said.stderr
    template = translated(
        "fr",
        "{glamkg_id} -> {wb_id}: expected the same kind of entity on both sides, found the {a_type} {glamkg_id} "
        "mapped to the {b_type} {wb_id}",
    )
    detail = template.format(
        glamkg_id="Q5", wb_id="P1", a_type=translated("fr", "item"), b_type=translated("fr", "property")
    )
    assert f"{idmap}: {detail}" in said.stderr, said.stderr  # the file named once, no "id map:" prefix left
    assert "expected the same kind" not in said.stderr and "id map" not in said.stderr
    assert not (tmp_path / "s").exists()
