"""The N-Triples sink (kg.rdf.wdqs_ntriples, kg.rdf.conversion.convert_chunk): the bulk writes' fast path gives,
parsed, exactly the graph of the ox.Triple path (kg.rdf.wdqs_triples), on hard literals, demo entities and the
entities a load plans. The conformance cases run with this sink in tests/test_rdf_conformance.py."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from test_load import good_rows, write_csv

from kg.errors import EntityError
from kg.gaps import demo
from kg.load import load
from kg.load.mapping import Mapping
from kg.load.targets.store import StoreTarget
from kg.model.entities import Claim, Record, to_json
from kg.rdf import Vocabulary, conversion, to_ntriples, wdqs_ntriples, wdqs_triples
from kg.rdf.munge import MAX_LITERAL
from kg.store import Store

NT = ox.RdfFormat.N_TRIPLES


def parsed(data: bytes | str) -> set[ox.Triple]:
    raw = data.encode() if isinstance(data, str) else data
    return {q.triple for q in ox.parse(raw, format=NT)}


def objects(entities: list[dict[str, Any]]) -> set[ox.Triple]:
    vocab = Vocabulary.glamkg()
    return {t for e in entities for t in wdqs_triples(e, vocab=vocab)}


def chunk_graph(entities: list[dict[str, Any]]) -> set[ox.Triple]:
    own, shared = conversion.convert_chunk(entities)
    assert own is not None, shared
    return parsed(own + b"".join(shared))


HARD = [
    'a "quoted" word',
    "back\\slash and \\n not a newline",
    "line one\nline two\r\nthree\ttab",
    "bell \x07 and form feed \x0c and backspace \x08 and DEL \x7f",
    "non-BMP: \U0001f3db museum \U00010348 gothic",
    "Rijksmuseum in Amsterdam: Musée, Πινακοθήκη, 博物館, متحف",
    "ends with a backslash \\",
    "_:not_a_blank_node <not an iri> .",
]


def hard_entity() -> dict[str, Any]:
    long_text = "x" * (MAX_LITERAL - 1) + "\U0001f3db" + "y" * 10  # the cut falls inside a surrogate pair
    rec = Record(
        "Q1000000000901",
        "institution",
        labels={"en": "Museum"},
        claims=[
            Claim("instance_of", "Q33506"),
            Claim("country", "Q55"),
            Claim("inception", "1901-05-17"),
            Claim("coordinates", (52.36, 4.885)),
            Claim("website", "https://example.org/a?b=c&d=%20e"),
        ],
    )
    e = to_json(rec)
    # set in the JSON, past the model's checks (Wikibase's term length, whitespace): the converter still has to
    # write them right (entities read from files or a wiki)
    e["labels"] = {k: {"language": k, "value": v} for k, v in {"en": HARD[0], "fr": HARD[5], "nl": long_text}.items()}
    e["descriptions"] = {f"x{i}": {"language": f"x{i}", "value": v} for i, v in enumerate(HARD)}
    e["descriptions"]["de-ch"] = {"language": "de-ch", "value": HARD[1]}
    e["descriptions"]["zh-classical"] = {"language": "zh-classical", "value": HARD[2]}  # no RDF 1.1 tag: plain
    e["aliases"] = {"en": [{"language": "en", "value": v} for v in HARD]}
    return e


def test_hard_literals_parse_back_to_the_same_graph() -> None:
    e = hard_entity()
    text = to_ntriples(wdqs_ntriples(e, vocab=Vocabulary.glamkg()))
    got = parsed(text)
    assert got == objects([e])
    literals = {t.object for t in got if isinstance(t.object, ox.Literal)}
    for value in HARD:
        assert any(lit.value == value for lit in literals), value
    assert any(lit.value == HARD[2] and lit.language is None for lit in literals)  # zh-classical: plain
    assert any(lit.language == "de-ch" for lit in literals)
    longest = max((lit.value for lit in literals), key=len)
    assert len(longest.encode("utf-16-le")) // 2 <= MAX_LITERAL < len(e["labels"]["nl"]["value"])
    datatypes = {lit.datatype.value for lit in literals}
    assert {"http://www.w3.org/2001/XMLSchema#dateTime", "http://www.opengis.net/ont/geosparql#wktLiteral"} <= datatypes
    assert "\U0001f3db" in text or "\\U0001F3DB" in text  # non-BMP as one code point, never a surrogate pair
    assert "\\uD83C" not in text.upper()


def test_convert_chunk_of_hard_entities_is_the_ox_graph() -> None:
    ents = [hard_entity()]
    assert chunk_graph(ents) == objects(ents)


def test_demo_entities_convert_to_the_ox_graph() -> None:
    ents = list(itertools.islice(demo.generate(400, 1), 700))
    assert len(ents) == 700
    assert chunk_graph(ents) == objects(ents)
    # worker processes, chunked: the same graph, each line once
    data = conversion.new_entities_ntriples(ents, workers=2, chunk=150)
    assert data is not None
    assert len(data.splitlines()) == len(set(data.splitlines()))
    assert parsed(data) == objects(ents)


def test_load_plan_entities_convert_to_the_ox_graph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, Any]] = []
    real = conversion.ntriples_parts

    def capture(entities, **kw):  # type: ignore[no-untyped-def]
        seen.extend(entities)
        return real(entities, **kw)

    monkeypatch.setattr(conversion, "ntriples_parts", capture)
    src = write_csv(tmp_path / "musea.csv", good_rows(60))
    with Store.open(tmp_path / "s") as st:
        t = StoreTarget(st, workers=2)
        rep = load(src, Mapping.default("institution"), t, index=t.index(), exists=t.exists).report
        assert rep is not None and len(rep.created) == 60
        assert len(seen) == 60
        assert chunk_graph(seen) == objects(seen)
        stored = {q.triple for q in st.inner.quads_for_pattern(None, None, None, ox.DefaultGraph())}
        assert objects(seen) <= stored


def test_a_bad_value_fails_the_same_way_in_both_sinks() -> None:
    e = to_json(Record("Q1000000000902", "institution", labels={"en": "M"}, claims=[Claim("website", "https://x/")]))
    e["claims"]["P856"][0]["mainsnak"]["datavalue"]["value"] = "not an iri"
    with pytest.raises(EntityError) as ox_err:
        wdqs_triples(e)
    with pytest.raises(EntityError) as nt_err:
        wdqs_ntriples(e)
    assert str(nt_err.value) == str(ox_err.value) and "valid IRI" in str(nt_err.value)
    own, (eid, message) = conversion.convert_chunk([e])
    assert own is None and eid == e["id"] and "valid IRI" in message


def test_entities_ntriples_keeps_each_entitys_triples_apart() -> None:
    ents = [*itertools.islice(demo.generate(50, 1), 60), hard_entity()]
    data, counts = conversion.entities_ntriples(ents)
    vocab = Vocabulary.glamkg()
    assert counts == [len(wdqs_triples(e, vocab=vocab)) for e in ents]
    lines = data.splitlines(keepends=True)
    assert len(lines) == sum(counts)
    start = 0
    for e, n in zip(ents, counts, strict=True):
        assert parsed(b"".join(lines[start : start + n])) == set(wdqs_triples(e, vocab=vocab)), e["id"]
        start += n


@pytest.mark.parametrize("ref_hash", ['x> .\n<http://ex.org/injected> <http://ex.org/p> "pwned" . #', "ABC", 7])
def test_a_reference_hash_that_is_not_wikibase_s_is_refused_by_both_sinks(ref_hash: object) -> None:
    """A reference's hash from entity JSON goes into an IRI: one that could end the IRI (and add triples to the
    N-Triples text, which the pyoxigraph sink refused) is an error naming the property, in both sinks."""
    entity = {"id": "Q1", "type": "item", "claims": {"P1": [{
        "id": "Q1$A", "type": "statement", "rank": "normal",
        "mainsnak": {"snaktype": "value", "property": "P1", "datatype": "string",
                     "datavalue": {"value": "v", "type": "string"}},
        "references": [{"hash": ref_hash, "snaks": {}}]}]}}
    triples, refused = conversion.convert_chunk([entity])  # a worker returns the entity it refuses, and why
    assert triples is None and refused is not None and refused[0] == "Q1"
    assert "P1" in refused[1] and "reference hash of 40 hexadecimal digits" in refused[1]
    with pytest.raises(EntityError, match=r"P1.*reference hash of 40 hexadecimal digits"):
        conversion.store_triples(entity)
    entity["claims"]["P1"][0]["references"][0]["hash"] = "a" * 40  # type: ignore[index]
    own, shared = conversion.convert_chunk([entity])
    assert isinstance(own, bytes) and isinstance(shared, list)
    assert b"reference/" + b"a" * 40 in own + b"".join(shared)


@pytest.mark.parametrize("url", ["http://ex.org/%zz", "http://ex.org/a#b#c"])
def test_a_url_the_conversion_refuses_is_a_located_problem_of_the_dry_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    """The sheet's check refuses what the RDF conversion would: the dry run said "rejected rows 0" and the real
    load then failed naming an id the volunteer never saw, not the row and column."""
    from kg.cli import main

    rows = good_rows(3)
    rows[1][7] = url  # the website column of data row 2, sheet row 3
    sheet = write_csv(tmp_path / "musea.csv", rows[:3])
    store = str(tmp_path / "s")
    for extra in (["--dry-run"], []):
        assert main(["load", str(sheet), "--kind", "institution", "--store", store, *extra]) == 2
        said = capsys.readouterr().err
        assert "musea.csv: row 3, column 'website'" in said and "valid IRI" in said and repr(url) in said, said
    assert not Path(store).exists() or Store(store).count() == 0  # nothing was written
