"""Every saved query on a hand-checkable fixture graph (tests/query_fixture_data.py): exact rows locally,
and identical DataFrames through SPARQLWrapper/kg.query.endpoint against a real ``oxigraph serve`` on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pyoxigraph as ox
import pytest
import query_fixture_data as fx

from kg import http, query

T = pd.Timestamp
NA = None


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return fx.store()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with fx.oxigraph_server(fx.ntriples()) as url:
        yield url


def rows(df: pd.DataFrame, columns: list[str]) -> list[tuple[Any, ...]]:
    out = []
    for rec in df[columns].itertuples(index=False):
        out.append(tuple(None if (not isinstance(v, str) and pd.isna(v)) else v for v in rec))
    return out


# (query, params, columns to compare, expected rows in the query's ORDER BY order)
EXPECTED: list[tuple[str, dict[str, str], list[str], list[tuple[Any, ...]]]] = [
    (
        "institutions_per_country",
        {},
        ["country", "countryLabel", "institutions"],
        [("Q55", "Netherlands", 3), ("Q1033", "Nigeria", 1), ("Q142", "France", 1), ("Q31", "Belgium", 1)],
    ),
    (
        "institutions_per_country",
        {"lang": "nl"},
        ["country", "countryLabel", "institutions"],
        [("Q55", "Nederland", 3), ("Q1033", NA, 1), ("Q142", NA, 1), ("Q31", "België", 1)],
    ),
    (
        "institutions_per_type",
        {},
        ["type", "typeLabel", "institutions"],
        [
            ("Q33506", "museum", 2),
            ("Q166118", "archives", 1),
            ("Q207694", "art museum", 1),
            ("Q22806", "national library", 1),
            ("Q1000000000011", "national archives", 1),
        ],
    ),
    (
        "institutions_per_type",
        {"country": "NL"},
        ["type", "institutions"],
        [("Q166118", 1), ("Q207694", 1), ("Q22806", 1)],
    ),
    (
        "institutions_per_region",
        {},
        ["country", "institutions"],
        [("Q1033", 1), ("Q142", 1), ("Q31", 1), ("Q55", 3)],
    ),
    (
        "institutions_per_region",
        {"region": "Europe"},
        ["country", "institutions"],
        [("Q142", 1), ("Q31", 1), ("Q55", 3)],
    ),
    ("institutions_per_region", {"region": "Africa"}, ["country", "institutions"], [("Q1033", 1)]),
    (
        "institutions_locations",
        {},
        ["item", "itemLabel", "country", "coordinates_lon", "coordinates_lat"],
        [
            ("Q100001", NA, "Q31", 4.404, 51.229),
            ("Q100002", "Archives nationales", "Q142", 2.358, 48.86),
            ("Q100003", "National Museum Lagos", "Q1033", 3.39, 6.45),
            ("Q100005", "Stadsarchief Amsterdam", "Q55", 4.89, 52.365),
            ("Q190804", "Rijksmuseum", "Q55", 4.885, 52.36),
        ],
    ),
    (
        "institutions_locations",
        {"country": "BE", "lang": "nl"},
        ["item", "itemLabel", "itemLabel_lang"],
        [("Q100001", "Museum aan de Stroom", "nl")],
    ),
    (
        "institutions_partnership_coverage",
        {},
        ["country", "institutions", "with_partnership", "without_partnership"],
        [("Q1033", 1, 0, 1), ("Q142", 1, 0, 1), ("Q31", 1, 1, 0), ("Q55", 3, 3, 0)],
    ),
    (
        "institutions_oldest_per_country",
        {},
        ["country", "item", "inception"],
        [
            ("Q142", "Q100002", T("1790-09-12")),
            ("Q55", "Q1526131", T("1798-01-01")),
            ("Q1033", "Q100003", T("1957-01-01")),
            ("Q31", "Q100001", T("2011-05-17")),
        ],
    ),
    (
        "partnerships_per_year",
        {},
        ["year", "country", "partnerships"],
        [(2015, "Q55", 1), (2020, "Q55", 1), (2021, "Q31", 1), (2021, "Q55", 1)],
    ),
    ("partnerships_per_year", {"from_year": "2021"}, ["year", "country"], [(2021, "Q31"), (2021, "Q55")]),
    ("partnerships_per_year", {"region": "Africa"}, ["year"], []),
    (
        "partnerships_per_type",
        {},
        ["partnershipType", "partnershipTypeLabel", "partnerships", "institutions"],
        [
            ("Q1000000000001", "GLAM–Wikimedia partnership", 2, 2),
            ("Q1000000000002", "Wikimedian-in-residence programme", 1, 1),
            ("Q1000000000004", "content donation", 1, 1),
        ],
    ),
    (
        "partnerships_active_in_year",
        {},
        ["partnership", "item", "start"],
        [("Q1000000000102", "Q1526131", T("2020-01-01"))],
    ),
    (
        "partnerships_active_in_year",
        {"year": "2016"},
        ["partnership", "item", "end"],
        [("Q1000000000101", "Q190804", T("2018-12-31"))],
    ),
    (
        "partnerships_active_in_year",
        {"year": "2021"},
        ["partnership", "item"],
        [
            ("Q1000000000102", "Q1526131"),
            ("Q1000000000104", "Q100005"),
            ("Q1000000000104", "Q190804"),
            ("Q1000000000103", "Q100001"),
        ],
    ),
    (
        "partnerships_of_institution",
        {},
        ["partnership", "partnershipLabel", "start", "other_participants", "contributions"],
        [
            ("Q1000000000101", "Rijksmuseum GLAM partnership", T("2015-03-01"), 1, 2),
            ("Q1000000000104", "Amsterdam heritage data", T("2021-02-01"), 2, 1),
        ],
    ),
    (
        "partnerships_of_institution",
        {"item": "Q1526131"},
        ["partnership", "other_participants", "contributions"],
        [("Q1000000000102", 2, 1)],
    ),
    (
        "contributions_per_country",
        {},
        ["country", "contributions", "quantity"],
        [("Q31", 1, 80.0), ("Q55", 4, 11735.0)],
    ),
    ("contributions_per_country", {"region": "Africa"}, ["country"], []),
    (
        "contributions_per_partnership_type",
        {},
        ["partnershipType", "contributionType", "contributionTypeLabel", "contributions", "quantity"],
        [
            ("Q1000000000001", "Q1000000000006", "media upload to Wikimedia Commons", 1, 1200.0),
            ("Q1000000000001", "Q1000000000007", "Wikipedia article writing", 1, 35.0),
            ("Q1000000000001", "Q1000000000009", "metadata donation", 1, 10000.0),
            ("Q1000000000002", "Q1000000000008", "Wikidata item creation", 1, 500.0),
            ("Q1000000000004", "Q1000000000006", "media upload to Wikimedia Commons", 1, 80.0),
        ],
    ),
    (
        "partners_top_organisations",
        {},
        ["partner", "partnerLabel", "partnerships", "institutions"],
        [
            ("Q100010", "Wikimedia Nederland", 3, 3),
            ("Q100011", "Wikimedia Belgium", 1, 1),
            ("Q100012", "Leiden University", 1, 1),
        ],
    ),
    (
        "residencies_wikimedians_in_residence",
        {},
        ["person", "personLabel", "employer", "employerLabel", "location", "locationLabel", "country", "start", "end"],
        [
            ("Q100021", "Bob Example", "Q100001", NA, NA, NA, "Q31", T("2019-05-01"), NA),
            (
                "Q100020",
                "Alice Example",
                "Q1526131",
                "KB, National Library of the Netherlands",
                "Q36600",
                "The Hague",
                "Q55",
                T("2020-01-01"),
                T("2021-06-30"),
            ),
        ],
    ),
    (
        "residencies_wikimedians_in_residence",
        {"lang": "nl"},
        ["person", "employerLabel"],
        [("Q100021", "Museum aan de Stroom"), ("Q100020", "Koninklijke Bibliotheek")],
    ),
    (
        "quality_institutions_missing_coordinates",
        {},
        ["item", "type", "country"],
        [("Q1526131", "Q22806", "Q55")],
    ),
    ("quality_institutions_missing_coordinates", {"country": "FR"}, ["item"], []),
    (
        "quality_institutions_missing_country",
        {},
        ["item", "itemLabel", "type"],
        [("Q100004", "Mystery Library", "Q7075")],
    ),
    (
        "quality_institutions_missing_isil",
        {},
        ["item", "country"],
        [("Q100001", "Q31"), ("Q100003", "Q1033"), ("Q100005", "Q55")],
    ),
    ("quality_institutions_missing_isil", {"country": "NL"}, ["item"], [("Q100005",)]),
    # the limit parameter sets the number of the LIMIT clause (rows in item id order), 'all' removes it
    ("quality_institutions_missing_isil", {"limit": "2"}, ["item"], [("Q100001",), ("Q100003",)]),
    ("quality_institutions_missing_isil", {"limit": "all"}, ["item"], [("Q100001",), ("Q100003",), ("Q100005",)]),
    ("quality_institutions_missing_coordinates", {"limit": "1"}, ["item"], [("Q1526131",)]),
    ("quality_institutions_missing_country", {"limit": "all"}, ["item"], [("Q100004",)]),
    # queries of kg.gaps (same folder, same rules)
    # queries of kg.gaps: the order of ties is not fixed by their ORDER BY, so compared as sets below
    ("gaps_institutions_by_country", {}, ["country", "institutions"], None),
    ("gaps_partnerships_by_country", {}, ["country", "partnered_institutions", "partnerships"], None),
    ("gaps_contributions_by_country", {}, ["country", "contributions", "contributed_units"], None),
    (
        "gaps_contributions_by_country_year",
        {},
        ["country", "year", "contributions", "contributed_units"],
        [("Q55", 2016, 1, 1200.0)],  # the only contribution with a point in time (P585)
    ),
    (
        "gaps_partnerships_by_country_year",
        {},
        ["country", "start_year", "end_year", "partnerships"],
        [("Q31", 2021, 2021, 1), ("Q55", 2015, 2018, 1), ("Q55", 2020, NA, 1), ("Q55", 2021, NA, 1)],
    ),
]
GAPS_SETS = {
    "gaps_institutions_by_country": {("Q55", 3), ("Q142", 1), ("Q1033", 1), ("Q31", 1)},
    # P101 (Rijksmuseum), P102 (KB), P104 (Rijksmuseum, Stadsarchief) in NL; P103 (MAS) in BE
    "gaps_partnerships_by_country": {("Q55", 3, 3), ("Q31", 1, 1)},
    # NL: C201 1200 + C202 35 + C203 500 + C205 10000; BE: C204 80
    "gaps_contributions_by_country": {("Q55", 4, 11735.0), ("Q31", 1, 80.0)},
}


@pytest.mark.parametrize(("name", "params", "columns", "expected"), EXPECTED, ids=lambda v: str(v)[:40])
def test_saved_query_exact_rows(
    store: ox.Store, name: str, params: dict[str, str], columns: list[str], expected: list[tuple[Any, ...]] | None
) -> None:
    df = query.run(name, params=params, store=store)
    if expected is None:
        assert set(rows(df, columns)) == GAPS_SETS[name]
    elif not query.is_ordered(query.get(name).text):  # no ORDER BY: any order is right
        assert sorted(rows(df, columns), key=repr) == sorted(expected, key=repr)
    else:
        assert rows(df, columns) == expected


def test_every_saved_query_is_covered_by_exact_rows() -> None:
    covered = {e[0] for e in EXPECTED}
    mine = {q.name for q in query.catalog()}
    assert mine <= covered, f"saved queries without an exact-rows test: {sorted(mine - covered)}"
    assert len(mine) >= 15


def test_typed_columns(store: ox.Store) -> None:
    df = query.run("institutions_oldest_per_country", store=store)
    assert str(df["inception"].dtype) == "datetime64[us]"
    assert str(df["country"].dtype) == "string"
    counts = query.run("institutions_per_country", store=store)
    assert str(counts["institutions"].dtype) == "Int64"
    assert counts["countryLabel_lang"].tolist() == ["en"] * 4
    locs = query.run("institutions_locations", store=store)
    assert locs["coordinates_lon"].dtype == "float64"


def test_full_iris_option(store: ox.Store) -> None:
    df = query.run("institutions_per_country", store=store, shorten_ids=False)
    assert df["country"].iloc[0] == "http://www.wikidata.org/entity/Q55"


def _all_runs() -> list[tuple[str, dict[str, str]]]:
    runs = [(q.name, {}) for q in query.catalog()]
    runs += [(n, p) for n, p, _c, _e in EXPECTED if p]
    return runs


def test_same_dataframes_from_oxigraph_serve(store: ox.Store, server: str) -> None:
    client = http.HttpClient(max_retries=0, timeout=30)
    compared = 0
    for name, params in _all_runs():
        local = query.run(name, params=params, store=store)
        remote = query.run(name, params=params, endpoint=server, client=client)
        if name.startswith("gaps_") or not query.is_ordered(query.resolve_query(name).text):
            # kg.gaps' queries order by counts only (rows with equal counts may come in any order); a query
            # without ORDER BY may give its rows in any order
            local = local.sort_values(list(local.columns)).reset_index(drop=True)
            remote = remote.sort_values(list(remote.columns)).reset_index(drop=True)
        pd.testing.assert_frame_equal(local, remote, obj=f"{name} {params}")
        compared += 1
    assert compared >= len(query.catalog())


def test_remote_ask_and_construct(server: str) -> None:
    from kg.query.endpoint import SparqlEndpoint

    ep = SparqlEndpoint(server, client=http.HttpClient(max_retries=0))
    assert ep.ask("ASK { <http://www.wikidata.org/entity/Q190804> ?p ?o }") is True
    df = ep.dataframe(
        "CONSTRUCT { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } WHERE { "
        "<http://www.wikidata.org/entity/Q190804> <http://www.w3.org/2000/01/rdf-schema#label> ?l . "
        "BIND(<http://www.wikidata.org/entity/Q190804> AS ?s) }"
    )
    assert sorted(df["object"].tolist()) == ["Rijksmuseum", "Rijksmuseum"]
    assert set(df["subject"]) == {"Q190804"}


def test_remote_syntax_error_is_clear(server: str) -> None:
    from kg.errors import RemoteError

    with pytest.raises(RemoteError, match=r"HTTP 400"):
        query.run("SELECT ?x WHERE { ?x ?y }", endpoint=server, client=http.HttpClient(max_retries=0))


def test_contribution_in_two_partnerships_of_one_country_counts_once() -> None:
    """The contribution queries join (partnership, country) pairs first for speed; a contribution part of two
    partnerships with institutions of the same country must still count once for that country."""
    s = fx.store()
    gk = "https://glamkg.invalid/entity/"
    s.add(ox.Quad(ox.NamedNode(gk + "Q1000000000202"), ox.NamedNode("http://www.wikidata.org/prop/direct/P361"),
                  ox.NamedNode(gk + "Q1000000000104")))  # C202 (35) now also part of P104 (NL)
    df = query.run("contributions_per_country", store=s)
    assert rows(df, ["country", "contributions", "quantity"]) == [("Q31", 1, 80.0), ("Q55", 4, 11735.0)]
    gaps = query.run("gaps_contributions_by_country", store=s)
    assert set(rows(gaps, ["country", "contributions", "contributed_units"])) == {("Q55", 4, 11735.0), ("Q31", 1, 80.0)}
