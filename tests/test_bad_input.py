"""Bad input found by review: each gets a clear InputError (what, where, how to fix), never a traceback."""

from pathlib import Path

import pytest

from kg import query
from kg.errors import InputError
from kg.model import regions
from kg.wikidata import fetch as wdqs_fetch


@pytest.mark.parametrize("check", [query.endpoint_url, wdqs_fetch.endpoint_url])
def test_endpoint_with_credentials_is_refused_without_echoing_them(check) -> None:
    with pytest.raises(InputError, match="user name or password") as e:
        check("https://alice:s3cret@example.org/sparql")
    assert "s3cret" not in str(e.value)


def test_query_file_that_is_a_directory_or_not_utf8(tmp_path: Path) -> None:
    folder = tmp_path / "q.rq"
    folder.mkdir()
    with pytest.raises(InputError, match="is a directory"):
        query.resolve_query(str(folder))
    latin = tmp_path / "latin.rq"
    latin.write_bytes("SELECT ?x WHERE { ?x ?p \"caf\xe9\" }".encode("latin-1"))
    with pytest.raises(InputError, match=r"expected UTF-8 text, found byte 0xe9"):
        query.resolve_query(str(latin))


def test_header_with_a_mistake_is_reported_not_ignored(tmp_path: Path) -> None:
    f = tmp_path / "mine.rq"
    f.write_text("# title: Mine\n# param: country isocountry = NL\nSELECT ?x WHERE { ?x ?p ?o }\n")
    with pytest.raises(InputError):
        query.resolve_query(str(f))
    plain = tmp_path / "plain.rq"
    plain.write_text("SELECT ?x WHERE { ?x ?p ?o }\n")
    assert query.resolve_query(str(plain)).params == ()


def test_broken_grouping_csv(tmp_path: Path) -> None:
    f = tmp_path / "groups.csv"
    f.write_bytes(b"group,iso2\nSouth,NA\n\xff\xfe,ZA\n")
    with pytest.raises(InputError, match=r"groups.csv: expected UTF-8 text"):
        regions.read_csv_text(f)
    g = tmp_path / "ragged.csv"
    g.write_text('group,iso2\n"South,NA\n')
    with pytest.raises(InputError, match=r"ragged.csv: not a readable CSV"):
        regions.read_csv_text(g)


def test_concept_base_from_the_environment_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.model import ids
    monkeypatch.setenv("GLAMKG_CONCEPT_BASE", 'https://example.org/e"> } DROP ALL #/')
    with pytest.raises(InputError, match="GLAMKG_CONCEPT_BASE: expected an http"):
        ids.local_concept_base()
    monkeypatch.setenv("GLAMKG_CONCEPT_BASE", "https://example.org/entity/")
    assert ids.entity_iri("Q1000000000001") == "https://example.org/entity/Q1000000000001"


def test_auto_language_is_a_language_code() -> None:
    from kg.store import Store

    text = ('SELECT ?item ?itemLabel WHERE { VALUES ?item { <http://www.wikidata.org/entity/Q1> } '
            'SERVICE wikibase:label { bd:serviceParam wikibase:language "[AUTO_LANGUAGE],en". } }')
    with Store.memory() as st:
        with pytest.raises(InputError, match="--auto-language: expected a language code"):
            query.run(text, store=st, auto_language='en". } } #')
        assert len(query.run(text, store=st, auto_language="nl")) == 1


def test_a_mapping_file_in_latin_1_is_a_located_error_not_a_traceback(tmp_path):
    """A mapping saved in Latin-1 gave a UnicodeDecodeError traceback; every user file is read one way now."""
    from kg.errors import InputError
    from kg.load.mapping import Mapping

    p = tmp_path / "mapping.yaml"
    p.write_bytes("kind: institution\ncolumns:\n  Naam: label\n  Plaats: caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"mapping\.yaml: expected UTF-8 text, found byte 0xe9 at offset \d+"):
        Mapping.from_file(p)
