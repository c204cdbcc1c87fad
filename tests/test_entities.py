import json
import re
from pathlib import Path

import pytest

from kg.errors import EntityError, InputError
from kg.model.entities import Claim, Record, normalize_entity, read_json, to_item_entity, to_json
from kg.model.values import NOVALUE, SOMEVALUE, Coordinate, Monolingual, Quantity, Time

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
MUSEUM = SHARED / "fixtures" / "wikidata-entity-json" / "Q1889816_Natuurmuseum_Brabant_rev427447206.json"
GUID = re.compile(r"^Q[1-9]\d*\$[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$")


def museum_json():
    if not MUSEUM.is_file():
        pytest.skip(f"shared fixture {MUSEUM} is absent (it lives beside the repository, not in it)")
    return json.loads(MUSEUM.read_text(encoding="utf-8"))["entities"]["Q1889816"]


def museum_record() -> Record:
    """Natuurmuseum Brabant as a record, with the values and references of the real entity JSON."""
    ref = [[("imported_from", "Q10000")]]
    return Record(
        "Q1889816",
        "institution",
        labels={"nl": "Natuurmuseum Brabant", "zh-cn": "布拉班特自然博物馆"},
        descriptions={"nl": "museum in Tilburg"},
        claims=[
            Claim("located_in", "Q26430", references=ref),
            Claim("country", "Q55", references=ref),
            Claim("image", "Tilburg natuurmuseum.jpg"),
            Claim("location", "Q9871"),
            Claim("instance_of", "Q33506"),
            Claim("commons_category", "Natuurmuseum Brabant", references=ref),
            Claim("coordinates", Coordinate(51.56, 5.081389, precision=1e-05), references=ref),
        ],
        sitelinks={"nlwiki": "Natuurmuseum Brabant"},
    )


def rich_record(id="Q1000000000042") -> Record:
    return Record(
        id,
        "partnership",
        labels={"en": "Example partnership", "nl": "Voorbeeld"},
        descriptions={"en": "a test"},
        aliases={"en": ["EP", "Ex. P.", "EP"]},
        claims=[
            Claim(
                "instance_of",
                "Q1000000000001",
                references=[[("stated_in", "Q1000000000010"), ("retrieved", "2024-01-02")]],
            ),
            Claim("start_time", "2019-05", qualifiers=[("end_time", "2020")]),
            Claim("participant", "Q1889816", qualifiers={"P580": Time("2019"), "P582": [Time("2020"), Time("2021")]}),
            Claim("participant", "Q1000000000500", rank="preferred"),
            Claim("participant", "Q1000000000501", rank="deprecated"),
            Claim("website", "https://example.org/partnership"),
            Claim("P1476", Monolingual("Voorbeeld", "nl")),
            Claim("quantity", Quantity(12, unit="Q11573", lower=11, upper=13)),
            Claim("coordinates", (52.1, 4.3)),
            Claim("end_time", SOMEVALUE),
            Claim("dissolved", NOVALUE),
            Claim("isil", "NL-Ex"),
        ],
    )


def test_hashes_match_the_real_wikidata_entity():
    real = museum_json()
    ours = to_json(museum_record())
    for pid, statements in real["claims"].items():
        assert ours["claims"][pid][0]["mainsnak"]["hash"] == statements[0]["mainsnak"]["hash"], pid
        assert ours["claims"][pid][0]["mainsnak"]["datavalue"] == statements[0]["mainsnak"]["datavalue"], pid
        assert ours["claims"][pid][0]["mainsnak"]["datatype"] == statements[0]["mainsnak"]["datatype"], pid
        refs = zip(ours["claims"][pid][0].get("references", []), statements[0].get("references", []), strict=True)
        for ref_ours, ref_real in refs:
            assert ref_ours["hash"] == ref_real["hash"]
            assert ref_ours["snaks"]["P143"][0]["hash"] == ref_real["snaks"]["P143"][0]["hash"]


def test_to_json_is_deterministic_and_has_content_derived_statement_ids():
    a, b = to_json(rich_record()), to_json(rich_record())
    assert json.dumps(a) == json.dumps(b)
    all_ids = [st["id"] for sts in a["claims"].values() for st in sts]
    assert all(GUID.match(i) for i in all_ids), all_ids
    assert len(set(all_ids)) == len(all_ids)
    # the id follows property, value and qualifiers, not rank or references
    r = rich_record()
    r.claims[0] = Claim("instance_of", "Q1000000000001", rank="preferred")
    assert to_json(r)["claims"]["P31"][0]["id"] == a["claims"]["P31"][0]["id"]
    r.claims[0] = Claim("instance_of", "Q1000000000002")
    assert to_json(r)["claims"]["P31"][0]["id"] != a["claims"]["P31"][0]["id"]
    # another entity with the same statement gets another id
    assert to_json(rich_record("Q1000000000043"))["claims"]["P31"][0]["id"] != a["claims"]["P31"][0]["id"]


def test_identical_statements_get_distinct_ids():
    r = Record("Q1000000000042", "institution", claims=[Claim("instance_of", "Q33506"), Claim("instance_of", "Q33506")])
    ids = [st["id"] for st in to_json(r)["claims"]["P31"]]
    assert len(set(ids)) == 2


def test_to_json_shape():
    j = to_json(rich_record())
    assert j["type"] == "item" and j["id"] == "Q1000000000042"
    assert j["labels"]["nl"] == {"language": "nl", "value": "Voorbeeld"}
    assert [a["value"] for a in j["aliases"]["en"]] == ["EP", "Ex. P."]  # duplicates dropped
    st = j["claims"]["P580"][0]
    assert st["mainsnak"]["datatype"] == "time"
    assert st["qualifiers-order"] == ["P582"]
    assert st["qualifiers"]["P582"][0]["datavalue"]["value"]["precision"] == 9
    part = j["claims"]["P710"]
    assert [s["rank"] for s in part] == ["normal", "preferred", "deprecated"]
    assert part[0]["qualifiers-order"] == ["P580", "P582"] and len(part[0]["qualifiers"]["P582"]) == 2
    ref = j["claims"]["P31"][0]["references"][0]
    assert ref["snaks-order"] == ["P248", "P813"] and re.match(r"^[0-9a-f]{40}$", ref["hash"])
    assert j["claims"]["P1476"][0]["mainsnak"]["datatype"] == "monolingualtext"  # inferred from the typed value
    assert j["claims"]["P582"][0]["mainsnak"] == {
        "snaktype": "somevalue",
        "property": "P582",
        "hash": j["claims"]["P582"][0]["mainsnak"]["hash"],
        "datatype": "time",
    }
    assert j["claims"]["P576"][0]["mainsnak"]["snaktype"] == "novalue"
    assert j["claims"]["P625"][0]["mainsnak"]["datavalue"]["value"]["precision"] == pytest.approx(0.1)
    assert j["claims"]["P1114"][0]["mainsnak"]["datavalue"]["value"]["upperBound"] == "+13"


def test_new_record_without_id_has_no_statement_ids():
    j = to_json(Record(None, "institution", labels={"en": "New"}, claims=[Claim("instance_of", "Q33506")]))
    assert "id" not in j and "id" not in j["claims"]["P31"][0]


@pytest.mark.parametrize(
    "record, parts",
    [
        (Record("X1", "institution"), ["entity X1", "bad item id"]),
        (Record("Q1000000000042", "gallery"), ["entity Q1000000000042", "unknown item kind 'gallery'"]),
        (
            Record("Q1000000000042", "institution", claims=[Claim("inception", "May 2021")]),
            ["entity Q1000000000042", "property P571", "expected a date like 2021", "'May 2021'"],
        ),
        (
            Record("Q1000000000042", "institution", claims=[Claim("coordinates", (95.0, 5.0))]),
            ["entity Q1000000000042", "property P625", "latitude must be between -90 and 90"],
        ),
        (
            Record("Q1000000000042", "institution", claims=[Claim("P9999", "some text")]),
            ["entity Q1000000000042", "property P9999", "unknown datatype"],
        ),
        (
            Record("Q1000000000042", "institution", claims=[Claim("colour", "red")]),
            ["entity Q1000000000042", "unknown property 'colour'"],
        ),
        (
            Record("Q1000000000042", "institution", claims=[Claim("country", "Q55", rank="best")]),
            ["property P17", "rank must be one of"],
        ),
        (
            Record("Q1000000000042", "institution", claims=[Claim("country", "Q55", qualifiers=[("P580", "soon")])]),
            ["property P580", "qualifier", "'soon'"],
        ),
        (
            Record(
                "Q1000000000042", "institution", claims=[Claim("P17", "Q55", references=[[("P813", "2024-02-30")]])]
            ),
            ["property P813", "reference", "has 29 days"],
        ),
        (Record("Q1000000000042", "institution", labels={"English": "x"}), ["labels", "language code"]),
        (Record("Q1000000000042", "institution", labels={"en": "  "}), ["labels@en", "non-empty"]),
        (
            Record(None, "institution", labels={"en": "New museum"}, claims=[Claim("inception", "x")]),
            ["entity New museum"],
        ),
    ],
)
def test_bad_records_name_entity_property_and_problem(record, parts):
    with pytest.raises(EntityError) as e:
        to_json(record)
    for p in parts:
        assert p in str(e.value)


def _claims_summary(claims: dict) -> dict:
    """What a statement says, ignoring serialization details (hashes, snaks-order)."""

    def snak(s):
        return (s["property"], s["snaktype"], s.get("datatype"), json.dumps(s.get("datavalue"), sort_keys=True))

    return {
        pid: [
            (
                st.get("id"),
                st["rank"],
                snak(st["mainsnak"]),
                sorted(snak(q) for qs in st.get("qualifiers", {}).values() for q in qs),
                st.get("qualifiers-order", []),
                [sorted(snak(s) for ss in ref["snaks"].values() for s in ss) for ref in st.get("references", [])],
            )
            for st in sts
        ]
        for pid, sts in claims.items()
    }


@pytest.mark.parametrize("make", [rich_record, museum_record])
def test_item_entity_carries_the_same_content_as_to_json(make):
    record = make()
    item = to_item_entity(record)
    wbi = item.get_json()
    ours = to_json(record)
    assert type(item).__name__ == "ItemEntity" and item.id == record.id
    assert _claims_summary(wbi["claims"]) == _claims_summary(ours["claims"])
    assert wbi["labels"] == ours["labels"]
    assert wbi["descriptions"] == ours["descriptions"]
    assert wbi["aliases"] == ours["aliases"]
    assert {k: v["title"] for k, v in wbi.get("sitelinks", {}).items()} == {
        k: v["title"] for k, v in ours["sitelinks"].items()
    }


def test_item_entity_uses_wbi_datatype_classes():
    from wikibaseintegrator import datatypes as d

    item = to_item_entity(rich_record())
    kinds = {pid: type(c).__name__ for pid, cs in item.claims.claims.items() for c in cs}
    assert kinds["P31"] == "Item" and kinds["P580"] == "Time" and kinds["P625"] == "GlobeCoordinate"
    assert kinds["P1114"] == "Quantity" and kinds["P856"] == "URL" and kinds["P1476"] == "MonolingualText"
    assert kinds["P791"] == "ExternalID"
    assert isinstance(item.claims.get("P31")[0], d.Item)


def test_read_json_accepts_every_shape(tmp_path):
    real = museum_json()
    from_file = read_json(MUSEUM)
    assert [e["id"] for e in from_file] == ["Q1889816"]
    assert from_file[0]["claims"]["P625"][0]["mainsnak"]["datavalue"]["value"]["precision"] == 1e-05
    assert read_json({"entities": {"Q1889816": real}}) == from_file
    assert read_json(real) == from_file
    assert read_json([real, to_json(rich_record())])[1]["id"] == "Q1000000000042"
    lines = tmp_path / "e.jsonl"
    lines.write_text(json.dumps(real) + "\n" + json.dumps(to_json(rich_record())) + "\n", encoding="utf-8")
    assert [e["id"] for e in read_json(lines)] == ["Q1889816", "Q1000000000042"]
    dump = tmp_path / "dump.json"
    dump.write_text("[\n" + json.dumps(real) + ",\n" + json.dumps(to_json(rich_record())) + "\n]\n", encoding="utf-8")
    assert len(read_json(dump)) == 2


def test_read_json_round_trips_to_json():
    j = to_json(rich_record())
    assert read_json(j) == [j]


def test_read_json_storage_shape_gets_entity_ids():
    storage = {
        "type": "item",
        "id": "Q4",
        "claims": {
            "P2": [
                {
                    "mainsnak": {
                        "snaktype": "value",
                        "property": "P2",
                        "datavalue": {"value": {"entity-type": "item", "numeric-id": 42}, "type": "wikibase-entityid"},
                    },
                    "type": "statement",
                    "rank": "normal",
                    "id": "TEST-Statement-2-423614cd831ed4e8da1138c9229cb65cf96a9366",
                }
            ]
        },
        "labels": [],
    }
    [e] = read_json(storage)
    assert e["claims"]["P2"][0]["mainsnak"]["datavalue"]["value"]["id"] == "Q42"
    assert e["labels"] == {}
    assert "id" not in storage["claims"]["P2"][0]["mainsnak"]["datavalue"]["value"]  # input untouched


@pytest.mark.parametrize(
    "obj, parts",
    [
        ({"id": "Q1x", "claims": {}}, ["bad entity id", "'Q1x'"]),
        ({"id": "Q5", "missing": ""}, ["entity Q5", "missing"]),
        ({"id": "Q5", "claims": {"p31": []}}, ["entity Q5", "bad property id 'p31'"]),
        (
            {"id": "Q5", "claims": {"P31": [{"mainsnak": {"property": "P17", "datavalue": {"value": "x"}}}]}},
            ["entity Q5", "property P31", "mainsnak of P17"],
        ),
        ({"id": "Q5", "claims": {"P31": [{"mainsnak": {"property": "P31", "snaktype": "maybe"}}]}},
         ["property P31", "snaktype must be"]),
        ({"id": "Q5", "claims": {"P31": [{"mainsnak": {"property": "P31", "snaktype": "value"}}]}},
         ["property P31", "without a datavalue"]),
        ({"id": "Q5", "type": "property"}, ["entity Q5", "does not match"]),
    ],
)
def test_read_json_rejects_malformed_entities(obj, parts):
    with pytest.raises(EntityError) as e:
        normalize_entity(obj)
    for p in parts:
        assert p in str(e.value)


def test_read_json_file_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_json(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"entities": {"Q1": {"id": "Q1",}}}', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.json: not valid JSON at line 1, column \d+"):
        read_json(bad)
    with pytest.raises(InputError, match="expected entity JSON"):
        read_json(42)  # type: ignore[arg-type]


def test_equal_looking_plain_values_are_not_mixed_up():
    # 1.5 == Decimal("1.50") and (52, 4) == (52.0, 4.0) in Python, but they convert differently
    from decimal import Decimal

    def amount(v):
        j = to_json(Record("Q1000000000001", "contribution", claims=[Claim("quantity", v)]))
        return j["claims"]["P1114"][0]["mainsnak"]["datavalue"]["value"]["amount"]

    def precision(v):
        j = to_json(Record("Q1000000000001", "institution", claims=[Claim("coordinates", v)]))
        return j["claims"]["P625"][0]["mainsnak"]["datavalue"]["value"]["precision"]

    assert (amount(1.5), amount(Decimal("1.50"))) == ("+1.5", "+1.50")
    assert amount(1) == "+1"
    with pytest.raises(EntityError, match="found True"):
        amount(True)
    assert (precision((52, 4)), precision((52.0, 4.0))) == (1.0, pytest.approx(0.1))


def test_shared_references_come_out_as_separate_objects():
    ref = [[("stated_in", "Q1000000000010"), ("retrieved", "2024-01-02")]]
    a = to_json(Record("Q1000000000001", "institution", claims=[Claim("country", "Q55", references=ref)]))
    b = to_json(Record("Q1000000000002", "institution", claims=[Claim("country", "Q31", references=ref)]))
    ra, rb = a["claims"]["P17"][0]["references"][0], b["claims"]["P17"][0]["references"][0]
    assert ra == rb and ra is not rb
    ra["snaks"]["P248"][0]["datavalue"]["value"]["id"] = "Q1"
    assert rb["snaks"]["P248"][0]["datavalue"]["value"]["id"] == "Q1000000000010"
    third = to_json(Record("Q1000000000003", "institution", claims=[Claim("country", "Q55", references=ref)]))
    snak = third["claims"]["P17"][0]["references"][0]["snaks"]["P248"][0]
    assert snak["datavalue"]["value"]["id"] == "Q1000000000010"


@pytest.mark.parametrize("make", [rich_record, museum_record])
def test_item_entity_json_gives_the_same_rdf_as_to_json(make):
    """Record -> wikibaseintegrator ItemEntity -> its JSON -> read_json -> WDQS RDF: the same graph as to_json."""
    from kg.rdf import wdqs_triples

    record = make()
    back = read_json(to_item_entity(record).get_json())
    assert len(back) == 1
    assert set(wdqs_triples(back[0])) == set(wdqs_triples(to_json(record)))


def test_real_entity_round_trips_through_wikibaseintegrator():
    """The real museum JSON -> ItemEntity.from_json -> get_json -> read_json: the same statements, references,
    coordinate precision and terms; wbi keeps revision and modification time as attributes, not in get_json."""
    from wikibaseintegrator.entities import ItemEntity

    from kg.rdf import wdqs_triples

    real = museum_json()
    item = ItemEntity().from_json(real)
    assert (item.lastrevid, item.id) == (real["lastrevid"], real["id"])
    [back] = read_json(item.get_json())
    assert back["claims"]["P625"][0]["mainsnak"]["datavalue"] == real["claims"]["P625"][0]["mainsnak"]["datavalue"]
    page_meta = ("http://schema.org/version", "http://schema.org/dateModified")
    ours = set(wdqs_triples(real))
    assert {t for t in ours if t.predicate.value not in page_meta} == set(wdqs_triples(back))
    assert {t.predicate.value for t in ours - set(wdqs_triples(back))} == set(page_meta)


def test_statement_uuid_is_the_uuid_of_statement_id():
    """kg.rdf.columns writes statement IRIs from statement_uuid: the same uuid as statement_id's, as uuid5 makes it."""
    import uuid

    from kg.model.entities import GUID_NAMESPACE, statement_id, statement_uuid

    for hashes, repeat in ((["ab"], 0), (["ab"], 2), (["ab", "cd"], 0)):
        key = "|".join(["Q7", *hashes])
        name = key if repeat == 0 else f"{key}#{repeat}"
        assert statement_uuid(key, repeat) == str(uuid.uuid5(GUID_NAMESPACE, name)).upper()
        assert statement_id("Q7", hashes, repeat) == f"Q7${statement_uuid(key, repeat)}"


def test_statement_uuid_is_uuid5_for_every_variant_digit():
    """The uuid made from the SHA-1 digest's hex digits: version 5 and each of the four variant digits (8, 9, A,
    B) as uuid.uuid5 sets them, for names in any script."""
    import uuid

    from kg.model.entities import GUID_NAMESPACE, statement_uuid

    variants = set()
    for i in range(2000):
        name = f"Q{i}|{i * 7919:x}" if i % 3 else f"Q{i}|ünï{i}|日本"
        got = statement_uuid(name)
        assert got == str(uuid.uuid5(GUID_NAMESPACE, name)).upper()
        variants.add(got[19])
    assert variants == set("89AB")
