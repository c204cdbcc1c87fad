"""Impact measures: `glamkg import impact` of GLAMorous key figures (CSV and its XLSX twin) and Commons Impact
Metrics snapshots, the store's SPARQL SUMs against the file's totals, history by report date, the measure
definitions, `glamkg gaps --measure` and the dashboard's Impact page.

The report files are written here (real-shaped: the columns and number formats of the tools' exports; the
institutions and figures are made up)."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from kg.cli import main
from kg.gaps import impact as gi
from kg.gaps import tables
from kg.model import ids
from kg.model.entities import Claim, Record, to_json
from kg.model.measures import measures
from kg.model.schema import model
from kg.store import Store

HEADER = (
    "Date;Full institution name;Commons category;Commons category URL;Category depth;Total images available;"
    "Distinct images used;Image reuse percentage;Distinct articles;Number of languages;Total usages;"
    "Average image reuse;HTML URL;Excel URL"
)
A1, A2, A3, A4, A5 = (ids.local_id(9_100_000 + k) for k in range(1, 6))
ROWS = [  # institution, category, available, used, share, articles, languages, usages
    ("Archief Alfa", "Images from Archief Alfa", "425.007", "25.884", "6,09", "100.120", "275", "125.681"),
    ("Museum Beta", "Collections of Museum Beta", "3.247", "1.119", "34,46", "7.257", "159", "14.839"),
    ("Museum Gamma", "Media from Museum Gamma", "1.325.265", "12", "0,00", "30", "4", "45"),
    ("Bibliotheek Delta", "Images from Delta", "46", "45", "97,83", "146", "38", "200"),
    ("Onbekend Huis", "Images from Nowhere", "10", "1", "10,00", "1", "1", "1"),
]
MATCHED = 3  # rows 1-3 load; Delta is ambiguous (two institutions of that name in NL), Onbekend unmatched
MEASURE_COLUMNS = {
    "files_available": 2,
    "files_used": 3,
    "usage_share": 4,
    "distinct_articles": 5,
    "wikis": 6,
    "total_usages": 7,
}


def nl_number(text: str) -> Decimal:
    """The test's own reading of a Dutch number (independent of kg.load.impact_read)."""
    return Decimal(text.replace(".", "").replace(",", "."))


def write_csv(path: Path, date: str, rows: list[tuple[str, ...]] = ROWS) -> Path:
    lines = [HEADER]
    for name, cat, avail, used, share, arts, langs, uses in rows:
        url = "https://commons.wikimedia.org/wiki/Category:" + cat.replace(" ", "_")
        html = f"https://example.org/glam/{cat.replace(' ', '')}_{date}.html"
        lines.append(f"{date};{name};{cat};{url};1;{avail};{used};{share};{arts};{langs};{uses};1,00;{html};")
    path.write_bytes(("\ufeff" + "\n".join(lines) + "\n").encode("utf-8"))
    return path


def write_xlsx(path: Path, date: str, rows: list[tuple[str, ...]] = ROWS) -> Path:
    """The XLSX twin: numbers as numbers, the share as a formula (no cached value: openpyxl writes none), the
    category URL as a hyperlink cell and the report URL as a HYPERLINK formula."""
    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER.split(";"))
    d = dt.datetime.strptime(date, "%d-%m-%Y")
    for i, (name, cat, avail, used, _share, arts, langs, uses) in enumerate(rows, start=2):
        url = "https://commons.wikimedia.org/wiki/Category:" + cat.replace(" ", "_")
        html = f"https://example.org/glam/{cat.replace(' ', '')}_{date}.html"
        ws.append(
            [
                d,
                name,
                cat,
                cat,
                1,
                int(nl_number(avail)),
                int(nl_number(used)),
                f"=ROUND(G{i}/F{i}*100,2)",
                int(nl_number(arts)),
                int(nl_number(langs)),
                int(nl_number(uses)),
                f"=K{i}/G{i}",
                f'=HYPERLINK("{html}","report")',
                "",
            ]
        )
        ws.cell(row=i, column=4).hyperlink = url
    wb.save(path)
    return path


def build_store(path: Path) -> Path:
    m = model()
    museum, archives, library = (m.cls(k).id for k in ("museum", "archives", "library"))
    recs = [
        Record(
            A1,
            "institution",
            labels={"en": "Archief Alfa"},
            claims=[
                Claim("instance_of", archives),
                Claim("country", "Q55"),
                Claim("commons_category", "Images_from_Archief_Alfa"),
            ],
        ),
        Record(
            A2,
            "institution",
            labels={"en": "Museum Beta"},
            claims=[Claim("instance_of", museum), Claim("country", "Q55")],
        ),
        Record(
            A3,
            "institution",
            labels={"en": "Some other name"},
            claims=[
                Claim("instance_of", museum),
                Claim("country", "Q183"),
                Claim("commons_category", "Media from Museum Gamma"),
            ],
        ),
        Record(
            A4,
            "institution",
            labels={"en": "Bibliotheek Delta"},
            claims=[Claim("instance_of", library), Claim("country", "Q55")],
        ),
        Record(
            A5,
            "institution",
            labels={"en": "Bibliotheek Delta"},
            claims=[Claim("instance_of", museum), Claim("country", "Q55")],
        ),
    ]
    with Store.open(path) as st:
        st.write_entities([to_json(r) for r in recs])
    return path


def file_totals(rows: list[tuple[str, ...]], date: str) -> dict[tuple[str, str], Decimal]:
    day = "-".join(reversed(date.split("-")))
    out: dict[tuple[str, str], Decimal] = {}
    for row in rows[:MATCHED]:
        for key, col in MEASURE_COLUMNS.items():
            out[(key, day)] = out.get((key, day), Decimal(0)) + nl_number(row[col])
    return out


def store_state(path: Path) -> tuple[dict[tuple[str, str], Decimal], int]:
    with Store.open(path, read_only=True) as st:
        return gi.totals_from_store(st), len(st.inner)


@pytest.fixture()
def store(tmp_path: Path) -> Path:
    return build_store(tmp_path / "store")


def run(*args: str) -> int:
    return main(["import", "impact", *args])


def test_csv_then_xlsx_twin_then_again_changes_nothing(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = write_csv(tmp_path / "keyfigures.csv", "04-09-2024")
    assert run(str(csv), "--country", "NL", "--store", str(store)) == 0
    err = capsys.readouterr().err
    assert "matched 3, unmatched 1, ambiguous 1" in err and "report dates 2024-09-04" in err
    assert "checked: the store's SPARQL SUM of every measure and date equals the file's total" in err
    assert "row 5: ambiguous" in err and A4 in err and A5 in err
    assert "row 6: unmatched: Onbekend Huis" in err
    totals, triples = store_state(store)
    assert totals == file_totals(ROWS, "04-09-2024")  # SPARQL SUM per measure = the file's totals, exactly
    assert run(str(csv), "--country", "NL", "--store", str(store)) == 0
    assert "created 0, updated 0" in capsys.readouterr().err
    assert store_state(store) == (totals, triples)
    xlsx = write_xlsx(tmp_path / "keyfigures.xlsx", "04-09-2024")
    assert run(str(xlsx), "--country", "NL", "--store", str(store)) == 0
    assert "created 0, updated 0" in capsys.readouterr().err
    assert store_state(store) == (totals, triples)


def test_xlsx_alone_gives_the_csv_totals(store: Path, tmp_path: Path) -> None:
    xlsx = write_xlsx(tmp_path / "keyfigures.xlsx", "04-09-2024")
    assert run(str(xlsx), "--country", "NL", "--store", str(store)) == 0
    assert store_state(store)[0] == file_totals(ROWS, "04-09-2024")


def test_a_real_workbook_with_a_hidden_notes_sheet_and_a_totals_row(store: Path, tmp_path: Path) -> None:
    """Read as glamkg load reads sheets (kg.load.xlsx): the first visible sheet, the totals row skipped."""
    import openpyxl

    xlsx = write_xlsx(tmp_path / "keyfigures.xlsx", "04-09-2024")
    wb = openpyxl.load_workbook(xlsx)
    ws = wb.active
    last = ws.max_row
    ws.append(["", "Totaal", "", "", "", f"=SUM(F2:F{last})", f"=SUM(G2:G{last})"])
    notes = wb.create_sheet("Toelichting", 0)  # an explanation sheet first, hidden
    notes.append(["Kolom", "Betekenis"])
    notes.sheet_state = "hidden"
    wb.active = 1
    wb.save(xlsx)
    assert run(str(xlsx), "--country", "NL", "--store", str(store)) == 0
    assert store_state(store)[0] == file_totals(ROWS, "04-09-2024")


def test_second_report_date_adds_values(store: Path, tmp_path: Path) -> None:
    first = write_csv(tmp_path / "sept.csv", "04-09-2024")
    later = [(*r[:2], "430.000", "26.001", "6,05", "101.000", "276", "126.000") for r in ROWS]
    second = write_csv(tmp_path / "dec.csv", "04-12-2024", later)
    assert run(str(first), "--country", "NL", "--store", str(store)) == 0
    assert run(str(second), "--country", "NL", "--store", str(store)) == 0
    totals, _ = store_state(store)
    assert totals == {**file_totals(ROWS, "04-09-2024"), **file_totals(later, "04-12-2024")}
    with Store.open(store, read_only=True) as st:
        data = tables.read(st)
    assert len(data.measures) == 2 * MATCHED * len(MEASURE_COLUMNS)
    newest = gi.latest(data.measures)
    assert set(newest["date"]) == {"2024-12-04"}
    as_of = gi.latest(data.measures, "2024-10-01")
    assert set(as_of["date"]) == {"2024-09-04"}
    assert data.contributions["quantity"].sum() == 0  # measures are never contributed units


def test_strict_refuses_and_writes_nothing(store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = write_csv(tmp_path / "k.csv", "04-09-2024")
    before = store_state(store)
    assert run(str(csv), "--country", "NL", "--strict", "--store", str(store)) == 2
    err = capsys.readouterr().err
    assert "row 5" in err and "row 6" in err
    assert store_state(store) == before


def test_bad_number_is_located(store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [ROWS[0], (*ROWS[1][:3], "1,119.5", *ROWS[1][4:])]
    csv = write_csv(tmp_path / "bad.csv", "04-09-2024", rows)
    before = store_state(store)
    assert run(str(csv), "--store", str(store)) == 2
    err = capsys.readouterr().err
    assert "row 3" in err and "Distinct images used" in err and "1.325.265" in err
    assert store_state(store) == before


@pytest.mark.parametrize("with_header", [True, False])
def test_commons_impact_metrics_snapshot(store: Path, tmp_path: Path, with_header: bool) -> None:
    header = measures().formats["cim_category_metrics"].header
    lines = ["\t".join(header)] if with_header else []
    # category, parents, primary, files, files deep, used, used deep, wikis, wikis deep, pages, pages deep, month
    lines.append("Images_from_Archief_Alfa\t\tImages_from_Archief_Alfa\t100\t400\t10\t40\t3\t7\t20\t90\t2024-05")
    lines.append("Media_from_Museum_Gamma\t\t\t50\t\t5\t\t2\t\t9\t\t2024-05")  # no deep counts: shallow
    tsv = tmp_path / "cim.tsv"
    tsv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run(str(tsv), "--country", "NL", "--store", str(store)) == 0
    totals, _ = store_state(store)
    assert totals == {
        ("files_available", "2024-05-01"): Decimal(450),
        ("files_used", "2024-05-01"): Decimal(45),
        ("wikis", "2024-05-01"): Decimal(9),
        ("distinct_articles", "2024-05-01"): Decimal(99),
    }


def test_gaps_measure_by_country(store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = write_csv(tmp_path / "k.csv", "04-09-2024")
    assert run(str(csv), "--country", "NL", "--store", str(store)) == 0
    out = tmp_path / "gaps.csv"
    assert (
        main(
            [
                "gaps",
                "--by",
                "country",
                "--measure",
                "files_used",
                "--format",
                "csv",
                "-o",
                str(out),
                "--store",
                str(store),
            ]
        )
        == 0
    )
    t = pd.read_csv(out, keep_default_na=False).set_index("group")
    assert t.loc["NL", "measure"] == 25884 + 1119 and t.loc["DE", "measure"] == 12
    assert float(t.loc["NL", "measure_per_100_institutions"]) == pytest.approx(100 * (25884 + 1119) / 4)
    capsys.readouterr()
    assert main(["gaps", "--by", "country", "--measure", "files_used", "--store", str(store)]) == 0
    nl = next(line for line in capsys.readouterr().out.splitlines() if "NL Netherlands" in line)
    assert "27,003.00" in nl
    share = tmp_path / "share.csv"
    assert (
        main(
            [
                "gaps",
                "--by",
                "country",
                "--measure",
                "usage_share",
                "--format",
                "csv",
                "-o",
                str(share),
                "--store",
                str(store),
            ]
        )
        == 0
    )
    s = pd.read_csv(share, keep_default_na=False).set_index("group")
    assert float(s.loc["NL", "measure"]) == pytest.approx(
        100 * (25884 + 1119) / (425007 + 3247)
    )  # never a sum of shares


# --- the definitions -------------------------------------------------------------------------------------


def test_every_measure_is_defined_in_the_docs() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "metrics.md").read_text(encoding="utf-8")
    for m in measures().measures.values():
        assert re.search(rf"`{m.key}`.*{re.escape(m.label)}", doc), m.key
        assert m.item in doc, m.item


def test_definitions_on_a_hand_built_dataset() -> None:
    """sum measures add up; a ratio is recomputed from its components; the latest report per contribution is
    used; per institution divides by every institution of the group."""
    inst = pd.DataFrame({"item": ["I1", "I2", "I3"], "label": ["a", "b", "c"], "iso2": ["NL", "NL", "DE"]})
    contributions = pd.DataFrame({"item": ["C1", "C2"], "partnership": ["P1", "P2"]})
    links = pd.DataFrame({"partnership": ["P1", "P2"], "institution": ["I1", "I3"]})
    rows = [
        ("C1", "files_available", 100, "2024-01-01"),
        ("C1", "files_used", 10, "2024-01-01"),
        ("C1", "files_available", 200, "2024-06-01"),
        ("C1", "files_used", 50, "2024-06-01"),
        ("C2", "files_available", 300, "2024-06-01"),
        ("C2", "files_used", 30, "2024-06-01"),
        ("C1", "usage_share", 25.0, "2024-06-01"),
        ("C2", "usage_share", 10.0, "2024-06-01"),
    ]
    ms = pd.DataFrame(rows, columns=["item", "measure", "amount", "date"])

    class D:
        institutions, measures = inst, ms

    D.contributions, D.links = contributions, links
    t, dates = gi.impact_table(D, by="region")
    europe = t.set_index("group").loc["Europe"]
    assert dates == ["2024-01-01", "2024-06-01"]
    assert europe["files_available"] == 500 and europe["files_used"] == 80
    assert europe["usage_share"] == pytest.approx(100 * 80 / 500)
    assert europe["files_used_per_institution"] == pytest.approx(80 / 3)
    early, _ = gi.impact_table(D, by="country", as_of="2024-03-01")
    assert early.set_index("group").loc["NL", "files_used"] == 10


def test_impact_page(store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    csv = write_csv(tmp_path / "k.csv", "04-09-2024")
    assert run(str(csv), "--country", "NL", "--store", str(store)) == 0
    monkeypatch.setenv("GLAMKG_STORE", str(store))
    monkeypatch.setenv("GLAMKG_CACHE", str(tmp_path / "cache"))
    app_dir = Path(__file__).resolve().parents[1] / "dashboards"
    at = AppTest.from_file(str(app_dir / "app.py"), default_timeout=120)
    at.query_params["scheme"] = "region"  # UN M49 regions: the Netherlands in Europe
    at.switch_page(str(app_dir / "impact.py"))
    at.run()
    assert not at.exception
    assert any("2024-09-04" in c.value for c in at.caption)
    assert any("Evidence kinds counted:" in c.value and "impact report" in c.value for c in at.caption)
    labels = {m.label: m.value for m in at.metric}
    assert labels["distinct files used"] == f"{25884 + 1119 + 12:,}"
    table = at.dataframe[0].value
    europe = table.set_index("group").loc["Europe"]
    assert europe["files_used"] == 25884 + 1119 + 12 and europe["institutions"] == 5


def test_dry_run_and_report_file(store: Path, tmp_path: Path) -> None:
    import json

    csv = write_csv(tmp_path / "k.csv", "04-09-2024")
    before = store_state(store)
    out = tmp_path / "report.json"
    assert run(str(csv), "--country", "NL", "--dry-run", "--report", str(out), "--store", str(store)) == 0
    assert store_state(store) == before
    rep = json.loads(out.read_text(encoding="utf-8"))
    assert [m[:2] for m in rep["matched"]] == [[2, A1], [3, A2], [4, A3]]
    assert rep["matched"][1][2] == "name + country" and rep["matched"][0][2] == "commons category"
    assert rep["ambiguous"] == [[5, "Images from Delta", [A4, A5]]] and rep["unmatched"][0][0] == 6
    want = file_totals(ROWS, "04-09-2024")
    assert rep["totals"] == {f"{k}@{d}": str(v) for (k, d), v in sorted(want.items())}
    assert rep["written"] is None


def test_a_formula_without_value_is_refused_unless_it_is_a_ratio(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import openpyxl

    xlsx = write_xlsx(tmp_path / "k.xlsx", "04-09-2024", ROWS[:2])
    wb = openpyxl.load_workbook(xlsx)
    wb.active.cell(row=3, column=9).value = "=SUM(I2:I2)"  # Distinct articles as a formula, no cached value
    wb.save(xlsx)
    before = store_state(store)
    assert run(str(xlsx), "--store", str(store)) == 2
    err = capsys.readouterr().err
    assert "row 3" in err and "Distinct articles" in err and "formula" in err
    assert store_state(store) == before


def test_the_same_category_twice_on_one_date_is_refused(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = write_csv(tmp_path / "dup.csv", "04-09-2024", [ROWS[0], ROWS[1], ROWS[0]])
    assert run(str(csv), "--store", str(store)) == 2
    err = capsys.readouterr().err
    assert "row 4" in err and "the same as row 2" in err


def test_impact_page_by_institution_per_million(store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    from kg.gaps import baselines

    csv = write_csv(tmp_path / "k.csv", "04-09-2024")
    assert run(str(csv), "--country", "NL", "--store", str(store)) == 0
    monkeypatch.setenv("GLAMKG_STORE", str(store))
    monkeypatch.setenv("GLAMKG_CACHE", str(tmp_path / "cache"))
    app_dir = Path(__file__).resolve().parents[1] / "dashboards"
    at = AppTest.from_file(str(app_dir / "app.py"), default_timeout=120)
    at.switch_page(str(app_dir / "impact.py"))
    at.run()
    at.selectbox(key="impact_level").set_value("country").run()
    assert not at.exception
    nl = at.dataframe[0].value.set_index("group").loc["NL"]
    pop = baselines.population().frame().set_index("iso2").loc["NL", "baseline"]
    assert nl["files_used_per_million"] == pytest.approx((25884 + 1119) / (pop / 1e6))
    assert nl["files_used_per_institution"] == pytest.approx((25884 + 1119) / 4)
    at.selectbox(key="impact_level").set_value("institution").run()
    rows = at.dataframe[0].value.set_index("group")
    assert rows.loc[A1, "files_used"] == 25884 and rows.loc[A1, "report_dates"] == "2024-09-04"
    assert rows.loc[A3, "usage_share"] == pytest.approx(100 * 12 / 1325265)


def test_numbers_as_the_exports_write_them() -> None:
    from kg.load.impact_read import _number, category_name, parse_number

    assert parse_number("1.325.265", "nl") == 1325265 and parse_number("12,5", "nl") == Decimal("12.5")
    assert parse_number("425.007", "nl") == 425007 and parse_number("612", "nl") == 612
    assert _number(425007.0, "nl") == _number("425.007", "nl") and str(_number(6.09, "nl")) == "6.09"
    for bad in ("1,325,265", "12.5", "1.32.5", "abc"):
        with pytest.raises(ValueError):
            parse_number(bad, "nl")
    assert category_name("https://commons.wikimedia.org/wiki/Category:Images_from_X") == "Images from X"
    assert category_name("category:images_from X") == "Images from X"


def test_gaps_refuses_unknown_measures_and_ratio_inequality(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gaps", "--measure", "likes", "--store", str(store)]) == 2
    assert "files_used" in capsys.readouterr().err
    assert main(["gaps", "--measure", "usage_share", "--metric", "measure", "--store", str(store)]) == 2
    assert "ratio" in capsys.readouterr().err
    assert main(["gaps", "--measure", "files_used", "--as-of", "Sept 2024", "--store", str(store)]) == 2
    assert "2024-09-04" in capsys.readouterr().err


def test_gaps_as_of_is_a_date_in_either_iso_form_and_needs_a_measure(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(str(write_csv(tmp_path / "k.csv", "04-09-2024")), "--country", "NL", "--store", str(store)) == 0
    capsys.readouterr()
    assert main(["gaps", "--as-of", "2024-01-01", "--store", str(store)]) == 2
    assert "--measure" in capsys.readouterr().err
    tables = {}
    for day in ("2024-01-01", "20240101", "2024-10-01"):
        args = ["gaps", "--by", "country", "--measure", "files_used", "--as-of", day, "--format", "csv"]
        assert main([*args, "--store", str(store)]) == 0
        tables[day] = pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False).set_index("group")
    assert tables["20240101"].equals(tables["2024-01-01"])  # the same date, not compared as other text
    assert tables["2024-01-01"].loc["NL", "measure"] == 0  # the report of 2024-09-04 was not out yet
    assert tables["2024-10-01"].loc["NL", "measure"] == 25884 + 1119  # NL's two institutions in the report


def test_nothing_matched_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = build_store(tmp_path / "store")
    csv = write_csv(tmp_path / "k.csv", "04-09-2024", [ROWS[4]])
    before = store_state(store)
    assert run(str(csv), "--store", str(store)) == 0
    assert "matched 0, unmatched 1" in capsys.readouterr().err
    assert store_state(store) == before


def test_impact_ids_are_checked_or_local() -> None:
    """The properties a category is matched against are Wikidata's, listed in ../shared/wikidata-ids.md with
    their labels and two sources; the measure items are local ids no model class or value uses."""
    import test_model_ids as tm

    from kg.model import ids as kid

    if not tm.IDS_FILE.exists():
        pytest.skip(f"{tm.IDS_FILE} is absent")
    found, _other = tm.listed()
    for pid, label in measures().match_properties.items():
        assert found[pid] == (label, "two-sources"), pid
    taken = {c.id for c in [*model().classes.values(), *model().values.values()]}
    items = [m.item for m in measures().measures.values()]
    assert len(set(items)) == len(items) and not set(items) & taken
    assert all(kid.is_local(i) for i in items) and {m.checked for m in measures().measures.values()} == {"local"}


def test_impact_page_chart_and_downloads(store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The dashboard's rules for every page (tests/test_dashboard_apptest.py): each chart has a title, axis
    titles and units; each table a CSV download and its provenance."""
    import json

    from streamlit.testing.v1 import AppTest
    from test_dashboard_apptest import chart_problems

    csv = write_csv(tmp_path / "k.csv", "04-09-2024")
    assert run(str(csv), "--country", "NL", "--store", str(store)) == 0
    monkeypatch.setenv("GLAMKG_STORE", str(store))
    monkeypatch.setenv("GLAMKG_CACHE", str(tmp_path / "cache"))
    app_dir = Path(__file__).resolve().parents[1] / "dashboards"
    at = AppTest.from_file(str(app_dir / "app.py"), default_timeout=120)
    at.switch_page(str(app_dir / "impact.py"))
    at.run()
    for measure in ("files_used", "usage_share"):
        at.selectbox(key="impact_measure").set_value(measure).run()
        specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart")]
        assert specs and all(chart_problems(spec) == [] for spec in specs), measure
    labels = [b.proto.label for b in at.get("download_button") if b.proto.label != "Chart image (PNG)"]
    assert any(x.startswith("Download ") and x.endswith(" (CSV)") for x in labels)
    assert any(x.startswith("Provenance of ") for x in labels) and len(labels) == 2 * len(at.dataframe)


def test_a_row_without_its_category_names_the_files_own_column(tmp_path: Path) -> None:
    from kg.load.impact_read import read_report
    from kg.load.problems import ValidationFailed

    rows = [ROWS[0], ("Naamloos", "", *ROWS[0][2:])]
    with pytest.raises(ValidationFailed) as e:
        read_report(write_csv(tmp_path / "k.csv", "04-09-2024", rows))
    (problem,) = e.value.problems
    assert problem.row == 3 and problem.column == "Commons category" and problem.found == "an empty cell"
