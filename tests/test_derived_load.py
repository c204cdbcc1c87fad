"""The map's derived table that `glamkg load` builds from the triples it wrote into an empty store (the
column-wise write's parts, kg.query.derivation.map_part / build_from_parts), instead of reading them back through
the engine: the same table as the engine's build and the same answers as the engine's (``--no-derived``); the
engine builds it whenever that shortcut does not provably apply (a store that held data before)."""

from __future__ import annotations

import csv
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from test_derived_demo import answer, same_as_the_engines_build

from kg.cli import main
from kg.load.targets.store import StoreTarget
from kg.query import derivation, derived
from kg.rdf import conversion

CLASSES = ["museum", "art_museum", "library", "archives", "public_library", "history_museum", "zoo"]
COUNTRIES = ["Q55", "Q183", "Q142", "Q31", "Q55|Q31"]  # an item in two countries: a row for each


def sheet(path: Path, n: int, start: int = 0) -> Path:
    """Institutions of many classes (some not on the map) and countries, some without coordinates, labels in
    English, Dutch (most) and French (some)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["label_en", "label_nl", "label_fr", "instance_of", "country", "coordinates", "isil", "inception"])
        for i in range(start, start + n):
            w.writerow([f"Institution {i}", f"Instelling {i}" if i % 4 else "", f"Institution {i} FR" if i % 3 == 0
                        else "", CLASSES[i % len(CLASSES)], COUNTRIES[i % len(COUNTRIES)],
                        "" if i % 9 == 0 else f"{40 + i % 20}.{i % 97:02d},{i % 50}.{i % 89:02d}",
                        "" if i % 7 == 0 else f"XB-L{i}", f"{1700 + i % 250}" if i % 2 else ""])
    return path


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sheet loaded into a new store (streamed, kg.load.stream: the column-wise write, whose triples give the map's
    table), compacted on close (the threshold lowered here; a store this small is all small table files, not
    merged: kg.store.compaction.merged); the other tables' rows are read from the store's copy while its last
    flush waits for RocksDB (kg.store.compaction.flush_beside), while a thread of its own makes the map's table
    from the triples the load kept; nothing is left to read when the store closes."""
    from kg.store import compaction

    folder = tmp_path_factory.mktemp("load-derived")
    path = folder / "glamkg-data"
    src = sheet(folder / "institutions.csv", conversion.PARALLEL_MIN + 100)
    mp = pytest.MonkeyPatch()
    called: list[Any] = []
    beside: list[list[str]] = []
    real = derivation.Beside.__call__

    def read(self: derivation.Beside, inner: Any) -> None:
        real(self, inner)
        beside.append(sorted(self.answers))

    made: list[tuple[str, int]] = []  # (thread, parts whose map table was still to make) per call
    make = StoreTarget.make_map_parts

    def make_later(self: StoreTarget) -> Any:
        made.append((threading.current_thread().name, sum(type(s) is list for s in self._map_slots or [])))
        return make(self)

    closed: list[tuple[bool, Any]] = []
    on_close = compaction.on_close

    def closing(*args: Any, **kwargs: Any) -> bool:
        closed.append((on_close(*args, **kwargs), kwargs.get("alongside")))
        return closed[-1][0]

    settling: list[Any] = []
    flush_beside = compaction.flush_beside

    def settle(inner: Any, alongside: Any) -> None:
        settling.append(alongside)
        flush_beside(inner, alongside)

    mp.setattr(derivation, "refresh", lambda *a, **k: called.append(a))  # the engine's build must not be needed
    mp.setattr(derivation.Beside, "__call__", read)
    mp.setattr(StoreTarget, "make_map_parts", make_later)
    mp.setattr(compaction, "AFTER_TRIPLES", 1)
    mp.setattr(compaction, "on_close", closing)
    mp.setattr(compaction, "flush_beside", settle)
    try:
        assert main(["load", str(src), "--kind", "institution", "--store", str(path), "-q",
                     "--shacl-limit", "0"]) == 0
    finally:
        mp.undo()
    assert called == [] and beside == [sorted(derived.DERIVED[1:])]
    assert closed == [(True, None)]  # compacted, nothing left to read then
    assert len(settling) == 1 and isinstance(settling[0], derivation.Beside)  # read from the copy as it settled
    # the map's tables were made from the kept triples in a thread beside the reads
    assert made[0][0].startswith("glamkg-derived") and made[0][1] >= 2 and all(n == 0 for _, n in made[1:])
    return path


@pytest.mark.parametrize("name", derived.DERIVED)
def test_the_load_table_is_the_engines_table(loaded: Path, tmp_path: Path, name: str) -> None:
    rows = same_as_the_engines_build(loaded, tmp_path, name)
    assert len(rows) > (1000 if name == "institutions_locations" else 0) or name == "partnerships_active_in_year"


@pytest.mark.parametrize("params", [[], ["-p", "lang=nl"], ["-p", "lang=fr"], ["-p", "country=NL", "-p", "lang=nl"],
                                    ["-p", "country=BE", "-p", "lang=fr"]],
                         ids=["default", "nl", "fr", "NL-nl", "BE-fr"])
def test_the_load_table_answers_as_the_engine(loaded: Path, tmp_path: Path, params: list[str]) -> None:
    kept, prov = answer(loaded, tmp_path / "derived.csv", *params)
    assert prov["derived"]["table"] == "institutions_locations"
    engine = answer(loaded, tmp_path / "engine.csv", *params, "--no-derived")
    assert engine[1]["derived"] is None
    assert len(kept) > 1 and kept == engine[0]


def test_a_load_into_a_store_with_data_asks_the_engine(loaded: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "glamkg-data"
    shutil.copytree(loaded, path)
    src = sheet(tmp_path / "more.csv", conversion.PARALLEL_MIN + 10, start=10_000)
    called: list[Any] = []
    real = derivation.refresh
    monkeypatch.setattr(derivation, "refresh", lambda *a, **k: called.append(a) or real(*a, **k))
    monkeypatch.setattr(derivation, "build_from_parts", lambda *a, **k: pytest.fail("not from the triples"))
    assert main(["load", str(src), "--kind", "institution", "--store", str(path), "-q", "--shacl-limit", "0"]) == 0
    assert len(called) == 1
    kept, prov = answer(path, tmp_path / "map.csv", "-p", "lang=nl")
    assert prov["derived"] is not None
    assert kept == answer(path, tmp_path / "engine.csv", "-p", "lang=nl", "--no-derived")[0]


@pytest.mark.parametrize(("name", "params"), [
    ("institutions_oldest_per_country", []), ("institutions_oldest_per_country", ["-p", "lang=nl"]),
    ("quality_institutions_missing_isil", ["-p", "limit=all"]),
    ("quality_institutions_missing_isil", ["-p", "country=BE", "-p", "limit=20", "-p", "lang=fr"])])
def test_the_loads_ordered_tables_answer_as_the_engine(loaded: Path, tmp_path: Path, name: str,
                                                       params: list[str]) -> None:
    from test_derived_recipes import same_answer

    assert same_answer(loaded, tmp_path, name, *params)
