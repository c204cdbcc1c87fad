"""Large writes of new items: conversion in worker processes (kg.conversion) and the store target's fast path
give exactly the store the one-process path gives, and fall back or fail cleanly when they cannot be used."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pyoxigraph as ox
import pytest
from test_load import good_rows, write_csv

from kg import conversion
from kg.entities import Claim, Record, to_json
from kg.errors import EntityError
from kg.load import load
from kg.mapping import Mapping
from kg.plan import Plan, plan_item
from kg.rdf import Vocabulary, wdqs_triples
from kg.store import Store
from kg.targets.store import PARALLEL_MIN, StoreTarget, default_workers
from kg.values import SOMEVALUE


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


def test_spawned_workers_give_the_same_triples(monkeypatch: pytest.MonkeyPatch) -> None:
    ents = [entity(n) for n in range(5)]
    forked = conversion.new_entities_ntriples(ents, workers=2, chunk=2)
    monkeypatch.setattr(mp, "get_all_start_methods", lambda: ["spawn"])  # as on Windows
    spawned = conversion.new_entities_ntriples(ents, workers=2, chunk=2)
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
        assert rb.details["triples_written"] > 0 and rb.details["generation"] == ra.details["generation"]
        assert export(b, tmp_path / "b.nt") == export(a, tmp_path / "a.nt")
        # a second run of the same file changes nothing
        again = load_with(b, src, workers=2).report
        assert again is not None and (len(again.created), len(again.unchanged)) == (0, 120)
        assert export(b, tmp_path / "b2.nt") == export(a, tmp_path / "a.nt")


def test_plans_with_updates_or_blank_nodes_take_the_one_process_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = conversion.new_entities_ntriples

    def counted(entities, **kw):  # type: ignore[no-untyped-def]
        calls.append(len(entities))
        return real(entities, **kw)

    monkeypatch.setattr(conversion, "new_entities_ntriples", counted)
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


def st_entity(st: Store, n: int) -> dict | None:
    from kg.targets.store_read import read_entities

    return read_entities(st.inner, [entity(n)["id"]])[entity(n)["id"]]


def test_default_workers() -> None:
    assert default_workers(PARALLEL_MIN - 1) == 0
    assert 1 <= default_workers(PARALLEL_MIN) <= 2
