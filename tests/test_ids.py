import pytest

from kg.errors import InputError
from kg.model import ids
from kg.model.schema import model


@pytest.mark.parametrize("value", ["Q1", "Q42", "P31", "L7", "Q1000000000001"])
def test_valid_ids_round_trip(value):
    assert str(ids.parse_id(value)) == value
    assert ids.id_from_iri(ids.entity_iri(value)) == value


@pytest.mark.parametrize(
    "value, hint",
    [
        ("q42", "upper case"),
        ("Q042", "leading zeros"),
        ("Q0", ""),
        ("Q", ""),
        ("42", ""),
        ("Q42 ; DROP", ""),
        ("Q42>", ""),
        ("X42", ""),
        ("", ""),
    ],
)
def test_invalid_ids_say_what_was_expected_and_found(value, hint):
    with pytest.raises(ids.InvalidId) as e:
        ids.parse_id(value)
    msg = str(e.value)
    assert "expected an entity id" in msg
    assert repr(value) in msg
    assert hint in msg


def test_kinds_limit_the_letters():
    assert ids.item_id("Q5") == "Q5"
    with pytest.raises(ids.InvalidId, match="Q<number>"):
        ids.item_id("P5")
    with pytest.raises(ids.InvalidId, match="P<number>"):
        ids.property_id("Q5")


def test_non_string_is_refused():
    with pytest.raises(ids.InvalidId, match="int"):
        ids.parse_id(42)  # type: ignore[arg-type]


def test_local_ids_live_under_the_local_base_and_wikidata_ids_under_wikidata():
    first_local = ids.local_id(0)
    assert ids.is_local(first_local)
    assert not ids.is_local(f"Q{model().local_id_min - 1}")
    assert ids.entity_iri(first_local).startswith(ids.local_concept_base())
    assert ids.entity_iri("Q55") == "http://www.wikidata.org/entity/Q55"
    with pytest.raises(ids.InvalidId):
        ids.local_id(-1)


def test_local_base_is_configurable(monkeypatch):
    monkeypatch.setenv("GLAMKG_CONCEPT_BASE", "https://example.org/entity/")
    iri = ids.entity_iri(ids.local_id(3))
    assert iri == f"https://example.org/entity/Q{model().local_id_min + 3}"
    assert ids.id_from_iri(iri) == ids.local_id(3)
    # a base checked once is remembered, but the setting is read again on every call
    monkeypatch.setenv("GLAMKG_CONCEPT_BASE", "https://other.example/e/")
    assert ids.entity_iri(ids.local_id(3)) == f"https://other.example/e/Q{model().local_id_min + 3}"
    monkeypatch.setenv("GLAMKG_CONCEPT_BASE", "https://bad example/")
    with pytest.raises(InputError, match="GLAMKG_CONCEPT_BASE"):
        ids.entity_iri(ids.local_id(3))
    assert ids.entity_iri(" Q55 ") == "http://www.wikidata.org/entity/Q55"


def test_storage_json_numeric_ids():
    assert ids.from_numeric("item", 42) == "Q42"
    assert ids.from_numeric("property", 2) == "P2"
    for bad in [("item", 0), ("item", "42"), ("item", True), ("form", 3)]:
        with pytest.raises(ids.InvalidId):
            ids.from_numeric(*bad)


def test_iri_shortening():
    assert ids.shorten("http://www.wikidata.org/entity/Q42") == "Q42"
    assert ids.shorten("http://example.org/x") == "http://example.org/x"
    assert ids.try_id_from_iri("http://www.wikidata.org/entity/Q42/extra") is None
    with pytest.raises(ids.InvalidId, match="entity IRI"):
        ids.id_from_iri("http://www.wikidata.org/prop/direct/P31")
