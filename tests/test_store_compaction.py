"""A writer that wrote many triples compacts the store when it closes, before it publishes the snapshot readers
read (kg.store.compaction); small writes do not pay for it; readers see the same data either way."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.gaps.demo import write_demo
from kg.store import Store, compaction

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def sst_files(path: Path) -> int:
    """Table files of the snapshot readers read (kg.store.snapshots)."""
    snaps = path.parent / f"{path.name}.snapshots"
    current = (snaps / "CURRENT").read_text(encoding="utf-8").strip()
    return len(list((snaps / current).glob("*.sst")))


def build(path: Path, caplog: pytest.LogCaptureFixture) -> tuple[int, int]:
    """A small demo written in many batches (many bulk loads); the table files before and after close."""
    caplog.set_level(logging.INFO, logger="kg.store")
    st = Store.open(path)
    write_demo(st, institutions=400, batch=60)
    st._publish(force=True)  # what readers see before the writer closes
    before = sst_files(path)
    st.close()
    return before, sst_files(path)


def answer(path: Path) -> tuple[str, int]:
    with Store.open(path, read_only=True) as r:
        return r.generation(), int(next(iter(r.inner.query(COUNT)))[0].value)


def test_a_large_write_is_compacted_on_close(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compaction, "AFTER_TRIPLES", 1_000)
    before, after = build(tmp_path / "big", caplog)
    assert any("compacted the store" in r.getMessage() for r in caplog.records)
    assert before > 2 and after < before  # the bulk loads' table files merged
    _, triples = answer(tmp_path / "big")
    assert triples > 10_000  # readers read the compacted store's snapshot: everything is there


def test_a_small_write_is_not_compacted(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compaction, "AFTER_TRIPLES", 10**9)
    before, after = build(tmp_path / "small", caplog)
    assert not any("compacted the store" in r.getMessage() for r in caplog.records)
    assert after >= before
    monkeypatch.setattr(compaction, "AFTER_TRIPLES", 1_000)
    caplog.clear()
    build(tmp_path / "same", caplog)
    assert answer(tmp_path / "small") == answer(tmp_path / "same")  # compacted or not, the same data



def test_reads_at_close_run_before_the_store_closes(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """``reads_at_close`` reads the store being compacted, in a thread, and is waited for before the store is
    published and closed; what it raises is a logged warning (the write is done), not the writer's error; without
    a compaction it runs as the store closes, in the closing thread."""
    seen: list[tuple[str, int]] = []

    def count(inner: object) -> None:
        time.sleep(0.5)  # slower than the compaction of this small store: close() must wait for it
        n = int(next(iter(inner.query(COUNT)))[0].value)  # type: ignore[attr-defined]
        seen.append((threading.current_thread().name, n))

    def fail(inner: object) -> None:
        seen.append(("fail", 0))
        raise RuntimeError("boom")

    caplog.set_level(logging.WARNING, logger="kg.store")
    for threshold, name, work in ((1_000, "ok", count), (1_000, "fails", fail), (10**9, "small", count)):
        monkeypatch.setattr(compaction, "AFTER_TRIPLES", threshold)
        st = Store.open(tmp_path / name)
        write_demo(st, institutions=100, batch=60)
        st.reads_at_close = work
        before = len(seen)
        st.close()
        assert len(seen) == before + 1  # done when close() returned (it was waited for)
        assert answer(tmp_path / name)[1] > 1_000  # published and readable either way
    assert [k for k, _n in seen] == ["glamkg-beside-compaction", "fail", threading.current_thread().name]
    assert seen[0][1] == answer(tmp_path / "ok")[1]  # it read the whole write
    assert seen[2][1] == answer(tmp_path / "small")[1]
    assert any("boom" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


@pytest.mark.parametrize(("growing", "small_file", "compacted"),
                         [(True, 1, False), (True, 2**40, True), (False, 1, True)],
                         ids=["streamed-merged", "streamed-small-files", "not-streamed"])
def test_a_streamed_load_left_merged_is_not_compacted_on_close(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, growing: bool,
        small_file: int, compacted: bool) -> None:
    """New items streamed into an empty store as their ids are minted (``growing``, kg.load.stream) are not
    compacted on close when the table files are merged already (none counts as small here), and are when they are
    not (all small); the same write with its ids known beforehand (not a streamed load into an empty store) is
    compacted whatever its files."""
    monkeypatch.setattr(compaction, "AFTER_TRIPLES", 10)
    monkeypatch.setattr(compaction, "SMALL_FILE", small_file)
    caplog.set_level(logging.INFO, logger="kg.store")
    ids: list[str] = []

    def parts() -> Iterator[bytes]:
        for i in range(1, 4):
            if growing:
                ids.append(f"Q{i}")
            yield "".join(f"<http://www.wikidata.org/entity/Q{i}> <http://x/p{j}> \"{j}\" .\n"
                          for j in range(10)).encode()

    with Store.open(tmp_path / "s") as st:
        report = st.add_new_entities(parts(), ids if growing else ["Q1", "Q2", "Q3"], no_blank_nodes=True,
                                     growing=growing)
        assert report is not None and report.triples_written == 30
    assert any("compacted the store" in r.getMessage() for r in caplog.records) is compacted
    assert any("not compacted on close" in r.getMessage() for r in caplog.records) is not compacted
    assert answer(tmp_path / "s")[1] >= 30  # published either way


def test_merged_weighs_the_bytes_in_small_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The share of the table bytes in small files decides, not their number (a merged store keeps a few small
    ones: the metadata graph's, the last remainders)."""
    monkeypatch.setattr(compaction, "SMALL_FILE", 1_000)

    def store(*sizes: int) -> Path:
        folder = tmp_path / ("s-" + "-".join(map(str, sizes)))
        folder.mkdir()
        for i, size in enumerate(sizes):
            (folder / f"{i:06d}.sst").write_bytes(b"x" * size)
        (folder / "000100.log").write_bytes(b"x" * 100_000)  # not a table file
        return folder

    assert compaction.merged(store(10_000, 10_000, 500, 500, 500, 1))  # 1,501 of 21,501 bytes: 7 %
    assert not compaction.merged(store(10_000, 900, 900, 900))  # 2,700 of 12,700: 21 %
    assert not compaction.merged(store(500, 500))  # all small
    assert not compaction.merged(tmp_path / "missing")
    assert not compaction.merged(store())  # no table file at all


def test_reads_beside_a_flush_run_in_a_thread_and_are_waited_for(tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    """``flush_beside``: the reads run in a thread of their own while the store flushes and are done when it
    returns; what they raise is a logged warning, not the caller's error."""
    seen: list[tuple[str, int]] = []

    def count(inner: object) -> None:
        time.sleep(0.2)
        n = int(next(iter(inner.query(COUNT)))[0].value)  # type: ignore[attr-defined]
        seen.append((threading.current_thread().name, n))

    def fail(inner: object) -> None:
        raise RuntimeError("boom")

    caplog.set_level(logging.WARNING, logger="kg.store")
    with Store.open(tmp_path / "s") as st:
        write_demo(st, institutions=20, batch=20)
        compaction.flush_beside(st.inner, count)
        assert seen == [("glamkg-beside-flush", int(next(iter(st.inner.query(COUNT)))[0].value))]
        compaction.flush_beside(st.inner, fail)
    assert any("boom" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
