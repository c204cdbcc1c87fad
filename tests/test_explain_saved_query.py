"""benchmarks/explain_saved_query.py: the text it shows is the one the local store evaluates (same answer as
``query.run``), and the plan it reads from the oxigraph binary is printed as a tree."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import query_fixture_data as fx

from kg import query

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import explain_saved_query as ex


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("partnerships_active_in_year", {}),
        ("partnerships_active_in_year", {"year": "2016", "lang": "nl"}),
        ("institutions_oldest_per_country", {}),
        ("quality_institutions_missing_isil", {"country": "NL", "limit": "all"}),
    ],
)
def test_the_text_shown_gives_the_answer_query_run_gives(name: str, params: dict[str, str]) -> None:
    store = fx.store()
    text, singles = ex.engine_text(name, params)
    subs: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
        ox.Variable(k): v for k, v in _terms(name, params).items() if k in singles}
    answer = store.query(text, substitutions=subs)
    assert isinstance(answer, ox.QuerySolutions)
    variables = [str(x)[1:] for x in answer.variables]
    mine = [tuple(None if t is None else str(t) for t in s) for s in answer]
    df = query.run(name, params=params, store=store, shorten_ids=False)
    assert variables == [c for c in df.columns if not c.endswith("_lang")]
    assert len(mine) == len(df) > 0
    iri = variables.index("item")  # every one of these answers has ?item: the same items in the same order
    assert [row[iri] for row in mine] == [f"<{v}>" for v in df["item"]]


def _terms(name: str, params: dict[str, str]) -> dict[str, ox.NamedNode | ox.Literal]:
    from kg.query import saved

    return {k: v[0] for k, v in saved.bind_values(saved.resolve_query(name), params).items() if len(v) == 1}


def test_the_plan_is_an_indented_tree_with_rows_and_seconds() -> None:
    plan = {"name": "Sort(ASC(?start))", "number of results": 9391, "duration in seconds": 0.25, "children": [
        {"name": "ForLoopLeftJoin", "number of results": 12, "children": [{"name": "QuadPattern(?s ?p ?o)"}]}]}
    assert ex.tree(plan) == [
        "Sort(ASC(?start))   [9,391 rows, 0.250 s]",
        "  ForLoopLeftJoin   [12 rows]",
        "    QuadPattern(?s ?p ?o)",
    ]


def test_a_parameter_without_a_value_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        ex.main(["partnerships_active_in_year", "--param", "year"])
    assert "expected K=V, found 'year'" in capsys.readouterr().err


def test_the_label_lookups_are_for_loop_joins(tmp_path: Path) -> None:
    exe = fx.oxigraph_exe()
    if exe is None:
        pytest.skip("no oxigraph binary (./run.sh test installs one into .venv/bin)")
    on_disk = ox.Store(str(tmp_path / "store"))
    on_disk.load(fx.ntriples(), format=ox.RdfFormat.N_TRIPLES)
    on_disk.flush()
    del on_disk
    text, _ = ex.engine_text("partnerships_active_in_year", {"year": "2021"})
    lines = ex.explain(exe, tmp_path / "store", text, stats=True)
    assert lines[0].startswith("Project(?partnership")
    labels = [i for i, line in enumerate(lines) if "rdfs-schema#label" in line or "rdf-schema#label" in line]
    assert len(labels) == 2
    # each label lookup sits under a for-loop left join (one lookup per row), not a hash join over every label
    assert sum("ForLoopLeftJoin" in line for line in lines) == 2
    assert not any("LeftJoin(HashBuild" in line and "label" in lines[i + 2] for i, line in enumerate(lines[:-2]))
    assert any("rows" in line for line in lines)
