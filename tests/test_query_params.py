"""Parameters are validated and bound (never pasted); updates are refused; saved files are well formed and use
only ids of schemas/model.yaml."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyoxigraph as ox
import pytest
import query_fixture_data as fx

from kg import query
from kg.errors import InputError
from kg.model.schema import model

QUERY_DIR = Path(__file__).resolve().parents[1] / "queries"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return fx.store()


# one injection attempt per parameter type, through a saved query that has it where possible
INJECTIONS = [
    ("institutions_per_type", "country", 'NL" } UNION { ?item ?p ?o } #', r"country \(country\): expected an ISO"),
    ("institutions_per_type", "country", "ZZ", r"unknown code"),
    ("institutions_per_region", "region", "Europe } ?x ?y ?z {", r"parameter region \(region\): expected a UN M49"),
    ("partnerships_of_institution", "item", "Q1> } UNION { ?s ?p ?o", r"item \(item\): expected an entity id"),
    ("partnerships_of_institution", "item", "P31", r"expected an entity id Q<number>"),
    ("partnerships_per_year", "from_year", "2000) || true || (1", r"parameter from_year \(year\): expected a year"),
    ("institutions_per_country", "lang", 'en") || true || ("', r"lang \(language\): expected a language code"),
    ("institutions_per_country", "lang", "EN", r"lower case"),
    ("quality_institutions_missing_isil", "limit", "10 } UNION { ?s ?p ?o }", r"limit \(limit\): expected a row count"),
    ("quality_institutions_missing_isil", "limit", "0", r"expected a row count from 1 to"),
    ("quality_institutions_missing_isil", "limit", "-5", r"expected a row count"),
]


@pytest.mark.parametrize(("name", "param", "value", "message"), INJECTIONS)
def test_injection_refused(store: ox.Store, name: str, param: str, value: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        query.run(name, params={param: value}, store=store)
    # remote binding validates the same way, before anything is sent
    with pytest.raises(InputError, match=message):
        query.run(name, params={param: value}, endpoint="http://127.0.0.1:9/sparql")


HEADER = "# title: t\n# description: d\n# param: {decl}\n# view: table\n"


def test_integer_and_string_injection_is_bound_as_a_literal(store: ox.Store) -> None:
    text = (
        HEADER.format(decl="needle string")
        + "# param: n integer = 1\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT DISTINCT ?item WHERE { ?item rdfs:label ?l . FILTER(STR(?l) = ?needle && ?n = 1) }"
    )
    q = query.parse(text, name="adhoc_probe")
    assert query.run(q, params={"needle": "Rijksmuseum"}, store=store)["item"].tolist() == ["Q190804"]
    evil = 'x") || true || ("'
    assert query.run(q, params={"needle": evil}, store=store).empty  # one literal, no extra rows
    evil2 = 'Rijksmuseum" } UNION { ?item ?p ?o } #'
    assert query.run(q, params={"needle": evil2}, store=store).empty
    with pytest.raises(InputError, match=r"parameter n \(integer\): expected an integer"):
        query.run(q, params={"n": "1) || (true"}, store=store)
    with pytest.raises(InputError, match=r"without control characters"):
        query.run(q, params={"needle": "a\nb"}, store=store)
    # the VALUES block for remote endpoints carries the escaped literal
    bound = query.bind_values(q, {"needle": evil2})
    text2 = query.with_values_block(q.text, bound)
    assert 'VALUES ?needle { "Rijksmuseum\\" } UNION { ?item ?p ?o } #" }' in text2
    assert query.run(text2, store=store).empty


def test_countries_and_region_lists_are_bound_as_values(store: ox.Store) -> None:
    text = (
        HEADER.format(decl="country countries -- a list")
        + "PREFIX wdt: <http://www.wikidata.org/prop/direct/>\n"
        "SELECT ?item WHERE { ?item wdt:P17 ?country ; wdt:P571 ?d } ORDER BY ?item"
    )
    q = query.parse(text, name="adhoc_countries")
    assert query.run(q, params={"country": "BE, FR"}, store=store)["item"].tolist() == ["Q100001", "Q100002"]
    for evil, message in [
        ('NL" } UNION { ?item ?p ?o } #', r"parameter country \(countries\): expected an ISO 3166-1 alpha-2"),
        ("NL,BE> } UNION { ?s ?p ?o", r"expected an ISO 3166-1 alpha-2 country code like NL, found 'BE> \} UNION"),
        ("NL,ZZ", r"unknown code"),
        (" , ", r"found nothing"),
    ]:
        with pytest.raises(InputError, match=message):
            query.run(q, params={"country": evil}, store=store)
        with pytest.raises(InputError, match=message):
            query.run(q, params={"country": evil}, endpoint="http://127.0.0.1:9/sparql")


def test_limit_is_written_from_the_validated_integer() -> None:
    q = query.get("quality_institutions_missing_isil")
    assert q.param("limit").default == "1000" and "LIMIT 1000" in q.text
    assert query.with_limit(q.text, q, {"limit": "25"}).rstrip().endswith("LIMIT 25")
    assert "LIMIT" not in query.with_limit(q.text, q, {"limit": "all"}).split("ORDER BY")[1]
    assert query.with_limit(q.text, q, {"limit": "007"}).rstrip().endswith("LIMIT 7")


def test_bound_text_for_remote_endpoints_and_links() -> None:
    q = query.get("quality_institutions_missing_isil")
    text = query.bound_text(q, {"country": "NL", "limit": "20"})
    assert "VALUES ?country { <http://www.wikidata.org/entity/Q55> }" in text and text.rstrip().endswith("LIMIT 20")
    with pytest.raises(InputError, match=r"limit \(limit\)"):
        query.bound_text(q, {"limit": "20; DROP ALL"})


def test_values_are_repeated_in_the_optionals_whose_filters_use_them() -> None:
    """Virtuoso evaluates a FILTER inside an OPTIONAL without the variables bound outside it (SPARQL gives it
    both sides): the label language and the institution go inside those OPTIONALs too, and only there."""
    text = query.bound_text(query.get("partnerships_of_institution"), {"lang": "nl"})
    item, lang = "VALUES ?item { <http://www.wikidata.org/entity/Q190804> }", 'VALUES ?lang { "nl" }'
    assert "OPTIONAL { " + item + "  ?partnership wdt:P710 ?partner . FILTER(?partner != ?item) }" in text
    assert "OPTIONAL { " + lang + "  ?partnership rdfs:label ?partnershipLabel ." in text
    assert "OPTIONAL { ?partnership wdt:P580 ?start . }" in text  # no FILTER: nothing added
    assert text.count(item) == 2 and text.count(lang) == 2
    assert text.count("\n") == query.get("partnerships_of_institution").text.count("\n")  # lines kept
    nested = (
        "SELECT ?x ?l WHERE { ?x ?p ?o OPTIONAL { { ?x ?q ?l FILTER(LANG(?l) = ?lang) } } "
        "OPTIONAL { ?x ?r ?m OPTIONAL { ?m ?s ?l FILTER(LANG(?l) = ?lang) } } "
        "{ SELECT ?x WHERE { ?x ?p ?o OPTIONAL { ?x ?q ?l FILTER(LANG(?l) = ?lang) } } } "
        "OPTIONAL { ?x ?q ?l FILTER NOT EXISTS { ?x ?t ?lang } } }"
    )
    bound = query.with_values_block(nested, {"lang": [ox.Literal("nl")]})
    # a nested group's FILTER, an OPTIONAL inside an OPTIONAL: they do not see the top VALUES in SPARQL, so they
    # do not get it; an EXISTS in an OPTIONAL's own FILTER does; a sub-select that uses the variable gets it (a
    # parameter binds its variable everywhere: see the next test)
    assert bound.count('VALUES ?lang { "nl" }') == 3
    assert 'OPTIONAL { VALUES ?lang { "nl" }  ?x ?q ?l FILTER NOT EXISTS' in bound
    assert '{ SELECT ?x WHERE { VALUES ?lang { "nl" }  ?x ?p ?o' in bound


def test_a_parameter_binds_its_variable_inside_sub_selects(store: ox.Store) -> None:
    """institutions_per_type counts inside a sub-select that does not project ?country: the country parameter
    must reach it there (SPARQL scopes a sub-select's variables to it), or every country would be counted."""
    saved = query.get("institutions_per_type")
    classes = re.search(r"VALUES \?type \{([^}]*)\}", saved.text)
    assert classes is not None
    prologue = saved.text[: saved.text.index("SELECT")]
    naive = (  # the plain shape, with the country written in: what the parameter must mean
        prologue + "SELECT ?type (COUNT(DISTINCT ?item) AS ?institutions) WHERE { VALUES ?type {"
        + classes.group(1) + "} ?item wdt:P31 ?type ; wdt:P17 wd:Q55 . } GROUP BY ?type"
    )
    expected = {str(r["type"].value): int(r["institutions"].value) for r in store.query(naive)}
    one = query.run(saved, params={"country": "NL"}, store=store)
    everywhere = query.run(saved, store=store)
    got = {str(t).rsplit("/", 1)[-1]: int(n) for t, n in zip(one["type"], one["institutions"], strict=True)}
    assert expected and sum(expected.values()) < int(everywhere["institutions"].sum())
    assert got == {k.rsplit("/", 1)[-1]: v for k, v in expected.items()}


def test_values_in_optionals_leave_the_answer_as_it_was(store: ox.Store) -> None:
    """On an engine that follows SPARQL (the store) the repeated values change nothing: each saved query whose
    OPTIONALs get them, with each label language, gives the answer of the store's own run (which has no repeats)."""
    seen = 0
    for q in query.catalog():
        for lang in ("en", "nl", "fr"):
            params = {"lang": lang} if any(p.name == "lang" for p in q.params) else {}
            text = query.bound_text(q, params)
            if "OPTIONAL { VALUES" not in text:
                continue
            seen += 1
            by_hand, run = query.wdqs.run_local(store, text), query.run(q, params=params, store=store)
            if not query.is_ordered(text):  # an unordered answer may come in another order from another plan
                by_hand, run = (df.sort_values(list(df.columns), key=lambda c: c.astype(str), ignore_index=True)
                                for df in (by_hand, run))
            pd.testing.assert_frame_equal(by_hand, run, obj=f"{q.name} {lang}")
    assert seen >= 30
    nl = query.run("institutions_per_country", params={"lang": "nl"}, store=store)
    assert "Nederland" in set(nl["countryLabel"]) and "Nigeria" not in set(nl["countryLabel"])
    rijks = query.run("partnerships_of_institution", store=store)
    assert sorted(rijks["other_participants"]) == [1, 2]  # P101: WMNL; P104: Stadsarchief and WMNL


def test_limit_parameter_needs_a_limit_clause(tmp_path: Path) -> None:
    bad = tmp_path / "x_y.rq"
    bad.write_text(HEADER.format(decl="limit limit = 10") + "SELECT * { { SELECT * {} LIMIT 5 } }", encoding="utf-8")
    with pytest.raises(InputError, match=r"x_y.rq, line 3: parameter limit has type limit, but the query has no"):
        query.load(bad)


def test_unknown_parameter_and_bad_syntax() -> None:
    with pytest.raises(InputError, match=r"unknown parameter 'cuntry'; its parameters: country, lang"):
        query.run("institutions_per_type", params={"cuntry": "NL"}, store=ox.Store())


@pytest.mark.parametrize(
    "text",
    [
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "PREFIX x: <http://x/>\n# SELECT in a comment\nDELETE WHERE { ?s ?p ?o }",
        "LOAD <http://example.org/data.ttl>",
        "DROP ALL",
        "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "CLEAR DEFAULT",
    ],
)
def test_updates_refused(text: str) -> None:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://a"), ox.NamedNode("http://b"), ox.NamedNode("http://c")))
    with pytest.raises(InputError, match=r"SPARQL update; glamkg runs read queries only"):
        query.run(text, store=store)
    with pytest.raises(InputError, match=r"read queries only"):
        query.run(text, endpoint="http://127.0.0.1:9/sparql")
    assert len(store) == 1


def test_read_forms() -> None:
    assert query.query_form("PREFIX a: <http://a/> # INSERT\nASK { ?s ?p ?o }") == "ASK"
    assert query.query_form("DESCRIBE <http://a>") == "DESCRIBE"
    assert query.query_form('SELECT * WHERE { ?s ?p "INSERT" }') == "SELECT"
    with pytest.raises(InputError, match="expected SELECT, ASK"):
        query.query_form("hello")


def test_header_errors(tmp_path: Path) -> None:
    bad = tmp_path / "x_y.rq"
    bad.write_text(HEADER.format(decl="country nation") + "SELECT * {}", encoding="utf-8")
    with pytest.raises(InputError, match=r"x_y.rq, line 3: unknown parameter type 'nation'"):
        query.load(bad)
    bad.write_text(HEADER.format(decl="year year = soon") + "SELECT * {}", encoding="utf-8")
    with pytest.raises(InputError, match=r"expected a year like 2021, found 'soon'"):
        query.load(bad)
    bad.write_text("# title: t\nSELECT * {}", encoding="utf-8")
    with pytest.raises(InputError, match=r"no '# description:' line"):
        query.load(bad)


def test_catalog_headers_complete() -> None:
    saved = query.catalog()
    assert len(saved) >= 15
    for q in saved:
        assert re.fullmatch(r"[a-z]+_[a-z0-9_]+", q.name)
        assert q.title and q.description and q.view in query.VIEWS
        assert q.form == "SELECT"
        text = q.text
        # explicit PREFIX lines for every prefix used (the file runs unchanged on WDQS and elsewhere)
        declared = set(re.findall(r"^PREFIX\s+(\w*):", text, re.M))
        body = "\n".join(line for line in text.splitlines() if not line.startswith(("#", "PREFIX")))
        used = set(re.findall(r"(?<![\w?$<])([a-z]\w*):[A-Za-z]", re.sub(r'"[^"]*"', "", body)))
        assert used <= declared, f"{q.name}: undeclared prefixes {used - declared}"
        # no Blazegraph-only syntax in saved queries
        assert "SERVICE" not in body.upper() and "hint:" not in body
        link = q.wdqs_link()
        assert link.startswith("https://query.wikidata.org/#") and " " not in link


# ids the saved queries may use besides schemas/model.yaml: none so far (documented here when needed)
ALLOWED_EXTRA_IDS: dict[str, str] = {}


def test_saved_query_ids_match_the_schema() -> None:
    m = model()
    known = {p.id for p in m.properties.values()} | {c.id for c in m.classes.values()} | {
        v.id for v in m.values.values()
    }
    for path in sorted(QUERY_DIR.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        used = set(re.findall(r"\b(?:wd|wdt|p|ps|pq|pr|psv|pqv|glamkg):([PQ][1-9][0-9]*)\b", body))
        unknown = used - known - set(ALLOWED_EXTRA_IDS)
        assert not unknown, f"{path.name}: ids not in schemas/model.yaml: {sorted(unknown)}"
        for param_default in re.findall(r"^# param: \S+ item = (Q[0-9]+)", text, re.M):
            assert re.fullmatch(r"Q[1-9][0-9]*", param_default)


def test_wdqs_link_roundtrip() -> None:
    from urllib.parse import unquote

    q = query.get("institutions_per_country")
    assert unquote(q.wdqs_link().split("#", 1)[1]) == q.text


def test_defaults_give_the_same_rows_as_explicit_values(store: ox.Store) -> None:
    a = query.run("partnerships_active_in_year", store=store)
    b = query.run("partnerships_active_in_year", params={"year": "2020", "lang": "en"}, store=store)
    pd.testing.assert_frame_equal(a, b)


def test_local_base_follows_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    q = query.get("partnerships_per_type")
    monkeypatch.setenv("GLAMKG_CONCEPT_BASE", "https://example.org/entity/")
    text = query.with_local_base(q.text)
    assert "PREFIX glamkg: <https://example.org/entity/>" in text
    assert text.count("\n") == q.text.count("\n")
    store = ox.Store()
    data = fx.TURTLE.replace("<https://glamkg.invalid/entity/>", "<https://example.org/entity/>")
    store.load(data.encode(), format=ox.RdfFormat.TURTLE)
    assert query.run(q, store=store)["partnerships"].tolist() == [2, 1, 1]


def test_every_saved_query_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "queries.md").read_text(encoding="utf-8")
    for q in query.catalog():
        assert f"`{q.name}`" in doc, f"docs/queries.md does not list {q.name}"
    for ptype in query.PARAM_TYPES:
        assert f"| `{ptype}` |" in doc, f"docs/queries.md does not document parameter type {ptype}"
