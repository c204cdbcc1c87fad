"""The map's derived table that `glamkg demo` builds from the triples it wrote (kg.query.derivation
.build_from_parts), instead of reading them back through the engine: the same table as the engine's build and
the same answers as the engine's, whole; the engine builds it whenever that shortcut does not provably apply (a
store that held data before, a write since the demo's, an edited query)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from kg.cli import main
from kg.query import derivation, derived, saved
from kg.store import Store


def answer(store: Path, out: Path, *args: str) -> tuple[list[str], dict[str, Any]]:
    """The map's answer lines (header, then the rows sorted: the map has no order) and its provenance."""
    assert main(["query", "run", "institutions_locations", "--store", str(store), "-o", str(out), *args]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    return [lines[0], *sorted(lines[1:])], json.loads(Path(str(out) + ".provenance.json").read_text("utf-8"))


def table(store: Path, name: str = "institutions_locations") -> tuple[dict[str, str], list[str], list[str]]:
    """A derived table of the store: its key, its base columns' names and its rows (each row's cells and its
    labels of each lookup in every language, as one JSON text), sorted."""
    [folder] = [p for p in derived.folder(store).iterdir() if p.name.startswith("g")]
    manifest = json.loads((folder / derived.MANIFEST).read_text(encoding="utf-8"))
    entry = manifest["queries"][name]
    n = entry["rows"]
    base = json.loads((folder / entry["files"]["base"]).read_text(encoding="utf-8"))
    cols = {v: derived._col(c, n) for v, c in base.items()}
    labels = {(label, lang): json.loads((folder / f).read_text(encoding="utf-8"))
              for label, files in entry["files"]["labels"].items() for lang, f in files.items()}
    rows = sorted(
        json.dumps([[(c.kinds[i], c.values[i], None if c.langs is None else c.langs[i]) for c in cols.values()],
                    {f"{label} {lang}": labels[label, lang][i] for label, lang in sorted(labels)
                     if labels[label, lang][i] is not None}])
        for i in range(n))
    return manifest["key"], list(base), rows


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo written by workers into a new store (the streamed write, whose triples give the table)."""
    path = tmp_path_factory.mktemp("demo-derived") / "glamkg-data"
    mp = pytest.MonkeyPatch()
    called: list[Any] = []
    mp.setattr(derivation, "refresh", lambda *a, **k: called.append(a))  # the engine's build must not be needed
    try:
        assert main(["demo", "--institutions", "600", "--store", str(path), "--workers", "1"]) == 0
    finally:
        mp.undo()
    assert called == []
    return path


def same_as_the_engines_build(store: Path, tmp_path: Path, name: str) -> list[str]:
    """The store's table ``name`` equals the engine's build of a copy of the store (the same content: its key but
    the database's identity); its rows."""
    mine = table(store, name)
    copy = tmp_path / "glamkg-data"
    shutil.copytree(store, copy)
    with Store.open(copy, read_only=True) as st:
        assert derivation._build(st) is not None  # the engine's build of the same content
    engine = table(copy, name)
    assert mine[1:] == engine[1:]
    assert {k: v for k, v in mine[0].items() if k != "identity"} == {
        k: v for k, v in engine[0].items() if k != "identity"}
    return mine[2]


@pytest.mark.parametrize("name", derived.DERIVED)
def test_the_demo_table_is_the_engines_table(demo_store: Path, tmp_path: Path, name: str) -> None:
    """The map from the triples; the others' rows from the engine, their labels from the triples."""
    assert len(same_as_the_engines_build(demo_store, tmp_path, name)) > 100  # e.g. institutions on the map


@pytest.mark.parametrize("params", [[], ["-p", "lang=fr"], ["-p", "lang=xx"], ["-p", "country=FR", "-p", "lang=de"]],
                         ids=["default", "fr", "no-labels", "FR-de"])
def test_the_demo_table_answers_as_the_engine(demo_store: Path, tmp_path: Path, params: list[str]) -> None:
    kept, prov = answer(demo_store, tmp_path / "derived.csv", *params)
    assert prov["derived"]["table"] == "institutions_locations"
    assert kept == answer(demo_store, tmp_path / "engine.csv", *params, "--no-derived")[0]


def test_the_pinned_text_is_the_saved_query() -> None:
    """build_from_triples evaluates the map's query in Python for the text it was checked against; an edited
    query is built by the engine. If this fails, the .rq file changed: check kg.query.derivation._map_table
    against it (tests in this file), then pin the new text's sha256 in FROM_TRIPLES."""
    text = saved.get("institutions_locations").text
    assert derivation.FROM_TRIPLES["institutions_locations"] == hashlib.sha256(text.encode("utf-8")).hexdigest()


LINE = ('<https://glamkg.invalid/entity/Q{n}> <http://www.wikidata.org/prop/direct/{p}> {o} .\n'
        '<https://glamkg.invalid/entity/Q{n}> <http://www.w3.org/2000/01/rdf-schema#label> "x{n}"@en .\n')


def part(*items: int) -> bytes:
    """N-Triples of museums on the map, one per number."""
    return "".join(LINE.format(n=n, p=p, o=o) for n in items for p, o in (
        ("P31", "<http://www.wikidata.org/entity/Q33506>"), ("P17", "<http://www.wikidata.org/entity/Q142>"),
        ("P625", '"Point(1 2)"^^<http://www.opengis.net/ont/geosparql#wktLiteral>'))).encode()


def test_parts_add_up_only_when_no_item_is_in_two(demo_store: Path, tmp_path: Path) -> None:
    copy = tmp_path / "glamkg-data"
    shutil.copytree(demo_store, copy)
    with Store.open(copy, read_only=True) as st:
        written = st.meta()
    parts = [derivation.map_part(part(1, 2)), derivation.map_part(part(3))]
    assert all(p is not None for p in parts)
    one = derivation.map_part(part(1, 2, 3))
    assert one is not None and derivation._merge(parts) == one.table  # type: ignore[arg-type]
    assert derivation.build_from_parts(copy, written, parts) is not None  # type: ignore[arg-type]
    assert len(table(copy)[2]) == 3
    # an item in two parts (its claims in one, its label in the other): its join is in neither part
    split = part(4).split(b"\n")
    halves = [derivation.map_part(b"\n".join(split[:5]) + b"\n"), derivation.map_part(b"\n".join(split[5:]))]
    assert derivation._merge(halves) is None  # type: ignore[arg-type]


def test_no_table_from_the_demo_for_other_content(demo_store: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "glamkg-data"
    shutil.copytree(demo_store, copy)
    with Store.open(copy, read_only=True) as st:
        written = st.meta()
    parts = [derivation.map_part(part(1))]
    with Store.open(copy) as st:  # a write since the demo's: the table would not be of the store's content
        st.set_meta("label", "changed")
    assert derivation.build_from_parts(copy, written, parts) is None  # type: ignore[arg-type]
    with Store.open(copy, read_only=True) as st:
        now = st.meta()
    assert derivation.build_from_parts(copy, now, parts) is not None  # type: ignore[arg-type]  # that content
    derivation._pinned_text.cache_clear()
    monkeypatch.setitem(derivation.FROM_TRIPLES, "institutions_locations", "0" * 64)  # another (edited) text
    try:
        assert derivation.map_part(part(1)) is None
        assert derivation.build_from_parts(copy, now, parts) is None  # type: ignore[arg-type]
    finally:
        derivation._pinned_text.cache_clear()


def test_a_demo_into_a_store_with_data_asks_the_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "glamkg-data"
    dump = tmp_path / "one.nt"
    dump.write_text('<https://example.org/x> <http://www.w3.org/2000/01/rdf-schema#label> "x"@en .\n', "utf-8")
    assert main(["import", "dump", str(dump), "--store", str(path)]) == 0
    called: list[Any] = []
    real = derivation.refresh
    monkeypatch.setattr(derivation, "refresh", lambda *a, **k: called.append(a) or real(*a, **k))
    monkeypatch.setattr(derivation, "build_from_parts", lambda *a, **k: pytest.fail("not from the triples"))
    assert main(["demo", "--institutions", "300", "--store", str(path), "--workers", "1"]) == 0
    assert len(called) == 1
    assert answer(path, tmp_path / "map.csv")[1]["derived"] is not None


def test_the_map_lines_are_found_by_their_predicate_only() -> None:
    """The workers' pick of lines: a predicate's text inside a literal is not a line's predicate."""
    label = "http://www.w3.org/2000/01/rdf-schema#label"
    nt = (f'<http://x/s> <{label}> "a> <{label}> b"@en .\n'
          '<http://x/t> <http://x/p> "q> <http://www.wikidata.org/prop/direct/P31> z" .\n'
          '<http://x/u> <http://www.wikidata.org/prop/direct/P17> <http://x/c> .\n'
          '<http://x/u> <http://www.wikidata.org/prop/direct/P1> <http://x/c> .\n'
          '<http://x/u> <http://www.wikidata.org/prop/direct/P625> "Point(1 2)"^^<http://x/wkt> .').encode()
    assert derivation.map_triples(nt) == [
        ("<http://x/s>", label, f'"a> <{label}> b"@en'),
        ("<http://x/u>", "http://www.wikidata.org/prop/direct/P17", "<http://x/c>"),
        ("<http://x/u>", "http://www.wikidata.org/prop/direct/P625", '"Point(1 2)"^^<http://x/wkt>'),
    ]


def test_the_other_tables_rows_are_read_while_the_store_compacts(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A demo large enough to be compacted on close (the threshold lowered here): the rows of the tables other
    than the map are read beside the compaction, and the tables are the engine's."""
    from kg.store import compaction

    monkeypatch.setattr(compaction, "AFTER_TRIPLES", 1)
    read: list[list[str]] = []
    after: list[str] = []
    real_call, real_table = derivation.Beside.__call__, derivation._table

    def call(self: derivation.Beside, inner: Any) -> None:
        real_call(self, inner)
        read.append(sorted(self.answers))

    def table_(st: Any, name: str, text: str, query: Any, labels: Any, answered: Any = None) -> Any:
        if answered is None:
            after.append(name)
        return real_table(st, name, text, query, labels, answered)

    monkeypatch.setattr(derivation.Beside, "__call__", call)
    monkeypatch.setattr(derivation, "_table", table_)
    path = tmp_path / "glamkg-data"
    assert main(["demo", "--institutions", "300", "--store", str(path), "--workers", "1"]) == 0
    assert read == [sorted(derived.DERIVED[1:])] and after == []
    monkeypatch.setattr(derivation, "_table", real_table)
    copy = tmp_path / "copy"
    shutil.copytree(path, copy)
    with Store.open(copy, read_only=True) as st:
        assert derivation._build(st) is not None
    for name in derived.DERIVED:
        assert table(path, name)[1:] == table(copy, name)[1:]
    from test_derived_recipes import same_answer  # and in the engine's order (table() sorts its rows)

    for name in derived.DERIVED[1:]:
        assert same_answer(path, tmp_path, name, "-p", "lang=de")


def test_labels_of_subjects_the_parts_do_not_hold_come_from_the_engine(demo_store: Path, tmp_path: Path) -> None:
    """Parts that are not the whole store (three made-up museums here): the other tables' rows are the demo's
    partnerships and institutions, whose labels the parts do not hold: read from the engine, the same tables."""
    copy = tmp_path / "glamkg-data"
    shutil.copytree(demo_store, copy)
    with Store.open(copy, read_only=True) as st:
        written = st.meta()
    assert derivation.build_from_parts(copy, written, [derivation.map_part(part(1, 2, 3))]) is not None  # type: ignore[list-item]
    engine = tmp_path / "engine"
    shutil.copytree(demo_store, engine)
    with Store.open(engine, read_only=True) as st:
        assert derivation._build(st) is not None
    for name in derived.DERIVED[1:]:
        assert table(copy, name)[1:] == table(engine, name)[1:]
        assert any(json.loads(row)[1] for row in table(copy, name)[2])  # rows with labels
