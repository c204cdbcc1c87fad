"""Every case of ../shared/conformance/wikibase-rdf/MANIFEST.md, triple for triple, blank-node labels included.

Expected output of a case = the set union of its .nt files (lines trimmed); our output, written with
kg.rdf.to_ntriples, is compared as a set of lines (as Wikibase's NTriplesRdfTestHelper does with
setAllBlanksEqual(false)). The cases are data below, transcribed from the MANIFEST tables.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from kg import rdf
from kg.model.sites import Site

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CONF = SHARED / "conformance" / "wikibase-rdf"
ALL = rdf.FLAVOR_ALL
REV = (42, "2013-10-04T03:31:05Z")
DUMP_REV = (12, "19700112134640")
FULL_DUMP = 1 | 2 | 4 | 8 | 16 | 64 | 512 | 1024
TRUTHY_DUMP = 1
# testAddEntity: flags ALL, no resolveMentionedEntities and no page props (none configured anyway).


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    inputs: tuple[str, ...]
    flags: int
    expected: tuple[str, ...]
    options: Mapping[str, Any] = field(default_factory=dict)


def rb(*names: str) -> tuple[str, ...]:
    return tuple(f"RdfBuilder/{n}.nt" for n in names)


CASES = [
    # RdfBuilderTest::testAddEntity (flags ALL)
    Case("A1", "entity", ("Q1",), ALL, rb("Q1_info")),
    Case("A2", "entity", ("Q2",), ALL, rb("Q2_meta", "Q2_version", "Q2_stub", "Q2_aliases")),
    Case("A3", "entity", ("Q3",), ALL, rb("Q3_meta", "Q3_version", "Q3_sitelinks")),
    Case("A4", "entity", ("Q4",), ALL, rb("Q4_meta", "Q4_version", "Q4_statements", "Q4_direct", "Q4_values")),
    Case("A5", "entity", ("Q5",), ALL, rb("Q5_badges")),
    Case(
        "A6",
        "entity",
        ("Q6",),
        ALL,
        rb("Q6_meta", "Q6_version", "Q6_statements", "Q6_qualifiers", "Q6_values", "Q6_referenced"),
    ),
    Case(
        "A7",
        "entity",
        ("Q7",),
        ALL,
        rb("Q7_meta", "Q7_version", "Q7_statements", "Q7_reference_refs", "Q7_references", "Q7_values"),
    ),
    Case("A8", "entity", ("Q8",), ALL, rb("Q8_baddates")),
    # RdfBuilderTest::testRdfOptions (then resolveMentionedEntities against the mock repository)
    Case("O1", "entity", ("Q4",), 2, rb("Q4_meta", "Q4_statements"), {"resolve": True}),
    Case("O2", "entity", ("Q4",), 1, rb("Q4_meta", "Q4_direct"), {"resolve": True}),
    Case("O3", "entity", ("Q6",), 2, rb("Q6_meta", "Q6_statements"), {"resolve": True}),
    Case("O4", "entity", ("Q6",), 2 | 4, rb("Q6_meta", "Q6_statements", "Q6_qualifiers"), {"resolve": True}),
    Case("O5", "entity", ("Q7",), 2, rb("Q7_meta", "Q7_statements"), {"resolve": True}),
    Case(
        "O6",
        "entity",
        ("Q7",),
        2 | 8,
        rb("Q7_meta", "Q7_statements", "Q7_reference_refs", "Q7_references"),
        {"resolve": True},
    ),
    Case("O7", "entity", ("Q3",), 16, rb("Q3_meta", "Q3_sitelinks"), {"resolve": True}),
    Case("O8", "entity", ("Q4",), 2 | 32, rb("Q4_meta", "Q4_statements", "Q4_props"), {"resolve": True}),
    Case("O9", "entity", ("Q4",), 2 | 64, rb("Q4_meta", "Q4_values", "Q4_statements"), {"resolve": True}),
    Case("O10", "entity", ("Q1",), 128, rb("Q1_info"), {"resolve": True}),
    Case("O11", "entity", ("Q4",), 1 | 256, rb("Q4_meta", "Q4_direct", "Q4_referenced"), {"resolve": True}),
    Case("O12", "entity", ("Q10",), 1 | 256, rb("Q10_redirect"), {"resolve": True}),
    # Other RdfBuilderTest cases
    Case("B1", "dump_header", (), 128, rb("dumpheader"), {"timestamp": 1426110695}),
    Case("B2", "dedupe", ("Q7", "Q9"), ALL, rb("Q7_Q9_dedup")),
    Case(
        "B3",
        "stub",
        ("Q2",),
        1 | 2 | 4 | 8 | 16 | 64 | 128,
        rb("Q2_stub_request_languages"),
        {"languages": ("de", "en")},
    ),
    Case(
        "B4",
        "entity",
        ("Q2", "Q3"),
        ALL,
        rb("Q2_meta", "Q2_version", "Q2_stub", "Q2_aliases", "Q3_meta", "Q3_version", "Q3_sitelinks"),
    ),
    Case("B5", "redirect", ("Q11", "Q1"), 0, ("inline/Q11_redirect_to_Q1.nt",)),
    Case("B6", "page_props", ("Q9",), ALL, rb("prop1"), {"props": {"claims": ("rdf-claims", None)}}),
    Case(
        "B7",
        "page_props",
        ("Q9",),
        ALL,
        rb("prop2"),
        {"props": {"claims": ("rdf-claims", None), "sitelinks": ("rdf-sitelinks", None)}},
    ),
    Case(
        "B8",
        "page_props",
        ("Q9",),
        ALL,
        rb("prop3"),
        {"props": {"Xclaims": ("rdf-claims", None), "sitelinks": ("rdf-sitelinks", None)}},
    ),
    Case(
        "B9",
        "page_props",
        ("Q9",),
        ALL,
        rb("prop4"),
        {"props": {"claims": ("rdf-claims", "integer"), "sitelinks": ("rdf-sitelinks", "float")}},
    ),
    # RdfDumpGeneratorTest
    Case("D1", "dump", (), FULL_DUMP, ("RdfDumpGenerator/full-dump-empty.nt",)),
    Case("D2", "dump", ("P10", "Q30", "Q40"), FULL_DUMP, ("RdfDumpGenerator/full-dump-entities.nt",)),
    Case("D3", "dump", ("P10", "Q4242>Q42"), FULL_DUMP, ("RdfDumpGenerator/full-dump-redirect.nt",)),
    Case("D4", "dump", (), TRUTHY_DUMP, ("RdfDumpGenerator/truthy-dump-empty.nt",)),
    Case("D5", "dump", ("P10", "Q30", "Q40"), TRUTHY_DUMP, ("RdfDumpGenerator/truthy-dump-entities.nt",)),
    Case("D6", "dump", ("P10", "Q4242>Q42"), TRUTHY_DUMP, ("RdfDumpGenerator/truthy-dump-redirect.nt",)),
    Case("D7", "dump", ("Q7", "Q9"), FULL_DUMP, ("RdfDumpGenerator/refs_no_prefixed_ids.nt",), {"env": "rdfbuilder"}),
    # Builder-level cases
    Case("P1", "property_components", ("P2",), ALL, ("PropertyRdfBuilder/P2_all.nt",)),
    Case("P2", "property_stub", ("P2",), ALL, ("PropertyRdfBuilder/P2_terms.nt",), {"languages": ("en", "de")}),
    Case("T1", "terms", ("Q2",), ALL, ("TermsRdfBuilder/Q2_terms.nt",)),
    Case("T2", "terms", ("Q2",), ALL, ("TermsRdfBuilder/Q2_terms_ru.nt",), {"languages": ("ru",)}),
    Case("T3", "terms", ("Q2",), ALL, ("TermsRdfBuilder/Q2_terms_labels.nt",), {"only": "labels"}),
    Case(
        "T4",
        "terms",
        ("Q2",),
        ALL,
        ("TermsRdfBuilder/Q2_terms_labels_ru.nt",),
        {"only": "labels", "languages": ("ru",)},
    ),
    Case("T5", "terms", ("Q2",), ALL, ("TermsRdfBuilder/Q2_terms_descriptions.nt",), {"only": "descriptions"}),
    Case(
        "T6",
        "terms",
        ("Q2",),
        ALL,
        ("TermsRdfBuilder/Q2_terms_descriptions_ru.nt",),
        {"only": "descriptions", "languages": ("ru",)},
    ),
    Case("T7", "terms", ("Q2",), ALL, ("TermsRdfBuilder/Q2_terms_aliases.nt",), {"only": "aliases"}),
    Case(
        "T8",
        "terms",
        ("Q2",),
        ALL,
        ("TermsRdfBuilder/Q2_terms_aliases_ru.nt",),
        {"only": "aliases", "languages": ("ru",)},
    ),
    Case("T9", "item_stub", ("Q2",), ALL, ("TermsRdfBuilder/Q2_terms_stubs.nt",), {"languages": ("en", "ru")}),
    Case("T10", "item_stub", ("Q2",), ALL, ("TermsRdfBuilder/Q2_terms_stubs_ru.nt",), {"languages": ("ru",)}),
    Case("S1", "sitelinks", ("Q3",), ALL, ("SiteLinksRdfBuilder/Q3_sitelinks.nt",)),
    Case("S2", "sitelinks", ("Q3",), ALL, ("SiteLinksRdfBuilder/Q3_sitelinks_ruwiki.nt",), {"sites": ("ruwiki",)}),
]


def test_manifest_case_count() -> None:
    assert len(CASES) == 50
    assert len({c.id for c in CASES}) == 50


# --- environment, from the env/*.json files ---------------------------------------------------------


def _env_file(name: str) -> dict[str, Any]:
    return json.loads((CONF / "env" / f"{name}-env.json").read_text(encoding="utf-8"))


def _datatypes(env: Mapping[str, Any]) -> dict[str, str]:
    return {k: v for k, v in env["property_datatypes"].items() if k.startswith("P")}


def _environment(env: Mapping[str, Any], *, page_props: Mapping[str, Any] | None = None) -> rdf.Environment:
    sites = {sid: Site(sid, s["link_path"], s["language"], s["group"]) for sid, s in env["sites"].items()}
    return rdf.Environment(
        sites=sites.get,
        canonical_language_codes=env["canonical_language_codes"],
        entity_source_name=env["entity_source_name"],
        page_props=page_props or {},
    )


def _entity(name: str) -> dict[str, Any]:
    for folder in ("entities", "entities-reconstructed"):
        path = CONF / folder / f"{name}.json"
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
    raise FileNotFoundError(name)


def _mock_lookup(eid: str) -> Mapping[str, Any] | None:
    """The mock repository of RdfBuilderTest (env/rdfbuilder-env.json mock_term_lookup/mock_entity_revisions)."""
    if eid == "Q42":
        return {"id": "Q42", "type": "item", "labels": {"en": {"language": "en", "value": "Item42"}}}
    if eid == "Q4242":
        return {"redirect": "Q42"}
    if eid.startswith("P") and 2 <= int(eid[1:]) <= 11:
        return {"id": eid, "type": "property", "labels": {"en": {"language": "en", "value": f"Property{eid[1:]}"}}}
    return None


def _builder(case: Case, env_name: str = "rdfbuilder", **kw: Any) -> rdf.RdfBuilder:
    env = _env_file(env_name)
    vocab = rdf.Vocabulary(env["concept_base_uri"], env["data_base_uri"])
    return rdf.RdfBuilder(
        case.flags, vocab=vocab, datatypes=kw.pop("datatypes", _datatypes(env)), env=_environment(env, **kw)
    )


# --- runners, one per kind of upstream test ---------------------------------------------------------


def _run_entity(case: Case) -> list[ox.Triple]:
    b = _builder(case)
    for name in case.inputs:
        b.add_entity(_entity(name), revision=REV[0], timestamp=REV[1])
    if case.options.get("resolve"):
        b.resolve_mentioned(_mock_lookup)
    return b.triples


def _run_dedupe(case: Case) -> list[ox.Triple]:
    bag: set[Any] = set()
    out: list[ox.Triple] = []
    for name in case.inputs:
        b = _builder(case)
        b.seen = bag
        b.add_entity(_entity(name))
        out += b.triples
    return out


def _run_dump(case: Case) -> list[ox.Triple]:
    dump_env = _env_file("dumpgenerator")
    if case.options.get("env") == "rdfbuilder":
        datatypes = _datatypes(_env_file("rdfbuilder"))
    else:
        datatypes = {k: v for k, v in dump_env["property_datatypes"].items() if k.startswith("P")}
    b = _builder(case, "dumpgenerator", datatypes=datatypes)
    b.add_dump_header(dump_env["dump_timestamp_unix"])
    for name in case.inputs:
        if ">" in name:
            src, dst = name.split(">")
            b.add_redirect(src, dst)
        else:
            b.add_entity(_entity(name), revision=DUMP_REV[0], timestamp=DUMP_REV[1])
    return b.triples


def _run_simple(case: Case) -> list[ox.Triple]:
    o = case.options
    b = _builder(case, page_props=o.get("props"))
    if case.kind == "dump_header":
        b.add_dump_header(o["timestamp"])
    elif case.kind == "stub":
        b.add_entity_stub(_entity(case.inputs[0]), o["languages"])
    elif case.kind == "redirect":
        b.add_redirect(*case.inputs)
    elif case.kind == "page_props":
        # The test's EntityContent mock: page props claims="testclaims", sitelinks="testsitelinks".
        b.add_page_props(case.inputs[0], {"claims": "testclaims", "sitelinks": "testsitelinks"})
    elif case.kind == "property_components":
        b.add_property_components(
            "P2", _env_file("rdfbuilder")["property_datatypes_for_PropertyRdfBuilder_P2_all"]["P2"]
        )
    elif case.kind == "property_stub":
        b.datatypes = {"P2": "string"}
        b.add_entity_stub(_entity("P2"), o["languages"], with_type=False)
    elif case.kind == "terms":
        only = o.get("only")
        kinds = {k: only in (None, k) for k in ("labels", "descriptions", "aliases")}
        b.add_terms(_entity(case.inputs[0]), o.get("languages"), **kinds)
    elif case.kind == "item_stub":
        b.add_terms(_entity(case.inputs[0]), o["languages"], aliases=False)
    elif case.kind == "sitelinks":
        b.add_sitelinks(_entity(case.inputs[0]), o.get("sites"))
    else:
        raise AssertionError(case.kind)
    return b.triples


RUNNERS: dict[str, Callable[[Case], list[ox.Triple]]] = {
    "entity": _run_entity,
    "dedupe": _run_dedupe,
    "dump": _run_dump,
}


def _expected(case: Case) -> set[str]:
    lines: set[str] = set()
    for rel in case.expected:
        for line in (CONF / "expected" / rel).read_text(encoding="utf-8").splitlines():
            if line.strip():
                lines.add(line.strip())
    return lines


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_conformance_case(case: Case) -> None:
    if not CONF.is_dir():
        pytest.skip(f"conformance set not found at {CONF} (it lives in ../shared/, outside the repo)")
    triples = RUNNERS.get(case.kind, _run_simple)(case)
    text = rdf.to_ntriples(triples)
    got = {line for line in text.splitlines() if line}
    expected = _expected(case)
    missing, extra = sorted(expected - got), sorted(got - expected)
    assert not missing and not extra, f"{case.id}: missing {missing[:5]}, extra {extra[:5]}"
    # The text parses back to the very same triples (escaping is valid N-Triples).
    assert {q.triple for q in ox.parse(text.encode("utf-8"), ox.RdfFormat.N_TRIPLES)} == set(triples)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_conformance_case_with_the_ntriples_sink(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same builder writing N-Triples text (the bulk writes' fast path) gives Wikibase's lines exactly,
    and exactly the lines of the pyoxigraph path."""
    if not CONF.is_dir():
        pytest.skip(f"conformance set not found at {CONF} (it lives in ../shared/, outside the repo)")
    run = RUNNERS.get(case.kind, _run_simple)
    objects = rdf.to_ntriples(run(case))
    real = rdf.RdfBuilder
    monkeypatch.setattr(rdf, "RdfBuilder", lambda *a, **kw: real(*a, ntriples=True, **kw))
    triples = run(case)
    assert triples and all(type(t) is tuple and all(type(x) is str for x in t) for t in triples)
    text = rdf.to_ntriples(triples)
    got = {line for line in text.splitlines() if line}
    expected = _expected(case)
    missing, extra = sorted(expected - got), sorted(got - expected)
    assert not missing and not extra, f"{case.id}: missing {missing[:5]}, extra {extra[:5]}"
    assert text == objects  # the same lines in the same order as the ox.Triple path
