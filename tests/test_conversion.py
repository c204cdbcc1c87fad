"""Large writes of new items: conversion in worker processes (kg.rdf.conversion) and the store target's fast path
give exactly the store the one-process path gives, and fall back or fail cleanly when they cannot be used."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from test_load import good_rows, write_csv

from kg.errors import EntityError
from kg.load import load
from kg.load.mapping import Mapping
from kg.load.plan import Plan, plan_item
from kg.load.targets.store import StoreTarget
from kg.model.entities import Claim, Record, to_json
from kg.model.values import SOMEVALUE
from kg.rdf import Vocabulary, conversion, wdqs_triples
from kg.rdf.conversion import PARALLEL_MIN, default_workers
from kg.store import Store

ROOT = Path(__file__).resolve().parents[1]


def entity(n: int, **extra: object) -> dict:
    claims = [Claim("instance_of", "Q33506"), Claim("country", "Q55" if n % 2 else "Q31")]
    claims += [Claim(k, v) for k, v in extra.items()]
    return to_json(Record(f"Q{1000000000300 + n}", "institution", labels={"en": f"Museum {n}"}, claims=claims))


def lines(data: bytes) -> list[bytes]:
    return sorted(data.splitlines())


def expected_lines(entities: list[dict]) -> list[bytes]:
    vocab = Vocabulary.glamkg()
    triples = {t for e in entities for t in wdqs_triples(e, vocab=vocab)}
    return lines(ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES) or b"")


def export(st: Store, path: Path) -> list[bytes]:
    st.export(path, format="nt")
    return lines(path.read_bytes())


def load_with(st: Store, src: Path, workers: int):  # type: ignore[no-untyped-def]
    t = StoreTarget(st, workers=workers)
    return load(src, Mapping.default("institution"), t, index=t.index(), exists=t.exists)


def test_worker_conversion_gives_every_triple_once(tmp_path: Path) -> None:
    ents = [entity(n, inception="1901") for n in range(7)]  # the inception value node is shared by all seven
    data = conversion.new_entities_ntriples(ents, workers=2, chunk=3)
    assert data is not None
    got = data.splitlines()
    assert len(got) == len(set(got)), "a shared value node was written more than once"
    assert lines(data) == expected_lines(ents)


def test_spawned_workers_give_the_same_triples() -> None:
    ents = [entity(n) for n in range(5)]
    forked = conversion.new_entities_ntriples(ents, workers=2, chunk=2, method="fork")
    spawned = conversion.new_entities_ntriples(ents, workers=2, chunk=2, method="spawn")  # as on macOS
    assert forked is not None and spawned is not None
    assert lines(spawned) == lines(forked) == expected_lines(ents)


def test_blank_nodes_are_left_to_the_store() -> None:
    ents = [entity(1), entity(2, inception=SOMEVALUE)]
    assert conversion.new_entities_ntriples(ents, workers=2, chunk=1) is None


def test_a_bad_entity_is_named() -> None:
    ents = [entity(1), entity(2)]
    ents[1]["claims"]["P17"][0]["mainsnak"]["property"] = "P31"  # a P17 statement whose main snak says P31
    with pytest.raises(EntityError, match=r"entity Q1000000000302\b"):
        conversion.new_entities_ntriples(ents, workers=2, chunk=1)


def test_parallel_load_writes_exactly_what_the_one_process_load_writes(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "musea.csv", good_rows(120))
    with Store.open(tmp_path / "serial") as a, Store.open(tmp_path / "parallel") as b:
        ra = load_with(a, src, workers=0).report
        rb = load_with(b, src, workers=2).report
        assert ra is not None and rb is not None
        assert sorted(rb.created) == sorted(ra.created) and len(rb.created) == 120
        assert rb.triples_written > 0 and rb.generation == ra.generation
        assert export(b, tmp_path / "b.nt") == export(a, tmp_path / "a.nt")
        # a second run of the same file changes nothing
        again = load_with(b, src, workers=2).report
        assert again is not None and (len(again.created), len(again.unchanged)) == (0, 120)
        assert export(b, tmp_path / "b2.nt") == export(a, tmp_path / "a.nt")


def test_plans_with_updates_or_blank_nodes_take_the_one_process_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = conversion.ntriples_parts

    def counted(entities, **kw):  # type: ignore[no-untyped-def]
        calls.append(len(entities))
        return real(entities, **kw)

    monkeypatch.setattr(conversion, "ntriples_parts", counted)
    with Store.open(tmp_path / "s") as st:
        st.write_entities([entity(1)])
        changed = entity(1, inception="1950")
        plan = Plan(items=[plan_item(changed, st_entity(st, 1), kind="institution"), plan_item(entity(2), None,
                                                                                              kind="institution")])
        rep = StoreTarget(st, workers=2).apply(plan)
        assert calls == [] and rep.updated == [changed["id"]] and rep.created == [entity(2)["id"]]
        # all new, but with a somevalue: converted in workers, refused there, written by the store itself
        blank = [entity(3, inception=SOMEVALUE), entity(4)]
        rep = StoreTarget(st, workers=2).apply(Plan(items=[plan_item(e, None, kind="institution") for e in blank]))
        assert calls == [2] and sorted(rep.created) == sorted(e["id"] for e in blank)
        assert any(isinstance(q.object, ox.BlankNode) for q in st.inner)
        fresh = Store.memory()
        fresh.write_entities([changed, entity(2), *blank])
        assert sorted(map(str, st.inner.quads_for_pattern(None, None, None, ox.DefaultGraph()))) == sorted(
            map(str, fresh.inner.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        )


def test_progress_counts_every_item_once_and_literals_with_blank_node_syntax_stay_fast(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = Store.write_entities

    def counted(self, entities, **kw):  # type: ignore[no-untyped-def]
        calls.append(len(entities))
        return real(self, entities, **kw)

    monkeypatch.setattr(Store, "write_entities", counted)
    with Store.open(tmp_path / "s") as st:
        # "_:" inside a label is not a blank node: written by the fast path, not refused by it
        odd = [entity(n) for n in range(6)]
        odd[2]["labels"]["en"]["value"] = "Museum _:x"
        seen: list[int] = []
        rep = StoreTarget(st, workers=2).apply(Plan(items=[plan_item(e, None, kind="institution") for e in odd]),
                                               progress=seen.append)
        assert calls == [] and sum(seen) == 6 and len(rep.created) == 6
        # a somevalue in the last chunk: the workers give up, the store writes it; progress still adds up
        blank = [entity(n) for n in range(10, 16)] + [entity(16, inception=SOMEVALUE)]
        seen.clear()
        rep = StoreTarget(st, workers=2).apply(Plan(items=[plan_item(e, None, kind="institution") for e in blank]),
                                               progress=seen.append)
        assert calls == [7] and sum(seen) == 7 and len(rep.created) == 7


def test_the_same_item_twice_is_refused_by_name(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s") as st:
        twice = [entity(1), entity(1, inception="1900")]
        with pytest.raises(EntityError, match="written twice"):
            StoreTarget(st, workers=2).apply(Plan(items=[plan_item(e, None, kind="institution") for e in twice]))
        assert len(st) == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death hook is Linux's (prctl)")
def test_workers_end_when_the_loading_process_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "convert.py"
    script.write_text(
        "import multiprocessing, sys, time\n"
        "from kg.rdf import conversion\n"
        "from test_conversion import entity\n"
        "def progress(n):\n"
        "    print(' '.join(str(p.pid) for p in multiprocessing.active_children()), flush=True)\n"
        "    time.sleep(600)  # the parent stops here; the workers would go on with the other chunks\n"
        "conversion.new_entities_ntriples([entity(n) for n in range(400)], workers=2, chunk=2, progress=progress)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    pids = [int(p) for p in proc.stdout.readline().split()]
    assert len(pids) == 2
    proc.kill()
    proc.wait(timeout=30)
    deadline = time.monotonic() + 20
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [p for p in pids if _running(p)]
        time.sleep(0.05)
    assert alive == [], f"worker processes {alive} outlived the killed loading process"


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def st_entity(st: Store, n: int) -> dict | None:
    from kg.store.read import read_entities

    return read_entities(st.inner, [entity(n)["id"]])[entity(n)["id"]]


def test_default_workers() -> None:
    assert default_workers(PARALLEL_MIN - 1) == 0
    assert 1 <= default_workers(PARALLEL_MIN) <= 2
