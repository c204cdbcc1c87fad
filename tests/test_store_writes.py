"""The store's writes: one table (kg.store.writes) of case -> mechanism -> guarantee, and the store follows it."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.model.entities import Claim, Record, to_json
from kg.store import Store, writes

ROOT = Path(__file__).resolve().parents[1]
REF = [[("stated_in", "Q1000000000010")]]


def item(n: int, *, country: str = "Q55", somevalue: bool = False) -> dict:
    claims = [Claim("instance_of", "Q33506", references=REF), Claim("country", country, references=REF)]
    if somevalue:
        from kg.model.values import SOMEVALUE

        claims.append(Claim("inception", SOMEVALUE, references=REF))
    return to_json(Record(kind="institution", id=f"Q{100 + n}", labels={"en": f"Museum {n}"}, claims=claims))


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys of the writes the store applied, in order (the choice still runs for real; the spy holds no
    reference to the store, which a copy-and-swap write must be able to close)."""
    seen: list[str] = []
    real = writes.choose

    def spy(**case):
        write = real(**case)
        seen.append(write.key)
        return write

    monkeypatch.setattr(writes, "choose", spy)
    return seen


def test_the_docs_show_the_table_the_code_dispatches_on():
    assert writes.markdown() in (ROOT / "docs" / "store.md").read_text(encoding="utf-8")
    assert len({w.key for w in writes.WRITES}) == len(writes.WRITES)


@pytest.mark.parametrize(
    ("additions", "removals", "blank", "on_disk", "key"),
    [
        (writes.BULK_LIMIT + 1, False, False, True, "swap"),
        (writes.BULK_LIMIT + 1, True, True, True, "swap"),
        (10, False, False, True, "bulk"),
        (10, False, True, False, "bulk-blank"),
        (writes.BULK_LIMIT + 1, False, False, False, "transaction"),
        (10, True, False, True, "update"),
        (10, True, True, True, "remove-then-add"),
    ],
)
def test_choose_picks_the_row_for_each_case(additions, removals, blank, on_disk, key):
    assert writes.choose(additions=additions, removals=removals, blank=blank, on_disk=on_disk).key == key


@pytest.mark.parametrize("on_disk", [True, False], ids=["on-disk", "in-memory"])
def test_each_kind_of_write_takes_its_mechanism_and_lands(tmp_path, monkeypatch, taken, on_disk):
    store = Store.open(tmp_path / "s") if on_disk else Store.memory()
    with store:
        store.write_entities([item(1), item(2)])  # new items: the bulk loader
        store.write_entities([item(3, somevalue=True)])  # new items with a blank node
        store.write_entities([item(1, country="Q29")])  # a rewrite: one SPARQL update
        store.write_entities([item(3)])  # a rewrite that removes a blank node (the somevalue statement)
        monkeypatch.setattr(writes, "BULK_LIMIT", 5)  # every further write counts as large
        store.write_entities([item(4), item(5, somevalue=True)])
        assert taken == ["bulk", "bulk-blank", "update", "remove-then-add", "swap" if on_disk else "transaction"]
        ask = "ASK { <http://www.wikidata.org/entity/Q101> <http://www.wikidata.org/prop/direct/P17> " \
              "<http://www.wikidata.org/entity/Q29> }"
        assert store.query(ask)
        assert store.has_entity("Q105") and store.has_entity("Q103")
        blanks = [q for q in store.inner.quads_for_pattern(None, None, None, ox.DefaultGraph())
                  if isinstance(q.object, ox.BlankNode)]
        assert blanks, "the large write kept the somevalue blank node"
        inception = "ASK { <http://www.wikidata.org/entity/Q103> <http://www.wikidata.org/prop/direct/P571> ?x }"
        assert not store.query(inception), "the rewrite removed the somevalue statement"


def test_pieces_end_at_line_ends_and_keep_every_byte(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writes, "LOAD_PIECE", 100)
    lines = [f"<urn:s{i}> <urn:p> \"{'x' * (i % 37)}\" .\n".encode() for i in range(200)]
    parts = [b"".join(lines[i : i + 7]) for i in range(0, 200, 7)] + [b"".join(lines[:0])]
    parts.append(b"".join(lines[:50]))  # a part larger than a piece is split
    pieces = list(writes._pieces(parts))
    assert b"".join(pieces) == b"".join(parts)
    assert all(p.endswith(b"\n") for p in pieces) and len(pieces) > 10
    assert max(len(p) for p in pieces) < 100 + max(len(line) for line in lines)


def test_a_streamed_write_loads_every_part_and_a_failing_stream_leaves_the_store_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writes, "LOAD_PIECE", 2_000)  # many small pieces, loaded LOAD_THREADS at a time
    from kg.rdf import conversion

    ents = [item(n) for n in range(60)]
    whole = conversion.new_entities_ntriples(ents, workers=1, chunk=7)
    assert whole is not None
    with Store.open(tmp_path / "s") as st:
        st.write_entities([item(999)])
        before = sorted(map(str, st.inner))

        def failing():  # type: ignore[no-untyped-def]
            yield from whole.splitlines(keepends=True)[:300]
            raise conversion.BlankNodes()

        with pytest.raises(conversion.BlankNodes):
            st.add_new_entities(failing(), [e["id"] for e in ents], no_blank_nodes=True)
        assert sorted(map(str, st.inner)) == before
        assert not (tmp_path / "s.swap").exists()
        parts = conversion.ntriples_parts(ents, workers=2, chunk=7)
        rep = st.add_new_entities(parts, [e["id"] for e in ents], no_blank_nodes=True)
        assert rep is not None and rep.triples_written == whole.count(b"\n")
        fresh = Store.memory()
        fresh.write_entities([item(999)])
        assert fresh.add_new_entities(whole, [e["id"] for e in ents]) is not None
        assert sorted(map(str, st.inner.quads_for_pattern(None, None, None, ox.DefaultGraph()))) == sorted(
            map(str, fresh.inner.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        )


def test_a_lenient_load_gives_the_same_quads_and_skips_only_the_parsers_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``lenient=True`` (the demo's streamed write: triples of glamkg's own conversion) loads exactly what a
    checked load does; only what a check would refuse differs (a relative IRI passes unchecked)."""
    monkeypatch.setattr(writes, "LOAD_PIECE", 2_000)
    from kg.rdf import conversion

    ents = [item(n) for n in range(40)]
    whole = conversion.new_entities_ntriples(ents, workers=1, chunk=7)
    assert whole is not None
    got = []
    for lenient in (False, True):
        with Store.open(tmp_path / f"s{lenient}") as st:
            rep = st.add_new_entities(iter(whole.splitlines(keepends=True)), [e["id"] for e in ents],
                                      no_blank_nodes=True, lenient=lenient)
            assert rep is not None and rep.triples_written == whole.count(b"\n")
            got.append(sorted(map(str, st.inner.quads_for_pattern(None, None, None, ox.DefaultGraph()))))
    assert len(got[0]) > 100 and got[0] == got[1]
    bad = b"<a> <http://example.org/p> \"x\" .\n"
    with pytest.raises(SyntaxError):
        writes.load_parts(ox.Store(), [bad])
    lax = ox.Store()
    assert writes.load_parts(lax, [bad], lenient=True) == 1 and len(lax) == 1
