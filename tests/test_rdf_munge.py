"""The WDQS-munged form the store keeps (RULES.md sec. 12), on the Q4/Q7 fixtures and a real museum item."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg import rdf
from kg.rdf.munge import MAX_LITERAL, munge

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CONF = SHARED / "conformance" / "wikibase-rdf"
MUSEUM = SHARED / "fixtures" / "wikidata-entity-json" / "Q1889816_Natuurmuseum_Brabant_rev427447206.json"
WD = "http://www.wikidata.org/entity/"
WB = "http://wikiba.se/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
ACME = rdf.Vocabulary("http://acme.test/", "http://data.acme.test/")


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} not found (shared reference material lives in ../shared/, outside the repo)")
    return path


def _datatypes() -> dict[str, str]:
    env = json.loads(_need(CONF / "env" / "rdfbuilder-env.json").read_text(encoding="utf-8"))
    return {k: v for k, v in env["property_datatypes"].items() if k.startswith("P")}


def _fixture(name: str, **extra: Any) -> dict[str, Any]:
    entity = json.loads(_need(CONF / "entities" / f"{name}.json").read_text(encoding="utf-8"))
    entity.update(extra)
    return entity


def _museum() -> dict[str, Any]:
    return json.loads(_need(MUSEUM).read_text(encoding="utf-8"))["entities"]["Q1889816"]


def _lines(triples: list[ox.Triple]) -> set[str]:
    return set(rdf.to_ntriples(triples).splitlines())


def _spo(triples: list[ox.Triple]) -> set[tuple[str, str, str]]:
    out = set()
    for t in triples:
        o = t.object
        out.add((t.subject.value, t.predicate.value, o.value))
    return out


REV = {"lastrevid": 42, "modified": "2013-10-04T03:31:05Z"}


def test_q4_munged() -> None:
    munged = rdf.wdqs_triples(_fixture("Q4", **REV), datatypes=_datatypes(), vocab=ACME)
    spo = _spo(munged)
    q4 = "http://acme.test/Q4"
    # data node gone; version and dateModified moved onto the entity
    assert not any(s.startswith("http://data.acme.test/") for s, _, _ in spo)
    assert (q4, "http://schema.org/version", "42") in spo
    assert (q4, "http://schema.org/dateModified", "2013-10-04T03:31:05Z") in spo
    assert not any(
        p in ("http://schema.org/softwareVersion", "http://creativecommons.org/ns#license") for _, p, _ in spo
    )
    # type triples dropped: item, statements; kept: BestRank, ranks, value-node types, novalue classes
    assert (q4, RDF_TYPE, WB + "Item") not in spo
    assert not any(o == WB + "Statement" for _, _, o in spo)
    st3 = "http://acme.test/statement/TEST-Statement-3-12914044e0dbab210aa9d81168bd50471bbde12d"
    assert (st3, RDF_TYPE, WB + "BestRank") in spo
    assert (st3, RDF_TYPE, "http://acme.test/prop/novalue/P3") in spo
    assert (st3, WB + "rank", WB + "NormalRank") in spo
    assert (q4, RDF_TYPE, "http://acme.test/prop/novalue/P3") in spo
    assert ("http://acme.test/value/002e39a4a1d30d3dbf7eb63d21d93cfd", RDF_TYPE, WB + "GlobecoordinateValue") in spo
    # deprecated statement still in full form, absent from truthy
    assert any(o == WB + "DeprecatedRank" for _, _, o in spo)
    assert not any(p == "http://acme.test/prop/direct/P5" and o == "бред" for _, p, o in spo)
    # every statement of the full output is there, with its value
    full = _spo(rdf.entity_triples(_fixture("Q4", **REV), datatypes=_datatypes(), vocab=ACME))
    kept = {t for t in full if t[0].startswith("http://acme.test/statement/") and t[2] != WB + "Statement"}
    assert kept <= spo


def test_q2_labels_not_duplicated() -> None:
    munged = rdf.wdqs_triples(_fixture("Q2"), vocab=ACME)
    preds = {t.predicate.value for t in munged}
    assert "http://www.w3.org/2000/01/rdf-schema#label" in preds
    assert "http://schema.org/description" in preds
    assert "http://www.w3.org/2004/02/skos/core#altLabel" in preds
    assert "http://www.w3.org/2004/02/skos/core#prefLabel" not in preds
    assert "http://schema.org/name" not in preds


def test_q7_references_munged() -> None:
    munged = rdf.wdqs_triples(_fixture("Q7", **REV), datatypes=_datatypes(), vocab=ACME)
    spo = _spo(munged)
    ref = "http://acme.test/reference/d2412760c57cacd8c8f24d9afde3b20c87161cca"
    derived = {s for s, p, o in spo if p == "http://www.w3.org/ns/prov#wasDerivedFrom" and o == ref}
    assert len(derived) == 2  # one reference node shared by two statements
    assert (ref, RDF_TYPE, WB + "Reference") not in spo
    assert (ref, "http://acme.test/prop/reference/P7", "simplestring") in spo
    assert (ref, RDF_TYPE, "http://acme.test/prop/novalue/P3") in spo
    assert (
        ref,
        "http://acme.test/prop/reference/value/P8",
        "http://acme.test/value/ba4fa68a0979e663277b08d93f93705c",
    ) in spo
    ref_lines = [line for line in rdf.to_ntriples(munged).splitlines() if line.startswith(f"<{ref}>")]
    assert len(ref_lines) == len(set(ref_lines))  # written once


@pytest.mark.parametrize("name", ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "Q8", "P2"])
def test_fast_path_equals_munge(name: str) -> None:
    """wdqs_triples writes the munged form directly; it must equal munge() of Wikibase's own output."""
    entity = _fixture(name, **REV)
    vocab = rdf.Vocabulary.glamkg()
    fast = rdf.wdqs_triples(entity, datatypes=_datatypes())
    slow = munge(rdf.entity_triples(entity, datatypes=_datatypes()), name, vocab)
    assert _lines(fast) == _lines(slow)
    assert len(fast) == len(set(fast))


def test_munge_drops_stubs_and_keep_types() -> None:
    entity = _fixture("Q4", **REV)
    b = rdf.RdfBuilder(rdf.FLAVOR_ALL, vocab=ACME, datatypes=_datatypes())
    b.add_entity(entity)
    lookup = {"Q42": {"id": "Q42", "type": "item", "labels": {"en": {"language": "en", "value": "Item42"}}}}
    b.resolve_mentioned(lookup.get)
    assert any(t.subject.value == "http://acme.test/Q42" for t in b.triples)  # the stub is in Wikibase's output
    munged = munge(b.triples, "Q4", ACME)
    assert not any(t.subject.value == "http://acme.test/Q42" for t in munged)
    typed = _spo(munge(b.triples, "Q4", ACME, keep_types=True))
    assert ("http://acme.test/Q4", RDF_TYPE, WB + "Item") in typed
    assert any(o == WB + "Statement" for _, _, o in typed)
    # keep_types through the public API as well
    assert ("http://acme.test/Q4", RDF_TYPE, WB + "Item") in _spo(
        rdf.wdqs_triples(entity, datatypes=_datatypes(), vocab=ACME, keep_types=True)
    )


def test_no_revision_is_accepted() -> None:
    """WDQS rejects entities without version/dateModified; glamkg keeps them, without those triples."""
    munged = rdf.wdqs_triples(_fixture("Q7"), datatypes=_datatypes(), vocab=ACME)
    preds = {t.predicate.value for t in munged}
    assert "http://schema.org/version" not in preds
    assert "http://schema.org/dateModified" not in preds
    assert f"{WB}statements" in preds  # page props still moved onto the entity


def test_long_literals_truncated() -> None:
    entity = _fixture("Q2")
    entity["labels"]["en"] = {"language": "en", "value": "x" * (MAX_LITERAL + 10)}
    munged = rdf.wdqs_triples(entity, vocab=ACME)
    labels = [t.object.value for t in munged if t.predicate.value.endswith("rdf-schema#label")]
    assert max(len(v) for v in labels) == MAX_LITERAL
    full = rdf.entity_triples(entity, vocab=ACME)
    assert max(len(t.object.value) for t in full if isinstance(t.object, ox.Literal)) == MAX_LITERAL + 10


def test_real_museum_entity() -> None:
    munged = rdf.wdqs_triples(_museum())
    spo = _spo(munged)
    lines = _lines(munged)
    q = WD + "Q1889816"
    assert (q, "http://schema.org/version", "427447206") in spo
    assert (q, "http://schema.org/dateModified", "2017-01-12T03:46:25Z") in spo
    assert (q, WB + "statements", "7") in spo
    assert (q, WB + "sitelinks", "1") in spo
    assert (q, WB + "identifiers", "0") in spo
    assert (q, "http://www.wikidata.org/prop/direct/P31", WD + "Q33506") in spo
    assert (q, RDF_TYPE, WB + "Item") not in spo
    # P625: truthy point, statement value node with Wikibase's hash and PHP float forms
    wkt = "<http://www.opengis.net/ont/geosparql#wktLiteral>"
    assert f'<{q}> <http://www.wikidata.org/prop/direct/P625> "Point(5.081389 51.56)"^^{wkt} .' in lines
    value = "http://www.wikidata.org/value/d0aae97115fb564fed820bdd1cf835c4"
    assert f'<{value}> <{WB}geoPrecision> "1.0E-5"^^<{XSD}double> .' in lines
    assert f'<{value}> <{WB}geoLatitude> "51.56"^^<{XSD}double> .' in lines
    assert (value, WB + "geoGlobe", WD + "Q2") in spo
    statement = WD + "statement/q1889816-778364F3-522E-4EF9-A1C7-D347BCE3BF6B"
    assert (statement, "http://www.wikidata.org/prop/statement/value/P625", value) in spo
    # references: the API's hash is the node, with P143 (imported from) -> Q10000
    ref = "http://www.wikidata.org/reference/732ec1c90a6f0694c7db9a71bf09fe7f2b674172"
    assert (statement, "http://www.w3.org/ns/prov#wasDerivedFrom", ref) in spo
    assert (ref, "http://www.wikidata.org/prop/reference/P143", WD + "Q10000") in spo
    # sitelink kept, as on WDQS
    article = "https://nl.wikipedia.org/wiki/Natuurmuseum_Brabant"
    assert (article, "http://schema.org/about", q) in spo
    assert ("https://nl.wikipedia.org/", WB + "wikiGroup", "wikipedia") in spo
    # the same with hashes removed (storage-shaped input): hashes recomputed, identical triples
    stripped = json.loads(json.dumps(_museum()), object_hook=lambda d: {k: v for k, v in d.items() if k != "hash"})
    assert _lines(rdf.wdqs_triples(stripped)) == lines


def test_local_entity_iris() -> None:
    """Local ids live under the local concept base; predicates, references and values stay Wikidata's."""
    vocab = rdf.Vocabulary.glamkg()
    local = "Q1000000000007"
    entity = {
        "id": local,
        "type": "item",
        "lastrevid": 3,
        "modified": "2024-01-01T00:00:00Z",
        "labels": {"en": {"language": "en", "value": "Local museum"}},
        "claims": {
            "P31": [
                {
                    "id": f"{local}$6A5C3D4E-0000-4000-8000-000000000001",
                    "rank": "normal",
                    "mainsnak": {
                        "snaktype": "value",
                        "property": "P31",
                        "datavalue": {"type": "wikibase-entityid", "value": {"id": "Q33506"}},
                    },
                    "references": [
                        {
                            "snaks": {
                                "P854": [
                                    {
                                        "snaktype": "value",
                                        "property": "P854",
                                        "datatype": "url",
                                        "datavalue": {"type": "string", "value": "https://example.org/"},
                                    }
                                ]
                            }
                        }
                    ],
                }
            ]
        },
    }
    spo = _spo(rdf.wdqs_triples(entity, vocab=vocab))
    base = vocab.local_concept_base
    assert base and base != WD
    subj = base + local
    assert (subj, "http://www.wikidata.org/prop/direct/P31", WD + "Q33506") in spo
    statement = f"{base}statement/{local}-6A5C3D4E-0000-4000-8000-000000000001"
    assert (subj, "http://www.wikidata.org/prop/P31", statement) in spo
    assert (subj, "http://schema.org/version", "3") in spo
    refs = {o for s, p, o in spo if s == statement and p.endswith("wasDerivedFrom")}
    assert len(refs) == 1 and next(iter(refs)).startswith("http://www.wikidata.org/reference/")
    data = rdf.entity_triples(entity, vocab=vocab)
    assert any(t.subject.value.startswith(vocab.local_data_base or "?") for t in data)


def _viaf_entity() -> dict[str, Any]:
    snak = {"snaktype": "value", "property": "P214", "datatype": "external-id"}
    snak["datavalue"] = {"type": "string", "value": " 123 456 "}
    statement = {"id": "Q90$F00D", "rank": "normal", "mainsnak": snak}
    return {
        "id": "Q90",
        "type": "item",
        "claims": {"P214": [statement]},
        "sitelinks": {"enwiki": {"site": "enwiki", "title": "Paris Museum", "badges": []}},
    }


def test_page_props_count_identifiers_and_uri_patterns() -> None:
    entity = _viaf_entity()
    spo = _spo(rdf.wdqs_triples(entity))
    q = WD + "Q90"
    assert (q, WB + "identifiers", "1") in spo
    assert (q, WB + "statements", "1") in spo
    assert (q, "http://www.wikidata.org/prop/direct/P214", "123 456") in spo  # external ids are trimmed
    assert not any(p.startswith("http://www.wikidata.org/prop/direct-normalized/") for _, p, _ in spo)
    env = rdf.Environment(uri_patterns={"P214": "https://viaf.org/viaf/$1"})
    spo = _spo(rdf.wdqs_triples(entity, env=env))
    assert (q, "http://www.wikidata.org/prop/direct-normalized/P214", "https://viaf.org/viaf/123+456") in spo
    statement = WD + "statement/Q90-F00D"
    assert (
        statement,
        "http://www.wikidata.org/prop/statement/value-normalized/P214",
        "https://viaf.org/viaf/123+456",
    ) in spo


def test_default_wikimedia_sites() -> None:
    entity = _viaf_entity()
    entity["sitelinks"] = {
        "enwiki": {"site": "enwiki", "title": "Musée d'Orsay", "badges": ["Q17437796"]},
        "commonswiki": {"site": "commonswiki", "title": "Category:Musée d'Orsay", "badges": []},
        "simplewiki": {"site": "simplewiki", "title": "Orsay", "badges": []},
        "nosuchsite": {"site": "nosuchsite", "title": "X", "badges": []},
    }
    lines = _lines(rdf.wdqs_triples(entity))
    article = "<https://en.wikipedia.org/wiki/Mus%C3%A9e_d%27Orsay>"
    assert f"{article} <http://schema.org/about> <{WD}Q90> ." in lines
    assert f'{article} <http://schema.org/name> "Mus\\u00E9e d\'Orsay"@en .' in lines
    assert f"{article} <{WB}badge> <{WD}Q17437796> ." in lines
    assert f'<https://commons.wikimedia.org/> <{WB}wikiGroup> "commons" .' in lines
    assert '<https://simple.wikipedia.org/wiki/Orsay> <http://schema.org/inLanguage> "en-simple" .' in lines
    assert not any("nosuchsite" in line or "/X>" in line for line in lines)  # unknown sites are skipped


# --- property test: the fast munged path equals munge() of the full output, on random entities ---------


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_VALUES = {
    "P17": (
        "wikibase-item",
        st.integers(1, 10**6).map(lambda n: {"type": "wikibase-entityid", "value": {"id": f"Q{n}"}}),
    ),
    "P373": ("string", _TEXT.map(lambda s: {"type": "string", "value": s})),
    "P214": ("external-id", _TEXT.map(lambda s: {"type": "string", "value": s})),
    "P1448": (
        "monolingualtext",
        st.tuples(_TEXT, st.sampled_from(["en", "nl", "zh-hant", "x", "be-x-old"])).map(
            lambda t: {"type": "monolingualtext", "value": {"text": t[0], "language": t[1]}}
        ),
    ),
    "P625": (
        "globe-coordinate",
        st.tuples(st.floats(-90, 90), st.floats(-180, 180), st.sampled_from([None, 1e-05, 0.001, 1.0])).map(
            lambda t: {
                "type": "globecoordinate",
                "value": {"latitude": t[0], "longitude": t[1], "precision": t[2], "globe": WD + "Q2"},
            }
        ),
    ),
    "P571": (
        "time",
        st.tuples(st.integers(-9999, 9999), st.integers(0, 12), st.integers(0, 31), st.integers(0, 14)).map(
            lambda t: {
                "type": "time",
                "value": {
                    "time": f"{'-' if t[0] < 0 else '+'}{abs(t[0]):04d}-{t[1]:02d}-{t[2]:02d}T00:00:00Z",
                    "timezone": 0,
                    "before": 0,
                    "after": 0,
                    "precision": t[3],
                    "calendarmodel": WD + ("Q1985727" if t[0] % 2 else "Q1985786"),
                },
            }
        ),
    ),
    "P1174": (
        "quantity",
        st.tuples(st.integers(-(10**9), 10**9), st.booleans()).map(
            lambda t: {
                "type": "quantity",
                "value": {"amount": f"{t[0]:+d}", "unit": "1"}
                | ({"upperBound": f"{t[0] + 1:+d}", "lowerBound": f"{t[0] - 1:+d}"} if t[1] else {}),
            }
        ),
    ),
}


@st.composite
def _snak(draw: Any, pid: str | None = None) -> dict[str, Any]:
    pid = pid or draw(st.sampled_from(sorted(_VALUES)))
    kind = draw(st.sampled_from(["value", "value", "value", "somevalue", "novalue"]))
    if kind != "value":
        return {"snaktype": kind, "property": pid}
    datatype, values = _VALUES[pid]
    return {"snaktype": "value", "property": pid, "datatype": datatype, "datavalue": draw(values)}


@st.composite
def _entity(draw: Any) -> dict[str, Any]:
    claims: dict[str, list[dict[str, Any]]] = {}
    for n in range(draw(st.integers(0, 6))):
        main = draw(_snak())
        statement = {
            "id": f"Q7${n}-{draw(st.integers(0, 99))}",
            "rank": draw(st.sampled_from(["normal", "preferred", "deprecated"])),
            "mainsnak": main,
            "qualifiers": {},
            "references": [],
        }
        for q in draw(st.lists(_snak(), max_size=2)):
            statement["qualifiers"].setdefault(q["property"], []).append(q)
        for _ in range(draw(st.integers(0, 2))):
            ref_snaks: dict[str, list[dict[str, Any]]] = {}
            for s in draw(st.lists(_snak(), min_size=1, max_size=2)):
                ref_snaks.setdefault(s["property"], []).append(s)
            statement["references"].append({"snaks": ref_snaks})
        claims.setdefault(main["property"], []).append(statement)
    labels = {lang: {"language": lang, "value": draw(_TEXT)} for lang in draw(st.sets(st.sampled_from(["en", "nl"])))}
    entity = {"id": "Q7", "type": "item", "labels": labels, "claims": claims}
    if draw(st.booleans()):
        entity |= {"lastrevid": 5, "modified": "2024-01-02T03:04:05Z"}
    return entity


@settings(max_examples=60, deadline=None, database=None)
@given(_entity())
def test_fast_path_equals_munge_random(entity: dict[str, Any]) -> None:
    vocab = rdf.Vocabulary.glamkg()
    fast = rdf.wdqs_triples(entity)
    assert _lines(fast) == _lines(munge(rdf.entity_triples(entity), "Q7", vocab))
    text = rdf.to_ntriples(fast)
    assert {q.triple for q in ox.parse(text.encode("utf-8"), ox.RdfFormat.N_TRIPLES)} == set(fast)
