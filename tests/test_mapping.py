"""kg.load.mapping: columns -> model, number and date formats, constants, templates."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from kg.errors import InputError
from kg.load.mapping import Mapping, parse_number
from kg.load.sheet import read_sheet
from kg.load.templates import TEMPLATE_DIR, template_text
from kg.model.schema import model
from kg.model.values import Coordinate, ItemRef, Monolingual, Quantity, Time

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("text", "decimal", "thousands", "expected"),
    [
        ("425.007", ",", ".", Decimal("425007")),
        ("6,09", ",", ".", Decimal("6.09")),
        ("1.234.567,5", ",", ".", Decimal("1234567.5")),
        ("-12", ",", ".", Decimal("-12")),
        ("1,234.5", ".", ",", Decimal("1234.5")),
        ("1\u00a0234,5", ",", " ", Decimal("1234.5")),
        ("425.007", ".", "", Decimal("425.007")),
        ("1'234.5", ".", "'", Decimal("1234.5")),
    ],
)
def test_parse_number(text: str, decimal: str, thousands: str, expected: Decimal) -> None:
    assert parse_number(text, decimal, thousands) == expected


@pytest.mark.parametrize(
    ("text", "decimal", "thousands"),
    [("4.25", ",", "."), ("6,09", ".", ""), ("12a", ".", ""), ("1.2.3", ".", ""), ("", ".", ""), ("1,", ",", ".")],
)
def test_parse_number_rejects(text: str, decimal: str, thousands: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text, decimal, thousands)


def sheet(tmp_path: Path, text: str, name: str = "f.csv"):  # type: ignore[no-untyped-def]
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return read_sheet(p)


def test_template_columns_map_without_a_mapping_file(tmp_path: Path) -> None:
    s = sheet(
        tmp_path,
        "id,label_en,label_nl,description_en,aliases_en,instance_of,country,coordinates,inception,P856\n"
        'Q190804,Rijksmuseum,Rijksmuseum,a museum,Rijks|RM,art museum,Q55,"52.36,4.885",1798-03,https://r.nl/\n',
    )
    rows, problems, _ = Mapping.default("institution").map_sheet(s)
    assert problems == []
    (r,) = rows
    assert r.id == "Q190804"
    assert r.labels == {"en": "Rijksmuseum", "nl": "Rijksmuseum"}
    assert r.aliases == {"en": ["Rijks", "RM"]}
    m = model()
    assert r.values(m.prop("instance_of").id) == [ItemRef(m.cls("art_museum").id)]
    assert r.values("P17") == [ItemRef("Q55")]
    (c,) = r.values("P625")
    assert isinstance(c, Coordinate) and (c.lat, c.lon) == (52.36, 4.885)
    (t,) = r.values("P571")
    assert isinstance(t, Time) and t.precision == 10 and t.value == "+1798-03-00T00:00:00Z"
    assert r.values("P856") == ["https://r.nl/"]
    assert r.columns["P571"] == "inception"


def test_unknown_column_is_a_problem_at_the_header(tmp_path: Path) -> None:
    s = sheet(tmp_path, "label_en,contry\nX,Q55\n")
    _, problems, _ = Mapping.default("institution").map_sheet(s)
    (p,) = problems
    assert (p.row, p.column) == (1, "contry")
    assert "country" in p.expected


def test_mapping_file_dutch(tmp_path: Path) -> None:
    spec = {
        "kind": "institution",
        "language": "nl",
        "locale": "nl",
        "date_formats": ["%d-%m-%Y", "%m-%Y"],
        "reference": {"url": "https://example.org/musea.csv", "retrieved": "2024-05-01"},
        "columns": {
            "Naam": "label",
            "Omschrijving": "description",
            "Soort": {"property": "instance_of", "values": {"Kunstmuseum": "art_museum", "archief": "Q166118"}},
            "Breedte": {"property": "coordinates", "part": "latitude"},
            "Lengte": {"property": "coordinates", "part": "longitude"},
            "Bezoekers": {"property": "P1174", "datatype": "quantity"},
            "Opgericht": "inception",
            "Opmerking": "ignore",
        },
        "constants": {"country": "Q55"},
    }
    mp = tmp_path / "m.yaml"
    mp.write_text(yaml.safe_dump(spec), encoding="utf-8")
    s = sheet(
        tmp_path,
        "Naam;Omschrijving;Soort;Breedte;Lengte;Bezoekers;Opgericht;Opmerking;Extra\n"
        "Rijksmuseum;museum;kunstmuseum;52,36;4,885;2.700.000;13-04-1800;x;y\n"
        "Stadsarchief;archief;Archief;52,3675;4,9041;6,09;05-1914;;\n",
    )
    mapping = Mapping.from_file(mp)
    assert mapping.reference.url == "https://example.org/musea.csv"
    rows, problems, specs = mapping.map_sheet(s)
    assert problems == []
    assert "Extra" not in specs and "Opmerking" not in specs
    a, b = rows
    assert a.labels == {"nl": "Rijksmuseum"} and a.descriptions == {"nl": "museum"}
    assert a.values("P31") == [ItemRef(model().cls("art_museum").id)]
    assert b.values("P31") == [ItemRef("Q166118")]
    (qa,) = a.values("P1174")
    (qb,) = b.values("P1174")
    assert isinstance(qa, Quantity) and qa.amount == "+2700000"
    assert isinstance(qb, Quantity) and qb.amount == "+6.09"
    (ca,) = a.values("P625")
    assert isinstance(ca, Coordinate) and (ca.lat, ca.lon) == (52.36, 4.885)
    (ta,) = a.values("P571")
    (tb,) = b.values("P571")
    assert isinstance(ta, Time) and ta.value == "+1800-04-13T00:00:00Z" and ta.precision == 11
    assert isinstance(tb, Time) and tb.value == "+1914-05-00T00:00:00Z" and tb.precision == 10
    assert a.values("P17") == [ItemRef("Q55")]  # the constant
    assert mapping.mapped_pids(specs) >= {"P31", "P625", "P1174", "P571", "P17"}


def test_number_in_the_wrong_format_is_a_cell_problem(tmp_path: Path) -> None:
    s = sheet(tmp_path, 'label_en,P1174\nA,6.09\nB,"6,09"\n')
    mapping = Mapping.from_dict(
        {
            "kind": "institution",
            "locale": "nl",
            "columns": {"P1174": {"property": "P1174", "datatype": "quantity"}},
            "constants": {"country": "Q55", "instance_of": "museum"},
        }
    )
    rows, problems, _ = mapping.map_sheet(s)
    (p,) = problems
    assert (p.row, p.column, p.found) == (2, "P1174", "'6.09'")
    assert "1234,5" in p.expected and "locale" in p.hint
    assert rows[1].values("P1174") == [Quantity("6.09")]


def test_monolingual_and_multi_values(tmp_path: Path) -> None:
    s = sheet(tmp_path, "label_en,motto,country\nA,Ars longa | vita brevis,Q55 ; Q31\n")
    mapping = Mapping.from_dict(
        {
            "kind": "institution",
            "columns": {
                "motto": {"property": "P1451", "datatype": "monolingualtext", "language": "la"},
                "country": {"property": "country", "separator": ";"},
            },
        }
    )
    rows, problems, _ = mapping.map_sheet(s)
    assert problems == []
    assert rows[0].values("P1451") == [Monolingual("Ars longa | vita brevis", "la")]
    assert rows[0].values("P17") == [ItemRef("Q55"), ItemRef("Q31")]


def test_coordinate_forms() -> None:
    m = Mapping.default("institution")
    m_nl = Mapping.from_dict({"kind": "institution", "locale": "nl"})
    assert (m.coordinate("52.36, 4.885").lat, m.coordinate("52.36 4.885").lon) == (52.36, 4.885)
    assert m.coordinate("Point(4.885 52.36)").lat == 52.36
    assert m_nl.coordinate("52,36;4,885").lon == 4.885
    assert m_nl.coordinate("52,36 4,885").lat == 52.36
    with pytest.raises(ValueError):
        m.coordinate("52.36")
    with pytest.raises(ValueError, match="latitude"):
        m.coordinate("95,4")


def test_a_point_that_is_not_two_numbers_is_a_located_problem(tmp_path: Path) -> None:
    """``Point(abc def)`` raised decimal.InvalidOperation (not a ValueError): the load stopped with a traceback
    instead of naming the cell."""
    s = sheet(tmp_path, "label_en,instance_of,country,coordinates\nA,museum,Q55,Point(abc def)\n")
    rows, problems, _ = Mapping.default("institution").map_sheet(s)
    (p,) = problems
    assert (p.row, p.column) == (2, "coordinates")
    assert "Point(longitude latitude)" in p.hint + p.found + p.expected
    assert rows[0].values("P625") == []


def test_half_a_coordinate_is_a_problem(tmp_path: Path) -> None:
    s = sheet(tmp_path, "label_en,lat,lon\nA,52.1,\n")
    mapping = Mapping.from_dict(
        {
            "kind": "institution",
            "columns": {
                "lat": {"property": "coordinates", "part": "latitude"},
                "lon": {"property": "coordinates", "part": "longitude"},
            },
        }
    )
    _, problems, _ = mapping.map_sheet(s)
    (p,) = problems
    assert (p.row, p.column) == (2, "lat") and "longitude" in p.expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"kind": "castle"}, "expected a kind"),
        ({"kind": "institution", "columns": {"x": "colour"}}, "found 'colour'"),
        ({"kind": "institution", "columns": {"x": {"property": "P99999"}}}, "P99999 is not a property glamkg knows"),
        (  # a datatype in the mapping does not make an unknown id known (issue 13: it went into QuickStatements)
            {"kind": "institution", "columns": {"x": {"property": "P99999999", "datatype": "string"}}},
            "P99999999 is not a property glamkg knows",
        ),
        (
            {"kind": "institution", "columns": {"x": {"property": "P1174", "datatype": "string"}}},
            r"P1174 \(visitors per year\) is a quantity property on Wikidata, found 'string'",
        ),
        ({"kind": "institution", "columns": {"x": "P99999999"}}, "P99999999 is not a property glamkg knows"),
        ({"kind": "institution", "locale": "tlh"}, "locale"),
        ({"kind": "institution", "decimal": ",", "thousands": ","}, "different thousands"),
        ({"kind": "institution", "colour": 1}, "found colour"),
        ({"kind": "institution", "constants": {"country": "Netherland"}}, "constants.country"),
        ({"kind": "institution", "columns": {"x": {"property": "country", "part": "latitude"}}}, "part"),
        ({}, "kind"),
    ],
)
def test_bad_mapping_files(spec: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Mapping.from_dict(spec, source="m.yaml")


def test_mapping_names_a_missing_column(tmp_path: Path) -> None:
    s = sheet(tmp_path, "label_en\nA\n")
    _, problems, _ = Mapping.from_dict({"kind": "institution", "columns": {"Land": "country"}}).map_sheet(s)
    (p,) = problems
    assert (p.row, p.column, p.found) == (1, "Land", "no such column")


@pytest.mark.parametrize("kind", sorted(model().kinds))
def test_committed_templates_equal_the_generated_ones(kind: str) -> None:
    committed = (TEMPLATE_DIR / f"{kind}.csv").read_text(encoding="utf-8")
    assert committed == template_text(kind), f"regenerate with: glamkg template --all ({kind}.csv is stale)"


def test_one_committed_template_per_kind_and_no_other() -> None:
    assert sorted(p.name for p in TEMPLATE_DIR.iterdir()) == sorted(f"{k}.csv" for k in model().kinds)


def test_template_columns_follow_the_model(tmp_path: Path) -> None:
    from kg.load.templates import columns, example_row, write_templates

    for kind in model().kinds:
        keys = [p.key for p in model().props_for_kind(kind)]
        assert columns(kind) == ["id", "label_en", "description_en", "aliases_en", *keys]
        row = dict(zip(columns(kind), example_row(kind), strict=True))
        assert row["label_en"], kind  # an example row, not an empty one
        for p in model().props_for_kind(kind):
            if kind in p.required:
                assert row[p.key], (kind, p.key)
    written = write_templates(tmp_path)
    assert [p.read_text(encoding="utf-8") for p in written] == [template_text(k) for k in model().kinds]


@pytest.mark.parametrize("kind", sorted(model().kinds))
def test_template_columns_are_understood_and_example_is_valid(kind: str) -> None:
    from kg.load.validate import check_rows, shacl_check

    s = read_sheet(TEMPLATE_DIR / f"{kind}.csv")
    rows, problems, specs = Mapping.default(kind).map_sheet(s)
    assert problems == []
    assert set(specs) == set(s.columns)
    assert len(rows) == 1
    assert check_rows(rows, kind, file=s.name) == []
    assert shacl_check(rows, kind, file=s.name) == []
