import json
import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import __version__, rdf
from kg.cli import main
from kg.model.entities import read_json
from kg.model.schema import model
from kg.store import Store

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
MUSEUM = SHARED / "fixtures" / "wikidata-entity-json" / "Q1889816_Natuurmuseum_Brabant_rev427447206.json"
LOCAL_CLASSES = [c for c in model().classes.values() if int(c.id[1:]) >= model().local_id_min]


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def museum_file() -> Path:
    if not MUSEUM.is_file():
        pytest.skip(f"shared fixture {MUSEUM} is absent (it lives beside the repository, not in it)")
    return MUSEUM


def test_init_creates_the_store_with_the_local_classes(tmp_path, capsys):
    store = tmp_path / "data"
    code, out, err = run(capsys, "init", "--store", str(store), "--label", "test data")
    assert code == 0, err
    assert "created store" in out and f"{len(LOCAL_CLASSES)} created" in out
    with Store.open(store, read_only=True) as st:
        assert st.meta()["label"] == "test data"
        for c in LOCAL_CLASSES:
            [row] = list(st.query(
                "SELECT ?c ?l WHERE { ?c <http://www.w3.org/2000/01/rdf-schema#label> ?l }",
                substitutions={ox.Variable("c"): ox.NamedNode("https://glamkg.invalid/entity/" + c.id)},
            ))
            assert row["l"].value == c.label and row["l"].language == "en"
    code, out, _ = run(capsys, "init", "--store", str(store))
    assert code == 0 and "opened existing" in out and f"{len(LOCAL_CLASSES)} unchanged" in out


def test_store_found_through_the_environment(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GLAMKG_STORE", str(tmp_path / "env-store"))
    assert run(capsys, "init")[0] == 0
    assert (tmp_path / "env-store" / "CURRENT").is_file()


def test_stats_table_and_json(tmp_path, capsys):
    store = tmp_path / "s"
    run(capsys, "init", "--store", str(store))
    with Store.open(store) as st:
        st.write_entities(read_json(museum_file()))
    code, out, _ = run(capsys, "stats", "--store", str(store), "--format", "json")
    assert code == 0
    s = json.loads(out)
    assert s["items"] == len(LOCAL_CLASSES) + 1 and s["statements"] == 7 and s["generation"] == "2"
    assert s["classes"] == [{"class": "Q33506", "label": None, "items": 1}]
    code, out, _ = run(capsys, "stats", "--store", str(store))
    assert code == 0 and "triples" in out and "Q33506" in out and f"{s['triples']:,}" in out


def test_export_to_stdout_and_to_a_file(tmp_path, capsys):
    store = tmp_path / "s"
    run(capsys, "init", "--store", str(store))
    with Store.open(store) as st:
        st.write_entities(read_json(museum_file()))
        n = len(st)
    code, out, _ = run(capsys, "export", "--store", str(store))
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == n and all(line.endswith(" .") for line in lines)
    assert "urn:glamkg" not in out
    target = tmp_path / "graph.ttl"
    code, _, err = run(capsys, "export", "--store", str(store), "--format", "ttl", "--output", str(target))
    assert code == 0 and "wrote" in err
    assert len(list(ox.parse(path=str(target), format=ox.RdfFormat.TURTLE))) == n


def test_rdf_prints_each_flavor(capsys):
    path = museum_file()
    entity = read_json(path)[0]
    code, out, _ = run(capsys, "rdf", str(path), "--flavor", "wdqs")
    assert code == 0
    assert out == rdf.to_ntriples(rdf.wdqs_triples(entity))
    code, dump_out, _ = run(capsys, "rdf", str(path))
    assert code == 0 and "<http://schema.org/Dataset>" in dump_out  # the data node, before munging
    code, truthy, _ = run(capsys, "rdf", str(path), "--flavor", "truthy")
    assert code == 0 and "/prop/direct/P17>" in truthy and "/prop/statement/" not in truthy
    code, full, _ = run(capsys, "rdf", str(path), "--flavor", "full")
    assert code == 0 and len(full.splitlines()) >= len(dump_out.splitlines())
    code, ttl, _ = run(capsys, "rdf", str(path), "--flavor", "wdqs", "--format", "ttl")
    assert code == 0
    assert len(list(ox.parse(ttl.encode(), ox.RdfFormat.TURTLE))) == len(out.splitlines())


def test_errors_are_one_line_with_exit_codes(tmp_path, capsys):
    code, _, err = run(capsys, "stats", "--store", str(tmp_path / "missing"))
    assert code == 3 and err.count("\n") == 1 and "no store at" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no lock files left beside the missing store
    code, _, err = run(capsys, "rdf", str(tmp_path / "nope.json"))
    assert code == 2 and "no such file" in err
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "Q1", "claims": {"P625": [{"mainsnak": {"property": "P625", "snaktype": "value", '
                   '"datatype": "globe-coordinate", "datavalue": {"type": "globecoordinate", "value": {"latitude": 95, '
                   '"longitude": 5, "precision": 0.1, "globe": "http://www.wikidata.org/entity/Q2"}}}, '
                   '"type": "statement", "rank": "normal", "id": "Q1$X"}]}}')
    code, _, err = run(capsys, "rdf", str(bad))
    assert code == 2 and "entity Q1" in err and "property P625" in err and "latitude" in err


def test_version(capsys):
    code, out, _ = run(capsys, "version")
    assert code == 0 and out.startswith(f"glamkg {__version__}") and "pyoxigraph" in out


def test_console_script_exit_code_when_the_store_is_locked(tmp_path):
    exe = ROOT / ".venv" / "bin" / "glamkg"
    if not exe.exists():
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(f"{exe} is not installed: CI installs the project (pip install -e .), so this must run")
        pytest.skip(f"{exe} is not installed (pip install -e .)")
    store = tmp_path / "s"
    assert subprocess.run([str(exe), "init", "--store", str(store)], capture_output=True).returncode == 0
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, pyoxigraph; s = pyoxigraph.Store(sys.argv[1]); print('open', flush=True); "
                               "sys.stdin.read()", str(store)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        r = subprocess.run([str(exe), "init", "--store", str(store)], capture_output=True, text=True)
    finally:
        holder.communicate("")
    assert r.returncode == 3
    assert r.stderr.startswith("error: ") and "in use" in r.stderr and "Traceback" not in r.stderr


def test_store_defaults_to_glamkg_data_and_store_option_beats_the_environment(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GLAMKG_STORE", raising=False)
    assert run(capsys, "init")[0] == 0
    assert (tmp_path / "glamkg-data" / "CURRENT").is_file()
    monkeypatch.setenv("GLAMKG_STORE", str(tmp_path / "env-store"))
    code, out, _ = run(capsys, "init", "--store", str(tmp_path / "opt-store"), "--label", "by option")
    assert code == 0 and "opt-store" in out
    assert (tmp_path / "opt-store" / "CURRENT").is_file() and not (tmp_path / "env-store").exists()
    code, _, err = run(capsys, "stats", "--format", "json")  # the environment, now that no option is given
    assert code == 3 and "no store at" in err and "env-store" in err


def test_export_to_a_missing_directory_is_bad_input(tmp_path, capsys):
    store = tmp_path / "s"
    run(capsys, "init", "--store", str(store))
    target = tmp_path / "no" / "such" / "dir" / "g.nt"
    code, _, err = run(capsys, "export", "--store", str(store), "--output", str(target))
    assert code == 2 and err.count("\n") == 1 and str(target.parent) in err and "does not exist" in err
    assert not target.parent.exists()


def test_stats_shows_a_label_set_after_the_load(tmp_path, capsys):
    store = tmp_path / "s"
    run(capsys, "init", "--store", str(store))
    with Store.open(store) as st:
        gen = st.generation()
        st.set_meta("label", "relabelled")
        assert st.generation() != gen
    code, out, _ = run(capsys, "stats", "--store", str(store), "--format", "json")
    s = json.loads(out)
    assert code == 0 and s["label"] == "relabelled" and s["generation"] == "2"


def test_init_on_a_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`glamkg init --store afile` ended in a NotADirectoryError traceback (review); `demo` said why."""
    afile = tmp_path / "afile"
    afile.write_text("not a store", encoding="utf-8")
    assert main(["init", "--store", str(afile)]) == 3
    assert "is a file, not a store directory" in capsys.readouterr().err
    assert afile.read_text(encoding="utf-8") == "not a store"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]  # no temporary store left


def test_init_on_a_demo_store_changes_nothing_the_demo_wrote(tmp_path, capsys):
    """`glamkg init` on a demo store said "4 created, 1 updated ... 1 removed": it wrote the synthetic dataset's
    class without the description the demo gives it, removing it. init and the demo now write one record per
    class (kg.model.entities.class_record): init creates only the local classes the demo does not use, updates
    nothing, and the description stays; init before the demo the same."""
    from kg.gaps import demo

    store = tmp_path / "demo"
    code, _, err = run(capsys, "demo", "--institutions", "30", "--store", str(store))
    assert code == 0, err
    used = {r.id for r in demo.class_records()}
    code, out, err = run(capsys, "init", "--store", str(store))
    assert code == 0, err
    new = len(LOCAL_CLASSES) - len(used)
    assert new > 0 and f"local classes {new} created, 0 updated, {len(used)} unchanged" in out, out
    assert "0 removed" in out, out
    synthetic = model().cls("synthetic_dataset").id
    with Store.open(store, read_only=True) as st:
        described = _descriptions(st, synthetic)
    assert len(described) == 1 and "SYNTHETIC" in described[0]

    first = tmp_path / "init-first"
    assert run(capsys, "init", "--store", str(first))[0] == 0
    code, _, err = run(capsys, "demo", "--institutions", "30", "--store", str(first))
    assert code == 0, err
    with Store.open(first, read_only=True) as st:
        assert _descriptions(st, synthetic) == described


def _descriptions(st: Store, eid: str) -> list[str]:
    return [t.object.value for t in st.entity_triples(eid) if t.predicate.value == "http://schema.org/description"]
