"""Bad entity JSON -> kg.errors.EntityError naming the entity, the property, what was expected and found."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kg import rdf
from kg.errors import EntityError, InputError

QID = "Q1889816"


def _entity(pid: str, datatype: str | None, vtype: str, value: Any) -> dict[str, Any]:
    snak: dict[str, Any] = {"snaktype": "value", "property": pid, "datavalue": {"type": vtype, "value": value}}
    if datatype:
        snak["datatype"] = datatype
    return {
        "id": QID,
        "type": "item",
        "claims": {pid: [{"id": f"{QID}$A-B-C", "rank": "normal", "mainsnak": snak}]},
    }


TIME = {
    "time": "+2021-05-17T00:00:00Z",
    "timezone": 0,
    "before": 0,
    "after": 0,
    "precision": 11,
    "calendarmodel": "http://www.wikidata.org/entity/Q1985727",
}
COORD = {"latitude": 51.56, "longitude": 5.08, "precision": 1e-05, "globe": "http://www.wikidata.org/entity/Q2"}


def _raises(entity: dict[str, Any], *fragments: str, prop: str | None = "P585", **kw: Any) -> EntityError:
    for convert in (rdf.entity_triples, rdf.wdqs_triples):
        with pytest.raises(EntityError) as info:
            convert(copy.deepcopy(entity), **kw)
        err = info.value
        assert isinstance(err, InputError)  # the CLI maps it to exit code 2
        assert err.entity == entity.get("id", err.entity)
        assert err.prop == prop
        text = str(err)
        for fragment in fragments:
            assert fragment in text, text
    return err


def test_valid_entity_converts() -> None:
    """The base of the cases below is fine: each case breaks one thing."""
    assert rdf.wdqs_triples(_entity("P585", "time", "time", TIME))
    assert rdf.wdqs_triples(_entity("P625", "globe-coordinate", "globecoordinate", COORD))


def test_bad_entity_id() -> None:
    entity = _entity("P585", "time", "time", TIME)
    entity["id"] = "q42"
    with pytest.raises(EntityError) as info:
        rdf.wdqs_triples(entity)
    assert info.value.entity == "q42"
    assert "expected an entity id" in str(info.value) and "'q42'" in str(info.value)
    entity["id"] = "P42"  # a property id on an item
    with pytest.raises(EntityError, match="expected entity type 'property'"):
        rdf.wdqs_triples(entity)


def test_wrapper_instead_of_entity() -> None:
    with pytest.raises(EntityError, match="read_json"):
        rdf.wdqs_triples({"entities": {QID: {}}})


def test_missing_entity() -> None:
    with pytest.raises(EntityError, match="'missing' marker") as info:
        rdf.wdqs_triples({"id": "Q999999999", "missing": ""})
    assert info.value.entity == "Q999999999"


def test_bad_value_entity_id() -> None:
    entity = _entity("P17", "wikibase-item", "wikibase-entityid", {"entity-type": "item", "id": "Q0"})
    _raises(entity, "expected a wikibase-item id like Q42", "'Q0'", prop="P17")
    entity = _entity("P17", "wikibase-item", "wikibase-entityid", {"entity-type": "property", "numeric-id": 17})
    _raises(entity, "expected a wikibase-item id", "'P17'", prop="P17")


def test_unknown_datatype() -> None:
    # P999999 is neither in datatypes, nor on the snak (storage shape), nor in schemas/model.yaml
    entity = _entity("P999999", None, "string", "x")
    _raises(entity, "unknown property datatype", "hint", prop="P999999")
    # a legacy junk datatype on the snak is ignored, so it is still unknown
    entity = _entity("P999999", "wikibase-entityid", "wikibase-entityid", {"entity-type": "item", "numeric-id": 1})
    _raises(entity, "unknown property datatype", prop="P999999")
    # a datatype glamkg cannot convert
    _raises(
        _entity("P999999", None, "string", "x"),
        "unknown datatype 'blob'",
        prop="P999999",
        datatypes={"P999999": "blob"},
    )


def test_malformed_time() -> None:
    for bad in ("2021-05-17", "+2021-13-01T00:00:00Z", "+2021-05-17T25:00:00Z", "May 2021", 2021):
        _raises(_entity("P585", "time", "time", {**TIME, "time": bad}), "malformed time", "expected", repr(bad))


def test_time_precision_out_of_range() -> None:
    for bad in (15, -1, "11", None):
        _raises(_entity("P585", "time", "time", {**TIME, "precision": bad}), "time precision from 0", repr(bad))


@pytest.mark.parametrize(
    ("field", "bad", "expected"),
    [
        ("latitude", 91.0, "a latitude (a number from -90 to 90)"),
        ("latitude", "51.5", "a latitude (a number from -90 to 90)"),
        ("longitude", -400, "a longitude (a number from -360 to 360)"),
        ("longitude", None, "a longitude (a number from -360 to 360)"),
        ("precision", "fine", "a coordinate precision"),
    ],
)
def test_bad_coordinates(field: str, bad: Any, expected: str) -> None:
    entity = _entity("P625", "globe-coordinate", "globecoordinate", {**COORD, field: bad})
    _raises(entity, expected, repr(bad), prop="P625")


def test_quantity_amount_not_decimal() -> None:
    for bad in ("12,5", "1e3", 12.5, "abc"):
        entity = _entity("P1174", "quantity", "quantity", {"amount": bad, "unit": "1"})
        _raises(entity, "a decimal string like '+12.5' for the amount", repr(bad), prop="P1174")
    entity = _entity("P1174", "quantity", "quantity", {"amount": "+5", "unit": "1", "upperBound": "x"})
    _raises(entity, "for the upperBound", prop="P1174")


def test_quantity_amount_normalised_like_wikibase() -> None:
    entity = _entity("P1174", "quantity", "quantity", {"amount": "0012", "unit": "1"})
    objects = {t.object.value for t in rdf.wdqs_triples(entity)}
    assert "+12" in objects  # DecimalValue adds the sign and drops leading zeros


def test_datavalue_type_mismatch() -> None:
    entity = _entity("P585", "time", "string", "2021")
    _raises(entity, "expected a datavalue of type 'time' for datatype 'time'", "found type 'string'")
    entity = _entity("P17", "wikibase-item", "string", "Q55")
    _raises(entity, "of type 'wikibase-entityid'", prop="P17")


def test_bad_rank_and_missing_statement_id() -> None:
    entity = _entity("P585", "time", "time", TIME)
    entity["claims"]["P585"][0]["rank"] = "best"
    _raises(entity, "expected rank preferred, normal or deprecated", "'best'")
    entity = _entity("P585", "time", "time", TIME)
    del entity["claims"]["P585"][0]["id"]
    _raises(entity, "expected a statement 'id'")


def test_bad_snak_property_and_snaktype() -> None:
    entity = _entity("P585", "time", "time", TIME)
    entity["claims"]["P585"][0]["mainsnak"]["snaktype"] = "maybe"
    _raises(entity, "expected snaktype value, somevalue or novalue", "'maybe'")
    entity = _entity("P585", "time", "time", TIME)
    entity["claims"]["P585"][0]["qualifiers"] = {"P580": [{"snaktype": "value", "property": "p580"}]}
    _raises(entity, "expected a snak property id like P31", "'p580'")


def test_bad_term() -> None:
    entity = _entity("P585", "time", "time", TIME)
    entity["labels"] = {"en": {"language": "en", "value": 5}}
    _raises(entity, "expected a term like", "found {'language': 'en', 'value': 5}", prop=None)


def test_bad_url_is_reported() -> None:
    entity = _entity("P856", "url", "string", "http://[bad")
    _raises(entity, "a URL that is a valid IRI", prop="P856")
