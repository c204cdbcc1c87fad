"""A sheet of new rows streamed into an empty store (kg.load.stream) against the whole-sheet path.

The stream must leave the store the whole-sheet path leaves (triple for triple, the write log's count too), report
the same plan and warnings, and stop at the first problem without writing anything: the whole-sheet path then
reports every problem exactly as it does without the stream (a bad cell in a late chunk, a row repeating one of
another chunk, a required column no row fills), and a load of the corrected sheet on the same store works.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from test_load_columns import institution_rows, mapping_for, sorted_export, write_sheet

from kg.cli import main
from kg.load import load, pipeline, stream
from kg.load.mapping import Mapping
from kg.load.problems import ValidationFailed
from kg.load.targets.store import StoreTarget
from kg.rdf import conversion
from kg.store import Store, raw
from kg.store.store import _META_NS, META_GRAPH

N = 130


@pytest.fixture
def streamed(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Small chunks (the last one short) and a record of every streamed write's report (None: not taken)."""
    monkeypatch.setattr(stream, "MIN_ROWS", 20)
    monkeypatch.setattr(stream, "CHUNK_ROWS", 40)
    monkeypatch.setattr(conversion, "PARALLEL_MIN", 20)  # the whole-sheet path writes columns too: the same count
    calls: list[Any] = []
    original = StoreTarget.write_stream

    def spy(self: StoreTarget, *args: Any, **kwargs: Any) -> Any:
        try:
            out = original(self, *args, **kwargs)
        except BaseException as e:
            calls.append(type(e))  # not the exception: its frames would hold the store's files open
            raise
        calls.append(out)
        return out

    monkeypatch.setattr(StoreTarget, "write_stream", spy)
    return calls


def _load(run: Any, src: Path, mapping: Mapping, store: Path) -> tuple[Any, list[bytes], Any]:
    with Store.open(store) as st:
        target = StoreTarget(st)
        result = run(src, mapping, target, index=target.index(), exists=target.exists, shacl_limit=0)
        logged = [int(q.object.value) for q in raw(st).quads_for_pattern(
            None, ox.NamedNode(_META_NS + "created"), None, META_GRAPH)]  # the write log's count of created items
        return result, sorted_export(st, store.parent / (store.name + ".nt")), logged


def test_a_streamed_load_writes_what_the_whole_sheet_path_writes(tmp_path: Path, streamed: list[Any]) -> None:
    header, rows = institution_rows(N)
    src = write_sheet(tmp_path / "i.csv", [*header, "unmapped"], [[*r, "x"] for r in rows])
    mapping = mapping_for("institution", tmp_path)
    new, new_lines, new_logged = _load(load, src, mapping, tmp_path / "a")
    assert len(streamed) == 1 and streamed[0] is not None  # streamed, in 4 chunks
    old, old_lines, old_logged = _load(pipeline.load, src, mapping, tmp_path / "b")
    assert len(streamed) == 1  # the whole-sheet path never streams
    assert len(new_lines) > 40 * N
    assert new_lines == old_lines  # value and reference nodes once each, as in one pass
    assert new.report.counts() == old.report.counts() == {"created": N, "updated": 0, "unchanged": 0, "skipped": 0}
    assert new.report.triples_written == old.report.triples_written
    assert new.prepared.warnings == old.prepared.warnings and any("unmapped" in w for w in new.prepared.warnings)
    assert [(it.id, it.action, it.label, it.rows) for it in new.plan.items] == [
        (it.id, it.action, it.label, it.rows) for it in old.plan.items]
    assert new.plan.items[3].entity == old.plan.items[3].entity  # a deferred item still builds its entity JSON
    assert new.plan.meta == old.plan.meta and new.prepared.rows == N
    assert new_logged == old_logged == [N]


def _problems(e: ValidationFailed) -> list[tuple[Any, ...]]:
    return [(p.row, p.column, p.expected, p.found) for p in e.problems]


@pytest.mark.parametrize("case", ["bad cell late", "duplicate across chunks", "no row has a country"])
def test_a_problem_stops_the_stream_and_is_reported_as_the_whole_sheet_path_reports_it(
        tmp_path: Path, streamed: list[Any], case: str) -> None:
    header, rows = institution_rows(N)
    if case == "bad cell late":
        rows[N - 5][header.index("coordinates")] = "95,10"  # in the last chunk: three chunks were loaded already
    elif case == "duplicate across chunks":
        rows[110] = list(rows[3])  # the same ISIL as row 5, two chunks apart
    else:
        for r in rows:
            r[header.index("country")] = ""
    src = write_sheet(tmp_path / "i.csv", header, rows)
    mapping = mapping_for("institution", tmp_path)
    with Store.open(tmp_path / "a") as st:
        target = StoreTarget(st)
        with pytest.raises(ValidationFailed) as streamed_err:
            load(src, mapping, target, index=target.index(), exists=target.exists, shacl_limit=0)
        assert st.is_empty()  # the copy was thrown away
        assert len(streamed) == 1 and streamed[0] is stream._Stop
        with pytest.raises(ValidationFailed) as whole_err:
            pipeline.prepare(src, mapping, target, index=target.index(), exists=target.exists, shacl_limit=0)
        assert _problems(streamed_err.value) == _problems(whole_err.value) != []
        if case == "no row has a country":  # said once for the file, as the whole-sheet check says it
            assert [p.row for p in streamed_err.value.problems] == [1]

        # the corrected sheet loads on the same store, streamed
        header, rows = institution_rows(N)
        write_sheet(src, header, rows)
        result = load(src, mapping, target, index=target.index(), exists=target.exists, shacl_limit=0)
        assert result.report.counts()["created"] == N
        assert len(streamed) == 2 and streamed[1] is not None
    assert not list(tmp_path.glob("a.*copy*")) and not list(tmp_path.glob("a.swap*"))


def test_rows_that_match_or_name_items_load_the_whole_sheet_way(tmp_path: Path, streamed: list[Any]) -> None:
    """A row with an id (a match, not a new item) stops the stream; the load then runs as before and writes."""
    header, rows = institution_rows(N)
    header = ["id", *header]
    rows = [[f"Q{1_000_000 + i}" if i == 100 else "", *r] for i, r in enumerate(rows)]
    src = write_sheet(tmp_path / "i.csv", header, rows)
    mapping = mapping_for("institution", tmp_path)
    result, lines, _ = _load(load, src, mapping, tmp_path / "a")
    assert streamed[0] is stream._Stop and len(streamed) == 1
    assert result.report.counts()["created"] == N
    assert any(b"Q1000100>" in line for line in lines)
    _, old_lines, _ = _load(pipeline.load, src, mapping, tmp_path / "b")
    assert lines == old_lines


def test_a_store_with_data_a_dry_run_or_a_plan_file_never_stream(tmp_path: Path, streamed: list[Any]) -> None:
    header, rows = institution_rows(N)
    src = write_sheet(tmp_path / "i.csv", header, rows)
    mapping = mapping_for("institution", tmp_path)
    with Store.open(tmp_path / "a") as st:
        target = StoreTarget(st)
        opts: dict[str, Any] = {"index": target.index(), "exists": target.exists, "shacl_limit": 0}
        assert load(src, mapping, target, dry_run=True, **opts).report is None
        load(src, mapping, target, plan_out=tmp_path / "plan.json", **opts)
        assert streamed == [] and (tmp_path / "plan.json").exists()
        header, rows = institution_rows(N + 10)
        write_sheet(src, header, rows[N:] + rows[N:])  # more rows into a store that has data
        with pytest.raises(ValidationFailed):  # duplicates: found by the whole-sheet path, nothing streamed
            load(src, mapping, target, index=target.index(), exists=target.exists, shacl_limit=0)
    assert streamed == []


def test_the_cli_streams_a_large_sheet_and_reports_it_as_before(tmp_path: Path, streamed: list[Any],
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    header, rows = institution_rows(N)
    src = write_sheet(tmp_path / "i.csv", header, rows)
    mapping_for("institution", tmp_path)
    store = tmp_path / "s"
    assert main(["load", str(src), "-m", str(tmp_path / "institution.yaml"), "--store", str(store),
                 "--shacl-limit", "0"]) == 0
    assert len(streamed) == 1 and streamed[0] is not None
    out = capsys.readouterr().out
    assert f"created {N}, updated 0, unchanged 0" in out
    assert "plan:" in out  # the preview lists the planned items
    with Store.open(store) as st:
        assert len(list(st.query("SELECT ?i WHERE { ?i <http://www.w3.org/2000/01/rdf-schema#label> ?l }"))) >= N


def test_a_workbook_streams_too(tmp_path: Path, streamed: list[Any]) -> None:
    """An XLSX sheet (read whole, then streamed): the same store as the whole-sheet path."""
    import openpyxl

    header, rows = institution_rows(N)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Musea"
    ws.append(header)
    for r in rows:
        ws.append(r)
    src = tmp_path / "musea.xlsx"
    wb.save(src)
    mapping = mapping_for("institution", tmp_path)
    new, new_lines, _ = _load(load, src, mapping, tmp_path / "a")
    assert len(streamed) == 1 and streamed[0] is not None and streamed[0] is not stream._Stop
    old, old_lines, _ = _load(pipeline.load, src, mapping, tmp_path / "b")
    assert new_lines == old_lines and len(new_lines) > 40 * N
    assert new.report.counts() == old.report.counts()


def test_a_cli_load_that_stops_leaves_no_store_where_there_was_none(tmp_path: Path, streamed: list[Any],
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A bad cell in the last chunk of a streamed CLI load into a new store: the problem is reported (file, row,
    column), exit 2, and nothing is left behind: no store, no snapshots, no lock files."""
    header, rows = institution_rows(N)
    rows[N - 3][header.index("coordinates")] = "95,10"
    src = write_sheet(tmp_path / "i.csv", header, rows)
    mapping_for("institution", tmp_path)
    store = tmp_path / "data" / "s"
    store.parent.mkdir()
    assert main(["load", str(src), "-m", str(tmp_path / "institution.yaml"), "--store", str(store),
                 "--shacl-limit", "0", "-q"]) == 2
    assert streamed == [stream._Stop]
    err = " ".join(capsys.readouterr().err.split())
    assert f"row {N - 1}, column 'coordinates'" in err and "nothing was written" in err, err
    assert list(store.parent.iterdir()) == []
