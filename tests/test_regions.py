"""kg.model.regions: the country table, code resolution, groupings, and Namibia ("NA") through every round trip."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pycountry
import pyoxigraph as ox
import pytest

from kg.errors import InputError
from kg.model import regions
from kg.query import results

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REFERENCE = SHARED / "data" / "countries-wikidata.csv"


def test_table_covers_every_iso_country_once_plus_kosovo():
    df = regions.countries()
    assert set(df["iso2"]) == {c.alpha_2 for c in pycountry.countries} | {"XK"}
    assert df["qid"].is_unique and df["iso2"].is_unique and df["iso3"].is_unique
    # every country has an M49 region and sub-region and a continent
    assert (df["region"] != "").all() and (df["subregion"] != "").all() and (df["continent"] != "").all()
    assert set(df["region"]) == {"Africa", "Americas", "Asia", "Europe", "Oceania", "Antarctica"}


def test_iso_columns_agree_with_pycountry():
    df = regions.countries().set_index("iso2")
    for c in pycountry.countries:
        row = df.loc[c.alpha_2]
        assert row["iso3"] == c.alpha_3
        assert row["iso_numeric"] == c.numeric  # text, zero-padded: "004"


def test_known_items_and_m49_placements():
    df = regions.countries().set_index("iso2")
    assert df.loc["NL", "qid"] == "Q55"  # the country, not Q29999 (Kingdom of the Netherlands)
    assert df.loc["NA", "qid"] == "Q1030"
    assert df.loc["NA", "m49"] == "516"
    assert (df.loc["NA", "region"], df.loc["NA", "subregion"], df.loc["NA", "intermediate_region"]) == (
        "Africa",
        "Sub-Saharan Africa",
        "Southern Africa",
    )
    assert df.loc["MX", "subregion"] == "Latin America and the Caribbean"
    assert df.loc["US", "subregion"] == "Northern America"
    assert df.loc["TR", "subregion"] == "Western Asia"
    assert df.loc["RU", "subregion"] == "Eastern Europe"
    assert df.loc["AF", "m49"] == "004"


@pytest.mark.parametrize(
    ("value", "iso2"),
    [
        ("Q55", "NL"),
        ("Q29999", "NL"),
        ("NL", "NL"),
        ("nld", "NL"),
        ("528", "NL"),
        ("Netherlands", "NL"),
        ("Q1030", "NA"),
        ("NA", "NA"),
        ("NAM", "NA"),
        ("516", "NA"),
        ("http://www.wikidata.org/entity/Q1030", "NA"),
        ("4", "AF"),
        ("004", "AF"),
    ],
)
def test_resolve(value, iso2):
    assert regions.resolve(value) == iso2


def test_resolve_unknown():
    assert regions.resolve("Q42") is None
    with pytest.raises(InputError, match="found 'Atlantis'"):
        regions.resolve("Atlantis", strict=True)


def test_builtin_groupings_cover_every_country():
    for level in regions.LEVELS:
        t = regions.grouping(level).table()
        assert len(t) == len(regions.countries())
        assert (t["group"] != "").all()
    assert regions.grouping("intermediate_region").group_of("NA") == "Southern Africa"
    assert regions.grouping("intermediate_region").group_of("EG") == "Northern Africa"  # sub-region stands in
    assert regions.grouping("continent").group_of("BR") == "South America"


def test_shipped_wikimedia_grouping_reads_na_and_no_as_codes():
    g = regions.grouping("wikimedia")
    assert g.group_of("NA") == "Sub-Saharan Africa"
    assert g.group_of("NO") == "Northern and Western Europe"  # YAML 1.1 would read NO as false
    assert g.group_of("AQ") == "Other"
    assert g.names()[-1] == "Other"


def test_user_yaml_grouping(tmp_path):
    p = tmp_path / "regions-mine.yaml"
    p.write_text("groups:\n  South: [NA, ZA, 'BW']\n  North: [NO, SE]\n", encoding="utf-8")
    g = regions.load_grouping(p)
    assert g.name == "mine"
    assert g.group_of("NA") == "South" and g.group_of("NO") == "North" and g.group_of("FR") == "Other"
    assert g.names() == ["South", "North", "Other"]
    assert regions.grouping(str(p)).group_of("SE") == "North"


def test_user_csv_grouping(tmp_path):
    p = tmp_path / "groups.csv"
    p.write_text("group,iso2\nA,NA\nA,ZA\nB,NLD\n", encoding="utf-8")
    g = regions.load_grouping(p)
    assert (g.group_of("NA"), g.group_of("ZA"), g.group_of("NL")) == ("A", "A", "B")


def test_grouping_errors_name_the_place(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("groups:\n  South: [NA, XX]\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"group 'South'.*found 'XX'"):
        regions.load_grouping(bad)
    twice = tmp_path / "twice.csv"
    twice.write_text("group,iso2\nA,NA\nB,NA\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 3.*already in group 'A'"):
        regions.load_grouping(twice)
    with pytest.raises(InputError, match="expected a grouping"):
        regions.grouping("nowhere")


# --- Namibia through every round trip ------------------------------------------------------------------


def test_namibia_survives_csv_round_trip(tmp_path):
    df = regions.countries()
    p = tmp_path / "c.csv"
    df.to_csv(p, index=False)
    back = regions.read_csv_text(p)
    assert "NA" in set(back["iso2"])
    assert back["iso2"].isna().sum() == 0
    pd.testing.assert_frame_equal(back, df)
    # the plain csv module agrees
    rows = list(csv.DictReader(io.StringIO(p.read_text(encoding="utf-8"))))
    assert any(r["iso2"] == "NA" and r["name"] == "Namibia" for r in rows)


def test_namibia_survives_dataframe_and_parquet(tmp_path):
    df = regions.countries()
    na = df[df["iso2"] == "NA"]
    assert len(na) == 1 and not na.isna().any().any()
    p = tmp_path / "c.parquet"
    df.to_parquet(p)
    back = pd.read_parquet(p)
    assert back.loc[back["qid"] == "Q1030", "iso2"].tolist() == ["NA"]
    js = json.loads(df.to_json(orient="records"))
    assert any(r["iso2"] == "NA" for r in js)
    assert pd.read_json(io.StringIO(df.to_json(orient="records")), dtype=False)["iso2"].eq("NA").any()


def test_namibia_survives_sparql_results():
    st = ox.Store()
    wd = "http://www.wikidata.org/entity/"
    st.add(
        ox.Quad(ox.NamedNode(wd + "Q1030"), ox.NamedNode("http://www.wikidata.org/prop/direct/P297"), ox.Literal("NA"))
    )
    df = results.from_oxigraph(st.query("SELECT ?c ?code WHERE { ?c ?p ?code }"))
    assert df["code"].tolist() == ["NA"]
    assert regions.resolve(df["c"].iloc[0]) == "NA"
    sparql_json = {"head": {"vars": ["code"]}, "results": {"bindings": [{"code": {"type": "literal", "value": "NA"}}]}}
    assert results.to_dataframe(sparql_json)["code"].tolist() == ["NA"]


def test_against_shared_wikidata_reference():
    if not REFERENCE.exists():
        pytest.skip(f"{REFERENCE} is absent: cannot check schemas/countries.csv QIDs against a Wikidata export")
    ref = regions.read_csv_text(REFERENCE)
    cols = {c.lower(): c for c in ref.columns}
    qcol = next((cols[c] for c in ("qid", "item", "wikidata", "country") if c in cols), None)
    icol = next((cols[c] for c in ("iso2", "iso", "code", "iso_3166_1_alpha2", "alpha2") if c in cols), None)
    assert qcol and icol, f"unexpected columns in {REFERENCE}: {list(ref.columns)}"
    ours = regions.countries().set_index("iso2")["qid"]
    mismatches = []
    for q, code in zip(ref[qcol], ref[icol], strict=True):
        q = q.rsplit("/", 1)[-1]
        if code in ours.index and ours[code] != q and q != "Q29999":  # the reference's caveat: NL is Q55
            mismatches.append((code, ours[code], q))
    assert not mismatches, f"QIDs differ from {REFERENCE}: {mismatches}"


def test_wikimedia_regions_match_the_foundations_table():
    """schemas/regions-wikimedia.yaml puts every country where the Foundation's 2022 classification does."""
    if not REFERENCE.exists():
        pytest.skip(f"{REFERENCE} is absent: cannot check the Wikimedia regions against the Foundation's table")
    ref = regions.read_csv_text(REFERENCE)
    g = regions.grouping("wikimedia")

    def norm(name: str) -> str:
        return name.replace("&", "and").replace(",", "").replace(" the ", " ").lower().split()

    differ = [
        (code, g.groups.get(code), region)
        for code, region in zip(ref["iso2"], ref["wikimedia_region"], strict=True)
        if region and norm(g.groups.get(code, "")) != norm(region)
    ]
    assert differ == []
