"""Derived tables (kg.query.derived): the map's answers from the table the writing commands build equal the
engine's, whole, for several parameter values; a write by any means, or an edited query, sends the query back to
the engine. Everything through the command line, as users run it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kg.cli import main
from kg.query import derived, saved
from kg.store import Store

LABELS = """\
<{base}Q{first}> <http://www.w3.org/2000/01/rdf-schema#label> "second English label, with a comma"@en .
<{base}Q{first}> <http://www.w3.org/2000/01/rdf-schema#label> "Erste"@de .
<{base}Q{first}> <http://www.w3.org/2000/01/rdf-schema#label> "Zweite \\"quoted\\""@de .
<{base}Q{first}> <http://www.w3.org/2000/01/rdf-schema#label> "no language" .
<{base}Q{first}> <http://www.w3.org/2000/01/rdf-schema#label> <http://example.org/not-a-literal> .
"""


def run(store: Path, out: Path, *args: str) -> tuple[list[str], dict]:
    """The answer's lines (header first, then the rows sorted: the map has no order) and its provenance."""
    assert main(["query", "run", "institutions_locations", "--store", str(store), "-o", str(out), *args]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    provenance = json.loads(Path(str(out) + ".provenance.json").read_text(encoding="utf-8"))
    return [lines[0], *sorted(lines[1:])], provenance


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo store, then more labels (two in one language, a direction-less plain one, an IRI) by `import dump`:
    both commands build the derived tables."""
    path = tmp_path_factory.mktemp("derived") / "glamkg-data"
    assert main(["demo", "--institutions", "300", "--store", str(path), "--workers", "1"]) == 0
    answer = path.with_name("map.csv")
    assert main(["query", "run", "institutions_locations", "--store", str(path), "--full-iris", "-o", str(answer)]) == 0
    first = answer.read_text(encoding="utf-8").splitlines()[1].split(",")[0]  # an institution on the map
    base, qid = first.rsplit("Q", 1)
    dump = path.with_name("labels.nt")
    dump.write_text(LABELS.format(base=base, first=qid), encoding="utf-8")
    assert main(["import", "dump", str(dump), "--store", str(path)]) == 0
    return path


@pytest.mark.parametrize(
    "params",
    [[], ["-p", "lang=de"], ["-p", "lang=xx"], ["-p", "country=NL"], ["-p", "country=FR", "-p", "lang=fr"],
     ["-p", "country=AQ"]],
    ids=["default", "de", "no-labels", "NL", "FR-fr", "none"],
)
def test_the_derived_table_answers_as_the_engine(store: Path, tmp_path: Path, params: list[str]) -> None:
    kept, kept_prov = run(store, tmp_path / "derived.csv", *params)
    asked, asked_prov = run(store, tmp_path / "engine.csv", *params, "--no-derived")
    assert kept == asked
    with Store.open(store, read_only=True) as st:
        generation = st.generation()
    assert kept_prov["derived"]["table"] == "institutions_locations"
    assert kept_prov["derived"]["generation"] == generation
    assert asked_prov["derived"] is None


def test_several_labels_in_one_language_give_a_row_each(store: Path, tmp_path: Path) -> None:
    """The DataFrame path (JSON) too: the item with two German labels has two rows, as the engine gives."""
    _, prov = run(store, tmp_path / "de.json", "-p", "lang=de")
    assert prov["derived"] is not None
    rows = json.loads((tmp_path / "de.json").read_text(encoding="utf-8"))
    labels = [row["itemLabel"] for row in rows]
    assert "Erste" in labels and 'Zweite "quoted"' in labels
    run(store, tmp_path / "de-engine.json", "-p", "lang=de", "--no-derived")
    engine = json.loads((tmp_path / "de-engine.json").read_text(encoding="utf-8"))
    assert sorted(json.dumps(r, sort_keys=True) for r in rows) == sorted(json.dumps(r, sort_keys=True) for r in engine)


def test_a_write_by_any_means_sends_the_query_to_the_engine(store: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(store, copy)
    shutil.copytree(derived.folder(store), derived.folder(copy))
    with Store.open(copy) as st:  # the Python API: no derived table built for the new content
        st.set_meta("label", "changed")
    answer, prov = run(copy, tmp_path / "after-write.csv")
    assert prov["derived"] is None
    assert answer == run(store, tmp_path / "before.csv", "--no-derived")[0]
    assert main(["init", "--store", str(copy)]) == 0  # a writing command builds it again
    rebuilt = run(copy, tmp_path / "rebuilt.csv")[1]
    assert rebuilt["derived"]["generation"] == rebuilt["generation"]
    # the tables of older content are gone
    assert [p.name for p in derived.folder(copy).iterdir()] == [f"g{rebuilt['generation']}"]


def test_an_edited_query_is_asked_of_the_engine(store: Path, tmp_path: Path) -> None:
    text = saved.get("institutions_locations").text
    edited = tmp_path / "institutions_locations.rq"
    edited.write_text(text.replace("wd:Q33506 ", ""), encoding="utf-8")  # museums left out
    out = tmp_path / "edited.csv"
    assert main(["query", "run", str(edited), "--store", str(store), "-o", str(out)]) == 0
    assert json.loads(Path(str(out) + ".provenance.json").read_text("utf-8"))["derived"] is None
    assert ",Q33506," not in out.read_text(encoding="utf-8")
    assert any(",Q33506," in line for line in run(store, tmp_path / "all.csv")[0])


def test_the_saved_map_keeps_the_form_a_derived_table_answers() -> None:
    """If the map's .rq file changes form (an ORDER BY, another label lookup), its derived table would silently
    stop being used: this says so."""
    found = derived.shape(saved.with_local_base(saved.get("institutions_locations").text))
    assert found is not None
    assert found.labels == [("itemLabel", "item")] and found.recipe is None
    assert "rdfs:label" not in found.base and "SELECT ?item ?type ?country ?coordinates" in found.base
    assert derived.shape(saved.get("institutions_per_country").text) is None  # ordered and grouped


def test_a_build_removes_older_generations_only(tmp_path: Path) -> None:
    """Two writes whose builds finish out of order: the newer generation's tables stay; another database's go."""
    from kg.query import derivation

    key = {"generation": "5", "loaded_at": "", "identity": "mine"}
    for name, identity in (("g4", "mine"), ("g9", "mine"), ("g8", "another"), ("g5", "mine")):
        (tmp_path / name).mkdir()
        (tmp_path / name / derived.MANIFEST).write_text(json.dumps({"key": {**key, "identity": identity}}))
    (tmp_path / ".tmp-3-999999999").mkdir()  # no such process
    stale = {p.name for p in tmp_path.iterdir() if derivation._stale(p, key)}
    assert stale == {"g4", "g8", ".tmp-3-999999999"}


def test_no_derived_tables_when_the_setting_is_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "glamkg-data"
    monkeypatch.setenv("GLAMKG_DERIVED_TABLES", "off")
    assert main(["init", "--store", str(path)]) == 0
    assert not derived.folder(path).exists()
    assert run(path, tmp_path / "off.csv")[1]["derived"] is None
    monkeypatch.delenv("GLAMKG_DERIVED_TABLES")
    assert main(["init", "--store", str(path)]) == 0  # nothing written, but the tables of this content are built
    assert run(path, tmp_path / "on.csv")[1]["derived"] is not None


def test_a_damaged_table_is_not_used(store: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(store, copy)
    shutil.copytree(derived.folder(store), derived.folder(copy))
    [tables] = list(derived.folder(copy).iterdir())
    base = tables / "institutions_locations.base.json"
    columns = json.loads(base.read_text(encoding="utf-8"))
    columns["item"]["values"] = columns["item"]["values"][:-1]  # a row short
    base.write_text(json.dumps(columns), encoding="utf-8")
    answer, prov = run(copy, tmp_path / "damaged.csv")
    assert prov["derived"] is None
    assert answer == run(store, tmp_path / "engine.csv", "--no-derived")[0]


def test_two_copies_written_alike_have_different_keys(store: Path, tmp_path: Path) -> None:
    """`cp -r` copies the database's identity; two copies each written once (the same generation, and the same
    second: meta writes do not even move `loaded_at`) held different data under one key, and a copy moved to the
    other's name answered from the other's derived table (reviewer). Each write's token tells them apart."""
    keys = []
    for name, label in (("one", "first write"), ("two", "second write")):
        copy = tmp_path / name / "glamkg-data"
        shutil.copytree(store, copy)
        with Store.open(copy) as st:
            st.set_meta("label", label)
        with Store.open(copy, read_only=True) as st:
            keys.append(derived.store_key(st))
    one, two = keys
    assert one is not None and two is not None
    assert (one["generation"], one["loaded_at"], one["identity"]) == (two["generation"], two["loaded_at"],
                                                                        two["identity"])
    assert one["write"] and one != two
