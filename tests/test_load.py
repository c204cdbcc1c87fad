"""kg.load end to end: all problems before anything is written; idempotent re-runs; Dutch spreadsheets;
ambiguity; merging into existing items; the CLI."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import openpyxl
import pytest
import yaml

from kg.cli import main
from kg.load import load, prepare
from kg.load.mapping import Mapping
from kg.load.plan import Plan
from kg.load.problems import ValidationFailed
from kg.load.targets.store import StoreTarget
from kg.model.entities import Claim, Record, to_json
from kg.model.schema import model
from kg.model.values import Time
from kg.store import Store

HEADER = [
    "id",
    "label_en",
    "label_nl",
    "instance_of",
    "country",
    "coordinates",
    "isil",
    "website",
    "inception",
    "dissolved",
]
CLASSES = ["museum", "art_museum", "library"]
BLANK_AFTER = 10  # a blank line after the 10th data row: later rows are one further down


def good_rows(n: int = 40) -> list[list[str]]:
    return [
        [
            "",
            f"Testmuseum {i}",
            f"Testmuseum {i} NL",
            CLASSES[i % 3],
            "Q55",
            f"52.{i:02d},4.{i:02d}",
            f"NL-T{i}",
            f"https://t{i}.example/",
            str(1800 + i),
            "",
        ]
        for i in range(n)
    ]


# data index -> (change, expected column)
BAD = {
    3: ({"instance_of": "spaceship"}, "instance_of"),  # unknown class
    7: ({"country": ""}, "country"),  # required value missing
    12: ({"coordinates": "95.5,4.1"}, "coordinates"),  # latitude out of range
    18: ({"inception": "May 1850"}, "inception"),  # not a date
    25: ({"inception": "1990", "dissolved": "1980"}, "inception"),  # inception after dissolved
    33: ({"isil": "NL T33"}, "isil"),  # not an ISIL
}


def sheet_row_number(index: int) -> int:
    return index + 2 + (1 if index >= BLANK_AFTER else 0)


def forty(bad: bool) -> list[list[str]]:
    rows = good_rows()
    if bad:
        for i, (change, _) in BAD.items():
            for col, v in change.items():
                rows[i][HEADER.index(col)] = v
    return rows


def write_csv(
    path: Path, rows: list[list[str]], *, header: list[str] = HEADER, delimiter: str = ",", bom: bool = False
) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(header)
        for i, r in enumerate(rows):
            w.writerow(r)
            if i + 1 == BLANK_AFTER:
                fh.write("\r\n")
    return path


def write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for i, r in enumerate(rows):
        ws.append([int(v) if v.isdigit() else (v or None) for v in r])
        if i + 1 == BLANK_AFTER:
            ws.append([None] * len(HEADER))
    wb.save(path)
    return path


def export(store: Store, path: Path) -> bytes:
    store.export(path, format="nt")
    return path.read_bytes()


def run_load(st: Store, path: Path, mapping: Mapping | None = None, **kw):  # type: ignore[no-untyped-def]
    t = StoreTarget(st)
    return load(path, mapping or Mapping.default("institution"), t, index=t.index(), exists=t.exists, **kw)


def seeded(path: Path) -> Store:
    st = Store.open(path)
    st.write_entities(
        [
            to_json(
                Record(
                    "Q1000000000999",
                    "institution",
                    labels={"en": "Already here"},
                    claims=[Claim("instance_of", model().cls("museum").id), Claim("country", "Q55")],
                )
            )
        ]
    )
    return st


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_forty_rows_six_wrong_gives_exactly_six_errors_and_writes_nothing(tmp_path: Path, fmt: str) -> None:
    src = tmp_path / f"musea.{fmt}"
    (write_csv if fmt == "csv" else write_xlsx)(src, forty(bad=True))
    with seeded(tmp_path / "store") as st:
        before = export(st, tmp_path / "before.nt")
        with pytest.raises(ValidationFailed) as e:
            run_load(st, src)
        after = export(st, tmp_path / "after.nt")
    problems = e.value.problems
    expected = {(sheet_row_number(i), col) for i, (_, col) in BAD.items()}
    assert {(p.row, p.column) for p in problems} == expected
    assert len(problems) == 6
    where = str(src) if fmt == "csv" else f"{src}, sheet 'Sheet'"  # a workbook's problems name the worksheet
    assert all(p.file == where and p.expected and p.found and p.hint for p in problems)
    assert e.value.rejected_rows() == sorted(r for r, _ in expected)
    assert str(e.value).splitlines()[-1] == "6 problems in 6 of 40 rows; nothing was written"
    assert after == before


def test_same_spreadsheet_twice_is_unchanged_the_second_time(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "musea.csv", forty(bad=False))
    with Store.open(tmp_path / "store") as st:
        first = run_load(st, src)
        assert first.report is not None and len(first.report.created) == 40
        gen = st.generation()
        a = export(st, tmp_path / "a.nt")
        second = run_load(st, src)
        b = export(st, tmp_path / "b.nt")
        assert st.generation() == gen
    assert second.report is not None
    assert (len(second.report.created), len(second.report.updated), len(second.report.unchanged)) == (0, 0, 40)
    assert all(it.action == "unchanged" for it in second.plan.items)
    assert {it.match for it in second.plan.items} == {"external-id:isil"}
    assert sorted(it.id for it in second.plan.items) == sorted(it.id for it in first.plan.items)
    assert a == b


def test_every_statement_has_the_source_reference(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "musea.csv", good_rows(3))
    os.utime(src, (1_700_000_000, 1_700_000_000))  # 2023-11-14 UTC
    with Store.open(tmp_path / "store") as st:
        result = run_load(st, src)
    m = model()
    url_pid, retrieved_pid = m.prop("reference_url").id, m.prop("retrieved").id
    for it in result.plan.items:
        for sts in it.entity["claims"].values():
            for s in sts:
                (ref,) = s["references"]
                assert ref["snaks"][url_pid][0]["datavalue"]["value"] == "file:musea.csv"
                assert ref["snaks"][retrieved_pid][0]["datavalue"]["value"]["time"] == "+2023-11-14T00:00:00Z"


def test_every_statement_in_the_store_has_a_reference(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "musea.csv", good_rows(5))
    os.utime(src, (1_700_000_000, 1_700_000_000))  # 2023-11-14 UTC
    with Store.open(tmp_path / "store") as st:
        run_load(st, src)
        m = model()
        statements = st.query(
            "SELECT (COUNT(?s) AS ?n) WHERE { ?item ?p ?s . ?s <http://wikiba.se/ontology#rank> ?rank }"
        )
        (n,) = [int(sol["n"].value) for sol in statements]
        rows = st.query(
            "SELECT ?s ?url ?date WHERE { ?item ?p ?s . ?s <http://wikiba.se/ontology#rank> ?rank . "
            "OPTIONAL { ?s <http://www.w3.org/ns/prov#wasDerivedFrom> ?ref . "
            f"?ref <http://www.wikidata.org/prop/reference/{m.prop('reference_url').id}> ?url ; "
            f"<http://www.wikidata.org/prop/reference/{m.prop('retrieved').id}> ?date }} }}"
        )
        found = [(sol["url"], sol["date"]) for sol in rows]
    assert n == 5 * 6  # class, country, coordinates, ISIL, website, inception: 6 statements a row
    assert len(found) == n
    for url, date in found:
        assert url is not None and url.value == "file:musea.csv"
        assert date is not None and date.value.startswith("2023-11-14")


def test_fast_entity_json_equals_the_general_path(tmp_path: Path) -> None:
    from kg.load.pipeline import entity_for, record_for, reference_json, source_snaks
    from kg.load.reconcile import Match
    from kg.load.sheet import read_sheet

    src = write_csv(tmp_path / "musea.csv", good_rows(3))
    rows, problems, _ = Mapping.default("institution").map_sheet(read_sheet(src))
    assert problems == []
    refs = source_snaks("file:musea.csv", "2024-05-01", "Q1000000000010")
    shared = reference_json(refs, "institution")
    for n, row in enumerate(rows):
        match = Match(row.number, f"Q{10**12 + 500 + n}", "new")
        fast = entity_for(row, match, "institution", shared)
        slow = to_json(record_for(row, match, "institution", refs))
        assert fast == slow
        assert [list(s) for sts in fast["claims"].values() for s in sts] == [
            list(s) for sts in slow["claims"].values() for s in sts
        ]  # the same key order, so a saved plan reads the same


def test_dutch_semicolon_file_with_bom_through_a_mapping(tmp_path: Path) -> None:
    header = ["Naam", "Soort", "Breedte", "Lengte", "Bezoekers", "Oppervlakte", "Opgericht", "Website"]
    rows = [
        ["Rijksmuseum", "kunstmuseum", "52,3600", "4,8852", "2.700.000", "6,09", "13-04-1800", "https://r.example/"],
        ["Stadsarchief", "archief", "52,3675", "4,9041", "425.007", "12.345,5", "1914", ""],
    ]
    src = tmp_path / "musea.csv"
    with src.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(header)
        w.writerows(rows)
    assert src.read_bytes().startswith(b"\xef\xbb\xbf")
    mapping_file = tmp_path / "musea.yaml"
    mapping_file.write_text(
        yaml.safe_dump(
            {
                "kind": "institution",
                "language": "nl",
                "locale": "nl",
                "date_formats": ["%d-%m-%Y", "%Y"],
                "reference": {"url": "https://example.org/musea.csv", "retrieved": "2024-05-01"},
                "columns": {
                    "Naam": "label",
                    "Soort": {
                        "property": "instance_of",
                        "values": {"kunstmuseum": "art_museum", "archief": "archives"},
                    },
                    "Breedte": {"property": "coordinates", "part": "latitude"},
                    "Lengte": {"property": "coordinates", "part": "longitude"},
                    "Bezoekers": {"property": "P1174", "datatype": "quantity"},
                    "Oppervlakte": {"property": "P2046", "datatype": "quantity", "unit": "Q35852"},
                    "Opgericht": "inception",
                    "Website": "website",
                },
                "constants": {"country": "netherlands"},
            }
        ),
        encoding="utf-8",
    )
    with Store.open(tmp_path / "store") as st:
        t = StoreTarget(st)
        result = load(src, Mapping.from_file(mapping_file), t, index=t.index(), exists=t.exists)
        ids_ = [it.id for it in sorted(result.plan.items, key=lambda it: it.rows)]
        back = t.existing(ids_)
        res = st.query("SELECT ?v WHERE { ?s <http://www.wikidata.org/prop/direct/P1174> ?v } ORDER BY ?v")
        visitors = sorted(float(sol["v"].value) for sol in res)
        res = st.query(
            "SELECT ?v WHERE { ?s <http://www.wikidata.org/prop/statement/value/P2046> ?node . "
            "?node <http://wikiba.se/ontology#quantityAmount> ?v }"
        )
        areas = sorted((sol["v"].value, sol["v"].datatype.value) for sol in res)
    rijks, archief = (back[i] for i in ids_)
    assert rijks is not None and archief is not None
    assert rijks["labels"]["nl"]["value"] == "Rijksmuseum"

    def value(ent: dict, pid: str) -> dict:
        return ent["claims"][pid][0]["mainsnak"]["datavalue"]["value"]

    assert value(rijks, "P1174")["amount"] == "+2700000"
    assert value(archief, "P1174")["amount"] == "+425007"
    assert value(rijks, "P2046") == {"amount": "+6.09", "unit": "http://www.wikidata.org/entity/Q35852"}
    assert value(archief, "P2046")["amount"] == "+12345.5"
    assert (value(rijks, "P625")["latitude"], value(rijks, "P625")["longitude"]) == (52.36, 4.8852)
    assert value(rijks, "P571")["time"] == "+1800-04-13T00:00:00Z"
    assert value(archief, "P571")["time"] == "+1914-00-00T00:00:00Z"
    assert value(rijks, "P17")["id"] == "Q55"
    assert value(archief, "P31")["id"] == model().cls("archives").id
    assert visitors == [425007.0, 2700000.0]
    xsd_decimal = "http://www.w3.org/2001/XMLSchema#decimal"
    assert areas == [("12345.5", xsd_decimal), ("6.09", xsd_decimal)]
    ref = rijks["claims"]["P1174"][0]["references"][0]["snaks"]
    assert ref[model().prop("reference_url").id][0]["datavalue"]["value"] == "https://example.org/musea.csv"


def test_ambiguous_reconciliation_is_reported(tmp_path: Path) -> None:
    first = write_csv(
        tmp_path / "a.csv",
        [
            ["", "Stadsmuseum", "", "museum", "Q55", "", "NL-S1", "", "", ""],
            ["", "Stadsmuseum", "", "museum", "Q55", "", "NL-S2", "", "", ""],
        ],
    )
    second = write_csv(tmp_path / "b.csv", [["", "Stadsmuseum", "", "museum", "Q55", "", "", "", "", ""]])
    with Store.open(tmp_path / "store") as st:
        made = run_load(st, first)
        before = export(st, tmp_path / "before.nt")
        with pytest.raises(ValidationFailed) as e:
            run_load(st, second)
        assert export(st, tmp_path / "after.nt") == before
    (p,) = e.value.problems
    assert (p.row, p.column) == (2, "label_en")
    for it in made.plan.items:
        assert it.id in p.found
    assert "ambiguous" in p.hint


def test_merge_into_an_item_from_another_source(tmp_path: Path) -> None:
    m = model()
    wikidata_ref = [[("reference_url", "https://www.wikidata.org/wiki/Q190804"), ("retrieved", Time("2024-01-01"))]]
    existing = Record(
        "Q190804",
        "institution",
        labels={"en": "Rijksmuseum"},
        claims=[
            Claim("instance_of", m.cls("art_museum").id, references=wikidata_ref),
            Claim("country", "Q55", references=wikidata_ref),
            Claim("website", "https://www.rijksmuseum.nl/", references=wikidata_ref),
            Claim("inception", "1800", references=wikidata_ref),
        ],
    )
    src = write_csv(
        tmp_path / "r.csv",
        [["Q190804", "Rijksmuseum", "Rijksmuseum", "art_museum", "Q55", "", "", "https://rijks.example/", "", ""]],
    )
    with Store.open(tmp_path / "store") as st:
        st.write_entities([to_json(existing)])
        result = run_load(st, src)
        (it,) = result.plan.items
        acts = {(s.prop, s.action) for s in it.statements}
        assert acts == {
            ("P31", "change"),
            ("P17", "change"),
            ("P856", "unchanged"),
            ("P856", "add"),
            ("P571", "unchanged"),
        }
        assert [(t.term, t.language, t.action) for t in it.terms if t.action != "unchanged"] == [("label", "nl", "add")]
        p31 = next(s for s in it.statements if s.prop == "P31")
        assert p31.old is not None and p31.new is not None and p31.old["id"] == p31.new["id"]
        assert len(p31.new["references"]) == 2  # the Wikidata reference stays, this source's is added
        assert result.report is not None and result.report.updated == ["Q190804"]
        again = run_load(st, src)
        assert [i.action for i in again.plan.items] == ["unchanged"]
        # the volunteer corrects the website: this source's statement changes, the other source's stays
        src.write_text(src.read_text().replace("https://rijks.example/", "https://rijks2.example/"))
        changed = run_load(st, src)
        (it,) = changed.plan.items
        web = sorted((s.action, s.value_text()) for s in it.statements if s.prop == "P856")
        assert web == [
            ("change", "https://rijks.example/ -> https://rijks2.example/"),
            ("unchanged", "https://www.rijksmuseum.nl/"),
        ]


def test_new_rows_are_not_read_back_and_matched_rows_are(tmp_path: Path) -> None:
    """A row the reconciler minted an id for (checked against the store) is planned as a create without asking
    the store for it again; a row matched to an item of the store is read back and merged; counts stay right."""
    rows = good_rows(5)
    rows[2][0] = "Q1000000000999"  # the seeded item, by id: read back and updated
    src = write_csv(tmp_path / "mixed.csv", rows)
    with seeded(tmp_path / "store") as st:
        target = StoreTarget(st)
        asked: list[str] = []
        read = target.existing

        def existing(ids_):  # type: ignore[no-untyped-def]
            asked.extend(ids_)
            return read(ids_)

        target.existing = existing  # type: ignore[method-assign]
        result = load(src, Mapping.default("institution"), target, index=target.index(), exists=target.exists)
        assert asked == ["Q1000000000999"]
        assert result.plan.counts()["create"] == 4 and result.plan.counts()["update"] == 1
        assert result.report is not None and result.report.updated == ["Q1000000000999"]
        assert len(result.report.created) == 4
        merged = read(["Q1000000000999"])["Q1000000000999"]
        assert merged is not None and merged["labels"]["en"]["value"] == "Testmuseum 2"
        # with an ``exists`` that is not the target's own, every row is read back as before
        asked.clear()
        again = load(src, Mapping.default("institution"), target, index=target.index(), exists=lambda q: False)
        assert len(asked) == 5 and all(it.action == "unchanged" for it in again.plan.items)


def test_the_targets_exists_sees_what_it_wrote_into_an_empty_store(tmp_path: Path) -> None:
    # an empty store answers "no" without a look-up per id until this target writes; then it looks again
    src = write_csv(tmp_path / "rows.csv", good_rows(3))
    with Store.open(tmp_path / "store") as st:
        target = StoreTarget(st)
        result = load(src, Mapping.default("institution"), target, index=target.index(), exists=target.exists)
        assert result.report is not None and len(result.report.created) == 3
        assert all(target.exists(eid) for eid in result.report.created)
        assert not target.exists("Q1000000000424242")
        # a second load of the same rows finds them through the store (same ids), not as new ones
        again = load(src, Mapping.default("institution"), target, index=target.index(), exists=target.exists)
        assert all(it.action == "unchanged" for it in again.plan.items)


def test_dry_run_and_plan_file(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "musea.csv", good_rows(5))
    with Store.open(tmp_path / "store") as st:
        before = export(st, tmp_path / "before.nt")
        result = run_load(st, src, dry_run=True, plan_out=tmp_path / "plan.yaml")
        assert result.report is None
        assert export(st, tmp_path / "after.nt") == before
    plan = Plan.read(tmp_path / "plan.yaml")
    assert plan.to_dict() == result.plan.to_dict()
    assert plan.counts()["create"] == 5
    assert plan.meta["reference_url"] == "file:musea.csv"


def test_prepare_never_writes_even_with_a_mapping_problem(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "musea.csv", good_rows(2), header=[*HEADER[:-1], "opgeheven"])
    with Store.open(tmp_path / "store") as st, pytest.raises(ValidationFailed) as e:
        t = StoreTarget(st)
        prepare(src, Mapping.default("institution"), t, index=t.index())
    assert [(p.row, p.column) for p in e.value.problems] == [(1, "opgeheven")]


# -- the command line -----------------------------------------------------------------------------------------


def test_cli_load_reports_and_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_csv(tmp_path / "good.csv", good_rows(4))
    bad = write_csv(tmp_path / "bad.csv", forty(bad=True))
    store = str(tmp_path / "store")
    assert main(["load", str(good), "--kind", "institution", "--store", store, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "dry run: created 4, updated 0, unchanged 0, rejected rows 0; nothing was written" in out
    assert not (tmp_path / "store").exists()
    assert (
        main(["load", str(good), "--kind", "institution", "--store", store, "--plan-out", str(tmp_path / "p.json")])
        == 0
    )
    out = capsys.readouterr().out
    assert "created 4, updated 0, unchanged 0, rejected rows 0" in out
    assert Plan.read(tmp_path / "p.json").counts()["create"] == 4
    assert main(["load", str(good), "--kind", "institution", "--store", store]) == 0
    assert "created 0, updated 0, unchanged 4, rejected rows 0" in capsys.readouterr().out
    assert main(["load", str(bad), "--kind", "institution", "--store", store]) == 2
    captured = capsys.readouterr()
    assert "rejected rows 6 of 40; nothing was written" in captured.out
    assert "6 problems in 6 of 40 rows; nothing was written" in captured.err
    assert "row 5, column 'instance_of'" in captured.err


def test_cli_encoding_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "f.csv"
    src.write_bytes("label_en,instance_of,country\nMusée,museum,Q55\n".encode("cp1252"))
    assert main(["load", str(src), "--kind", "institution", "--store", str(tmp_path / "s"), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "line 2" in err and "--encoding" in err
    assert (
        main(
            [
                "load",
                str(src),
                "--kind",
                "institution",
                "--store",
                str(tmp_path / "s"),
                "--dry-run",
                "--encoding",
                "cp1252",
            ]
        )
        == 0
    )


def test_cli_needs_a_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_csv(tmp_path / "f.csv", good_rows(1))
    assert main(["load", str(src), "--store", str(tmp_path / "s")]) == 2
    assert "--kind" in capsys.readouterr().err


def test_cli_missing_target_module(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import kg.cli.load as cmd
    real = cmd.importlib.import_module

    def fake(name: str, *a: object) -> object:
        if name == "kg.load.targets.wikibase":
            raise ModuleNotFoundError("No module named 'kg.load.targets.wikibase'", name="kg.load.targets.wikibase")
        return real(name, *a)  # type: ignore[arg-type]

    monkeypatch.setattr(cmd.importlib, "import_module", fake)
    src = write_csv(tmp_path / "f.csv", good_rows(1))
    assert (
        main(["load", str(src), "--kind", "institution", "--target", "wikibase", "--store", str(tmp_path / "s")]) == 2
    )
    assert "no kg.load.targets.wikibase module" in capsys.readouterr().err


def test_cli_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["template", "partnership"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("id,label_en,")
    assert main(["template", "castle"]) == 2
    assert main(["template", "--all", "-o", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{k}.csv" for k in model().kinds)


def test_preview_shows_a_reference_only_change_as_such(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same sheet loaded again from another source: every statement keeps its value and gets the second
    source's reference; the preview says "change: references", not a value change."""
    src = write_csv(tmp_path / "one.csv", [["", "Kleinmuseum", "", "museum", "Q55", "", "NL-KM1", "", "1901", ""]])
    store = tmp_path / "store"
    base = ["load", str(src), "--kind", "institution", "--store", str(store)]
    assert main([*base, "-q", "--reference-url", "https://example.org/a.csv"]) == 0
    capsys.readouterr()
    assert main([*base, "--dry-run", "--reference-url", "https://example.org/b.csv"]) == 0
    out = capsys.readouterr().out
    changes = [line for line in out.splitlines() if "change" in line and "(P" in line]
    assert changes and all("change: references" in line for line in changes), out
    assert " -> " not in "".join(changes)  # no value shown as changed
    assert "updated 1" in out or "dry run: created 0, updated 1" in out


def test_cli_quickstatements_plan_says_what_the_run_does(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Rows naming Wikidata items (not read: no reader) are planned as edits of them, as the run reports them and
    the file writes them, in the dry run, the saved plan and the run alike."""
    src = write_csv(
        tmp_path / "linked.csv",
        [
            ["Q190804", "Rijksmuseum", "", "art_museum", "Q55", "", "", "https://www.rijksmuseum.nl/", "1798", ""],
            ["Q1000", "Gabon museum", "", "museum", "Q1000", "", "", "", "", ""],
        ],
    )
    out, plan_file = tmp_path / "edits.qs", tmp_path / "plan.json"
    args = ["load", str(src), "--kind", "institution", "--target", "quickstatements", "-o", str(out),
            "--reference-url", "https://example.org/linked.csv", "--store", str(tmp_path / "store"),
            "--shacl-limit", "-1"]
    assert main([*args, "--dry-run"]) == 0
    assert "dry run: created 0, updated 2, unchanged 0" in capsys.readouterr().out
    assert main([*args, "--plan-out", str(plan_file)]) == 0
    captured = capsys.readouterr()
    actions = {it["id"]: it["action"] for it in json.loads(plan_file.read_text(encoding="utf-8"))["items"]}
    assert actions == {"Q190804": "update", "Q1000": "update"}
    assert "created 0, updated 2, unchanged 0" in captured.out, captured.out
    lines = out.read_text(encoding="utf-8").splitlines()
    assert {line.split("\t")[0] for line in lines} == {"Q190804", "Q1000"} and "CREATE" not in lines
    assert "2 labels and descriptions of linked Wikidata items kept as Wikidata has them" in captured.out


def test_cli_load_to_quickstatements_reports_local_items(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_csv(
        tmp_path / "mixed.csv",
        [
            ["Q190804", "Rijksmuseum", "", "art_museum", "Q55", "", "", "https://www.rijksmuseum.nl/", "1798", ""],
            ["", "Kleinmuseum", "", "museum", "Q55", "", "NL-KM1", "", "", ""],
        ],
    )
    os.utime(src, (1_700_000_000, 1_700_000_000))  # 2023-11-14 UTC
    out = tmp_path / "edits.qs"
    store = tmp_path / "store"
    args = ["load", str(src), "--kind", "institution", "--target", "quickstatements", "-o", str(out)]
    # Wikidata refuses the default `file:mixed.csv` reference URL: a problem of the plan, no file written
    assert main([*args, "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert "'file:mixed.csv'" in err and not out.exists()
    # a problem of the whole file: both summaries say every row is rejected
    assert "1 problem in 0 of 2 rows and the file as a whole (so every row is rejected)" in err
    args += ["--reference-url", "https://example.org/mixed.csv"]
    assert main([*args, "--store", str(store)]) == 5  # incomplete: the local item is not written
    captured = capsys.readouterr()
    assert "skipped 1" in captured.out and f"wrote {out}" in captured.out
    assert "error: 1 item was not written (reason above); fix it" in captured.err  # the local item only: a real skip
    assert "local-only" in captured.err and "Kleinmuseum" in captured.err
    lines = out.read_text(encoding="utf-8").splitlines()
    # no reader of Wikidata: the label would overwrite Wikidata's, so it is kept as it is there, and said so
    assert not any("\tLen\t" in line for line in lines)
    assert "1 label or description of a linked Wikidata item kept as Wikidata has it" in captured.out
    assert "left out" not in captured.err
    ref = '\tS854\t"https://example.org/mixed.csv"\tS813\t+2023-11-14T00:00:00Z/11'
    assert f"Q190804\tP17\tQ55{ref}" in lines
    assert f"Q190804\tP571\t+1798-00-00T00:00:00Z/9{ref}" in lines
    assert all(line.startswith(("Q190804\t", "-Q190804\t")) for line in lines)  # nothing for the local item
    assert not store.exists()  # the local store is only read
