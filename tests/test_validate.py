"""kg.load.validate: schemas/shapes.ttl agrees with the model; the row checker and pyshacl find the same things."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib

from kg.load.mapping import MappedRow, Mapping
from kg.load.sheet import read_sheet
from kg.load.validate import (
    KGS,
    LANG_STRING,
    RDFS_LABEL,
    SCHEMA_DESCRIPTION,
    SHAPES_PATH,
    WD,
    WDT,
    XSD,
    check_rows,
    load_rules,
    shacl_check,
)
from kg.model.schema import model

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
IRI_DATATYPES = {"wikibase-item", "url", "commonsMedia"}
LITERAL_TYPES = {
    "time": XSD + "dateTime",
    "quantity": XSD + "decimal",
    "external-id": XSD + "string",
    "string": XSD + "string",
    "globe-coordinate": "http://www.opengis.net/ont/geosparql#wktLiteral",
    "monolingualtext": LANG_STRING,
}


def test_committed_shapes_equal_the_generated_ones() -> None:
    from kg.load.shapes import shapes_text

    assert SHAPES_PATH.read_text(encoding="utf-8") == shapes_text(), (
        "schemas/shapes.ttl is stale: regenerate with `.venv/bin/python -m kg.load.shapes`"
    )


def test_shapes_file_parses_and_has_one_shape_per_kind() -> None:
    g = rdflib.Graph().parse(SHAPES_PATH, format="turtle")
    targets = {str(o).removeprefix(KGS) for o in g.objects(None, SH.targetClass)}
    assert targets == set(model().kinds)


@pytest.mark.parametrize("kind", sorted(model().kinds))
def test_shapes_agree_with_the_model(kind: str) -> None:
    m = model()
    rules = {r.path: r for r in load_rules()[kind].properties}
    props = m.props_for_kind(kind)
    assert set(rules) == {RDFS_LABEL, SCHEMA_DESCRIPTION} | {WDT + p.id for p in props}
    assert rules[RDFS_LABEL].min_count == 1
    k = m.kind(kind)
    for p in props:
        r = rules[WDT + p.id]
        assert r.name == p.key
        unknowable = kind in p.unknowable  # required as a value or "unknown value": the node shape's sh:or
        assert (r.min_count >= 1 or WDT + p.id in load_rules()[kind].unknowable) == (kind in p.required), p.key
        assert (WDT + p.id in load_rules()[kind].unknowable) == unknowable, p.key
        if p.datatype in IRI_DATATYPES:
            assert r.node_kind == "IRI" and r.datatype is None, p.key
        else:
            assert r.datatype == LITERAL_TYPES[p.datatype], p.key
        if p.key == k.class_property:
            assert r.allowed == frozenset((True, WD + m.cls(c).id) for c in k.allowed_classes)


def rows_from(tmp_path: Path, kind: str, text: str) -> tuple[str, list[MappedRow]]:
    p = tmp_path / "f.csv"
    p.write_text(text, encoding="utf-8")
    s = read_sheet(p)
    rows, problems, _ = Mapping.default(kind).map_sheet(s)
    assert problems == []
    return s.name, rows


BAD_INSTITUTIONS = (
    "label_en,instance_of,country,isil,inception,dissolved,coordinates,website\n"
    'Good,museum,Q55,NL-Good,1900,1950,"52,4",https://good.example/\n'  # 2
    "No country,museum,,,,,,\n"  # 3: required
    "Partnership class,glam_partnership,Q55,,,,,\n"  # 4: class not allowed for institutions
    "Bad ISIL,museum,Q55,NL Bad,,,,\n"  # 5: pattern
    "Dates swapped,museum,Q55,,1990,1980,,\n"  # 6: inception after dissolved
    "Two ISILs,museum,Q55,NL-A|NL-B,,,,\n"  # 7: maxCount 1
    ",museum,Q55,,,,,\n"  # 8: no label
    "Ftp site,museum,Q55,,,,,ftp://x.example/\n"  # 9: website pattern
)
EXPECTED = {
    (3, "country"),
    (4, "instance_of"),
    (5, "isil"),
    (6, "inception"),
    (7, "isil"),
    (8, "label_en"),
    (9, "website"),
}


def test_row_checker_finds_each_problem(tmp_path: Path) -> None:
    name, rows = rows_from(tmp_path, "institution", BAD_INSTITUTIONS)
    problems = check_rows(rows, "institution", file=name)
    assert {(p.row, p.column) for p in problems} == EXPECTED
    assert all(p.file == name and p.expected and p.found for p in problems)
    swapped = next(p for p in problems if p.row == 6)
    assert "1990" in swapped.found and "1980" in swapped.found
    wrong_class = next(p for p in problems if p.row == 4)
    assert "glam_partnership" in wrong_class.found and "museum" in wrong_class.expected


def test_pyshacl_finds_the_same_problems(tmp_path: Path) -> None:
    name, rows = rows_from(tmp_path, "institution", BAD_INSTITUTIONS)
    problems = shacl_check(rows, "institution", file=name)
    assert {(p.row, p.column) for p in problems} == EXPECTED


def test_negative_count_for_contributions(tmp_path: Path) -> None:
    text = (
        "label_en,instance_of,part_of,quantity,point_in_time\n"
        "Uploads,media_upload,Q1000000000100,-5,2021\n"
        "Uploads 2,media_upload,Q1000000000100,12,2021\n"
    )
    name, rows = rows_from(tmp_path, "contribution", text)
    (p,) = check_rows(rows, "contribution", file=name)
    assert (p.row, p.column, p.found) == (2, "quantity", "'-5'")
    assert [(q.row, q.column) for q in shacl_check(rows, "contribution", file=name)] == [(2, "quantity")]


def test_valid_rows_pass_both(tmp_path: Path) -> None:
    name, rows = rows_from(
        tmp_path,
        "partnership",
        "label_en,instance_of,start_time,end_time,participant,country\n"
        "P,edit_a_thon,2021-05,2021-05-17,Q190804|Q1000000000123,Q55\n"
        "Q,glam_partnership,2021,2021,Q190804,\n",
    )
    assert check_rows(rows, "partnership", file=name) == []
    assert shacl_check(rows, "partnership", file=name) == []


def test_a_required_value_only_the_last_row_gives_is_missing_in_each_other_row(tmp_path: Path) -> None:
    # The rows are checked one at a time (nothing kept per row): the test for a column nobody fills must still
    # look as far as the last row before it calls the column missing.
    name, rows = rows_from(tmp_path, "institution",
                           "label_en,instance_of,country\nA,museum,\nB,museum,\nC,library,Q55\n")
    problems = check_rows(rows, "institution", file=name)
    assert [(p.row, p.column) for p in problems] == [(2, "country"), (3, "country")]
    assert all("in any of" not in p.found for p in problems)


def test_required_columns_no_row_gives_are_one_problem_each_in_the_rules_order(tmp_path: Path) -> None:
    name, rows = rows_from(tmp_path, "institution", "label_en,isil\nA,NL-A\nB,NL-B\nC,NL-C\n")
    problems = check_rows(rows, "institution", file=name)
    assert [(p.row, p.found) for p in problems] == [(1, "no value in any of the 3 rows")] * 2
    assert [p.column for p in problems] == sorted(p.column for p in problems)
    assert {p.column for p in problems} == {"country", "instance_of"}
