"""The column-wise write of a sheet's new rows (kg.rdf.columns, kg.load.newrows) against the per-entity path.

The N-Triples made column by column must equal, triple for triple, what the per-entity converter
(kg.rdf.conversion.convert_chunk) makes of the entity JSON of the same rows; a load through the CLI must leave the
store exactly as the per-entity path leaves it; shapes the column path does not write fall back to it.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
import yaml

from kg.cli import main
from kg.load import prepare
from kg.load.mapping import Mapping
from kg.load.problems import ValidationFailed
from kg.load.targets.store import StoreTarget
from kg.rdf import columns, conversion
from kg.store import Store

PRECISIONS = ["1850", "1850-05", "1850-05-17", "+1800-00-00T00:00:00Z", "2021-11-30"]
NL_CLASSES = ["museum", "art_museum", "library", "archives"]


def institution_rows(n: int) -> tuple[list[str], list[list[str]]]:
    header = ["label_en", "label_nl", "label_fr", "description_en", "aliases_en", "instance_of", "country",
              "coordinates", "isil", "website", "inception", "dissolved", "collection_size", "image",
              "commons_category", "motto"]
    rows = []
    for i in range(n):
        rows.append([
            f"Museum  {i}" if i % 7 else f"Muséum \"{i}\" ünïcode",  # spaces collapsed; escapes
            f"Museum {i} NL" if i % 3 else "",
            f"Musée {i}" if i % 5 == 0 else "",
            f"museum number {i}" if i % 2 else "",
            f"M{i}|Mus {i}|M{i}" if i % 4 == 0 else "",  # an alias twice: kept once
            NL_CLASSES[i % 4],
            "Q55|Q55" if i % 11 == 0 else ("Q55|Q31" if i % 6 == 0 else "Q55"),  # the same value twice: numbered
            # none, northern, southern and western, tiny (precision 1.0E-5), very precise
            ["", f"52.{i % 97:02d},4.{i % 89:02d}", f"-33.86{i % 10},-151.2", "0.00005,10", "89.999999,179.5"][i % 5],
            f"NL-C{i}",
            f"https://c{i}.example/p?q={i}" if i % 8 else "",
            PRECISIONS[i % len(PRECISIONS)],
            "" if i % 10 else "1990-01",
            str(100 * i + 5) if i % 3 == 0 else ("12.5" if i % 3 == 1 else ""),
            f"Museum front {i}.jpg" if i % 13 == 0 else "",
            f"Museum {i}" if i % 2 == 0 else "",
            f"Ars longa {i}" if i % 4 == 1 else "",
        ])
    return header, rows


SHEETS: dict[str, tuple[list[str], list[list[str]]]] = {
    "institution": institution_rows(60),
    "partner": (
        ["label_en", "description_en", "instance_of", "country", "located_in", "coordinates", "website", "inception"],
        [[f"Chapter {i}", "a chapter", "wikimedia_chapter", "Q55", "Q803", f"5{i % 10}.09,5.12", "", str(2000 + i)]
         for i in range(12)],
    ),
    "partnership": (
        ["label_en", "instance_of", "country", "start_time", "end_time", "participant", "commons_category"],
        [[f"Partnership {i}", "glam_partnership", "Q55", f"2021-0{1 + i % 9}", str(2022 + i % 3), "Q190804|Q18600731",
          f"Partnership {i}"] for i in range(12)],
    ),
    "contribution": (
        ["label_en", "instance_of", "part_of", "quantity", "point_in_time"],
        [[f"Upload {i}", "media_upload", "Q1000000000100", str(1250 + i), f"2021-11-{1 + i % 28:02d}"]
         for i in range(12)],
    ),
}


def write_sheet(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def mapping_for(kind: str, tmp_path: Path) -> Mapping:
    columns_: dict[str, Any] = {"motto": {"property": "P1451", "datatype": "monolingualtext", "language": "la"}}
    raw = {
        "kind": kind,
        "reference": {"url": "https://example.org/sheet.csv", "retrieved": "2024-05-01", "stated_in": "Q1000000000010"},
        "columns": columns_ if kind == "institution" else {},
    }
    path = tmp_path / f"{kind}.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return Mapping.from_file(path)


def planned(src: Path, mapping: Mapping) -> Any:
    target = StoreTarget(Store.memory())
    return prepare(src, mapping, target, index=target.index(), exists=target.exists).plan


def lines_of_columns(plan: Any) -> list[bytes]:
    return b"".join(columns.ntriples_parts(plan.columns, chunk=7)).splitlines()


def lines_of_entities(plan: Any) -> set[bytes]:
    own, shared = conversion.convert_chunk([it.entity for it in plan.items])
    assert own is not None
    return set(own.splitlines()) | {line.rstrip(b"\n") for line in shared}


@pytest.mark.parametrize("kind", list(SHEETS))
def test_column_triples_equal_the_per_entity_triples(tmp_path: Path, kind: str) -> None:
    header, rows = SHEETS[kind]
    plan = planned(write_sheet(tmp_path / f"{kind}.csv", header, rows), mapping_for(kind, tmp_path))
    assert plan.columns is not None and len(plan.columns.ids) == len(rows)
    assert all(it.action == "create" for it in plan.items)
    mine = lines_of_columns(plan)
    assert len(mine) == len(set(mine))  # every triple once (shared value and reference nodes too)
    assert set(mine) == lines_of_entities(plan)
    # the deferred items count what their entity JSON has
    assert plan.counts()["statements_add"] == sum(len(s) for it in plan.items for s in it.entity["claims"].values())


@pytest.mark.parametrize("kind", list(SHEETS))
def test_the_triples_kept_beside_each_part_are_its_triples_of_those_predicates(tmp_path: Path, kind: str) -> None:
    """What the map's table reads beside each part (ntriples_parts_with) is exactly what it would find searching the
    whole part (kg.query.derivation.map_triples): the same triples, in the same order."""
    from kg.query import derivation

    header, rows = SHEETS[kind]
    plan = planned(write_sheet(tmp_path / f"{kind}.csv", header, rows), mapping_for(kind, tmp_path))
    pairs = list(columns.ntriples_parts_with(plan.columns, derivation.MAP_PREDICATES, chunk=7))
    assert [part for part, _ in pairs] == list(columns.ntriples_parts(plan.columns, chunk=7))
    found = [derivation.map_triples(part) for part, _ in pairs]
    assert [kept for _, kept in pairs] == found
    assert sum(len(f) for f in found) >= len(rows)  # every item has a label at least
    assert {p for _, kept in pairs for _s, p, _o in kept} <= derivation.MAP_PREDICATES
    # and the map's table made from them is the one made by searching the parts
    assert [derivation.map_part_of(kept) for _, kept in pairs] == [derivation.map_part(part) for part, _ in pairs]


def test_the_rich_sheet_has_every_shape_it_claims(tmp_path: Path) -> None:
    """The institution sheet above really has the shapes the equality test is meant to cover."""
    header, rows = SHEETS["institution"]
    plan = planned(write_sheet(tmp_path / "i.csv", header, rows), mapping_for("institution", tmp_path))
    text = b"\n".join(lines_of_columns(plan)).decode()
    for what in ("timePrecision> \"9\"", "timePrecision> \"10\"", "timePrecision> \"11\"",
                 "geoLatitude", "quantityAmount", "@la", "@nl", "@fr", "altLabel", "description",
                 "P791> \"NL-C", "Special:FilePath", "P854> <https://example.org/sheet.csv>",
                 "P248> <https://glamkg.invalid/entity/Q1000000000010>", "\\u00FC", "\\\""):
        assert what in text, what
    entities = [it.entity for it in plan.items]
    numbered = [e for e in entities if len(e["claims"]["P17"]) == 2 and
                len({s["mainsnak"]["hash"] for s in e["claims"]["P17"]}) == 1]
    assert numbered  # the same value twice in a cell: two statements with different ids


def test_unknown_values_fall_back_to_the_per_entity_path(tmp_path: Path) -> None:
    src = write_sheet(tmp_path / "u.csv", ["label_en", "instance_of", "country", "start_time", "participant"],
                      [["A", "glam_partnership", "Q55", "unknown", "Q190804"],
                       ["B", "glam_partnership", "Q55", "1900", "Q190804"]])
    plan = planned(src, Mapping.default("partnership"))
    assert plan.columns is None  # somevalue: blank nodes, written from entity JSON
    assert [it.action for it in plan.items] == ["create", "create"]
    assert plan.items[0].entity["claims"]["P580"][0]["mainsnak"]["snaktype"] == "somevalue"


@pytest.mark.parametrize("bad", [["B", "glam_partnership", "Q55", "May 2021", "Q190804"],  # a date in words
                                 ["B", "museum", "Q55", "1900", "Q190804"]])  # a class of another kind
def test_unknown_values_beside_a_bad_row_are_problems_not_a_crash(tmp_path: Path, bad: list[str],
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    # the rows planned after a problem are only checked: their fall-back to entity JSON must not plan them
    src = write_sheet(tmp_path / "u.csv", ["label_en", "instance_of", "country", "start_time", "participant"],
                      [["A", "glam_partnership", "Q55", "unknown", "Q190804"], bad])
    code = main(["load", str(src), "--kind", "partnership", "--store", str(tmp_path / "store")])
    _out, err = capsys.readouterr()
    assert code == 2, err
    assert "Traceback" not in err and "row 3" in err
    assert "1 problem in 1 of 2 rows; nothing was written" in err


def big_sheet(path: Path, n: int) -> Path:
    header, rows = institution_rows(n)
    return write_sheet(path, header, rows)


def sorted_export(store: Store, path: Path) -> list[bytes]:
    store.export(path, format="nt")
    return sorted(path.read_bytes().splitlines())


def test_a_cli_load_leaves_the_store_the_per_entity_path_leaves(tmp_path: Path) -> None:
    n = conversion.PARALLEL_MIN + 50  # large enough for the column-wise write
    src = big_sheet(tmp_path / "big.csv", n)
    mapping = tmp_path / "institution.yaml"
    mapping_for("institution", tmp_path)
    store_a = tmp_path / "a"
    assert main(["load", str(src), "-m", str(mapping), "--store", str(store_a), "-q", "--shacl-limit", "0"]) == 0

    # the per-entity path: the same plan without its columns (workers converting entity JSON)
    with Store.open(tmp_path / "b") as st:
        target = StoreTarget(st)
        plan = prepare(src, Mapping.from_file(mapping), target, index=target.index(), exists=target.exists,
                       shacl_limit=0).plan
        assert plan.columns is not None
        plan.columns = None
        report = target.apply(plan)
        assert len(report.created) == n
        old = sorted_export(st, tmp_path / "b.nt")
    with Store.open(store_a) as st:
        new = sorted_export(st, tmp_path / "a.nt")
    assert len(new) > 40 * n
    assert new == old

    # a re-load of the unchanged sheet edits nothing
    with Store.open(store_a) as st:
        generation = st.generation()
    assert main(["load", str(src), "-m", str(mapping), "--store", str(store_a), "-q", "--shacl-limit", "0"]) == 0
    with Store.open(store_a) as st:
        assert st.generation() == generation
        assert sorted_export(st, tmp_path / "a2.nt") == old


def test_a_value_the_rdf_refuses_is_a_located_problem_before_anything_is_written(tmp_path: Path) -> None:
    header, rows = institution_rows(5)
    rows[3][header.index("website")] = "https://[bad/"
    src = write_sheet(tmp_path / "bad.csv", header, rows)
    target = StoreTarget(Store.memory())
    with pytest.raises(ValidationFailed) as err:
        prepare(src, mapping_for("institution", tmp_path), target, index=target.index(), exists=target.exists)
    (problem,) = err.value.problems
    # the URL check of the cell (kg.model.iri, the engine's own IRI parser) finds it, with its column
    assert problem.row == 5 and problem.column == "website" and "percent-encode" in problem.hint


def test_a_saved_plan_of_deferred_items_says_what_the_per_entity_plan_says(tmp_path: Path) -> None:
    header, rows = SHEETS["institution"]
    src = write_sheet(tmp_path / "i.csv", header, rows)
    mapping = mapping_for("institution", tmp_path)
    deferred = planned(src, mapping)
    per_entity = StoreTarget(Store.memory(), converter=conversion.store_converter())  # entity JSON while planning
    assert not per_entity.writes_columns
    plan = prepare(src, mapping, per_entity, index=per_entity.index(), exists=per_entity.exists).plan
    assert plan.columns is None and deferred.columns is not None
    deferred.target = plan.target
    saved = deferred.write(tmp_path / "deferred.json").read_text(encoding="utf-8")
    assert saved == plan.write(tmp_path / "per-entity.json").read_text(encoding="utf-8")  # the same file
    assert deferred.counts() == plan.counts()


def test_the_check_finds_what_the_write_would_refuse_in_values_it_does_not_keep(tmp_path: Path) -> None:
    # Texts, URLs and coordinates are checked without being kept (kg.rdf.columns._SHARED): converted again as they
    # are written. The check must still refuse what the write would, at the item that holds it.
    from kg.load.pipeline import reference_json, source_snaks
    from kg.model.values import Coordinate, ItemRef

    refs = reference_json(source_snaks("https://example.org/src", "2024-01-02", None), "institution")
    items = columns.NewItems(ids=["Q1000", "Q1001", "Q1002"], references=refs)
    items.claims = {"P856": ["https://ok.example/", "https://[bad/", None],
                    "P625": [Coordinate(52.0, 4.0), None, Coordinate(52.0, 4.0)],
                    "P31": [ItemRef("Q33506"), ItemRef("Q33506"), [ItemRef("Q33506"), ItemRef("Q7075")]]}
    found = columns.check(items)
    assert [i for i, _message in found] == [1]
    assert "P856" in found[0][1]
    assert set(items.converted) == {("P31", ItemRef, ItemRef("Q33506")), ("P31", ItemRef, ItemRef("Q7075"))}


def test_a_chunk_checked_with_every_value_kept_writes_what_the_other_check_writes(tmp_path: Path) -> None:
    """``keep_all`` (a streamed chunk) keeps each item's values converted beside it (``NewItems.held``): the same
    problems, the same N-Triples; a value the check refused is not written silently (it raises again)."""
    from kg.errors import InputError
    from kg.load.pipeline import reference_json, source_snaks
    from kg.model.values import Coordinate, ItemRef

    def items(url: Any) -> columns.NewItems:
        made = columns.NewItems(ids=["Q1000", "Q1001"], references=reference_json(
            source_snaks("https://example.org/src", "2024-01-02", None), "institution"))
        made.labels = {"en": ["A", "B"]}
        made.claims = {"P856": [url, None], "P625": [Coordinate(52.0, 4.0), Coordinate(-33.5, 151.25)],
                       "P31": [[ItemRef("Q33506"), ItemRef("Q33506")], ItemRef("Q7075")]}
        return made

    kept, other = items("https://ok.example/"), items("https://ok.example/")
    assert columns.check(kept, keep_all=True) == columns.check(other) == []
    assert set(kept.held) == {"P856", "P625", "P31"} and not other.held
    assert list(columns.ntriples_parts(kept)) == list(columns.ntriples_parts(other))
    bad = items(["https://ok.example/", "https://[bad/"])  # a refused value among several of one cell
    assert [i for i, _message in columns.check(bad, keep_all=True)] == [0]
    with pytest.raises(InputError):
        list(columns.ntriples_parts(bad))
