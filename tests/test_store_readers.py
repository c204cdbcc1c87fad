"""Readers never fail and never see half a write: they read the snapshot the last committed write published
(kg/store/snapshots.py). One small repetition of benchmarks/stress_readers.py (the 100,000-row, 20-repetition
run is documented in docs/store.md): `glamkg load` writes while two reader processes run `glamkg query run`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import stress_readers


@pytest.mark.slow
def test_readers_see_the_state_before_or_after_a_load_and_never_fail(tmp_path: Path) -> None:
    r = stress_readers.repetition(tmp_path, rows=3000, readers=2, n=0)
    assert r["errors"] == [], r["errors"][:3]  # type: ignore[index]
    assert r["mixed"] == []
    assert r["after"] in r["seen"]  # type: ignore[operator]
    assert r["answers"] >= 4  # type: ignore[operator]


def test_a_reader_keeps_its_snapshot_while_a_writer_publishes_new_ones(tmp_path: Path) -> None:
    from kg.model.entities import Record, to_json
    from kg.store import Store, snapshots

    path = tmp_path / "s"

    def item(n: int) -> dict[str, object]:
        return to_json(Record(kind="institution", id=f"Q{1000000000500 + n}", labels={"en": f"M{n}"}))

    with Store.open(path) as w:
        w.write_entities([item(0)])
        with Store.open(path, read_only=True) as r1:
            seen = len(r1)
            first = snapshots.current(path)
            w.write_entities([item(1)])
            w.write_entities([item(2)])
            assert len(r1) == seen  # the reader's snapshot does not move under it
            assert snapshots.current(path) != first and first is not None and first.exists()  # held: kept
            with Store.open(path, read_only=True) as r2:
                assert len(r2) > seen
        w.write_entities([item(3)])
    assert first is not None and not first.exists()  # no reader holds it any more: collected
    names = sorted(p.name for p in snapshots.folder(path).iterdir() if not p.name.endswith(".lock"))
    assert len([n for n in names if n != "CURRENT"]) == 1


def test_a_writer_that_publishes_on_close_shows_readers_its_writes_only_then(tmp_path: Path) -> None:
    """``Store.publish_on_close`` (glamkg demo: its data, then its labels): no snapshot per write, one on close."""
    from kg.model.entities import Record, to_json
    from kg.store import Store, snapshots

    path = tmp_path / "s"
    with Store.open(path) as w:
        w.write_entities([to_json(Record(kind="institution", id="Q1000000000500", labels={"en": "M0"}))])
    before = snapshots.current(path)
    with Store.open(path) as w:
        w.publish_on_close()
        w.write_entities([to_json(Record(kind="institution", id="Q1000000000501", labels={"en": "M1"}))])
        w.set_meta("label", "two")
        assert snapshots.current(path) == before
        with Store.open(path, read_only=True) as r:
            assert r.meta().get("label") is None and len(r) < len(w)
        written = w.meta()
    after = snapshots.current(path)
    assert after is not None and after != before
    with Store.open(path, read_only=True) as r:
        assert r.meta() == written
