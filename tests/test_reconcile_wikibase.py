"""Reconciliation, continued (issue 13): a Wikibase with ids of its own (through the id map), linked Wikidata
items' labels on QuickStatements, progress of remote look-ups, and where the default review file goes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from mediawiki_fake import FakeWikibase
from reconcile_fake import FakeReconService, Item

from kg.cli.app import main
from kg.http import HttpClient
from kg.load import load
from kg.load import review as review_module
from kg.load.linking import Linker
from kg.load.mapping import Mapping
from kg.load.reconcile import Index
from kg.load.remote import AnswerCache, Question, W3CService, open_service
from kg.load.targets.store import StoreTarget
from kg.model.schema import model
from kg.store import Store

M = model()
MUSEUM, P17 = M.cls("museum").id, M.prop("country").id


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GLAMKG_RECONCILE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("COLUMNS", "400")  # messages naming long temporary paths stay on one line
    monkeypatch.chdir(tmp_path)
    return tmp_path / "cache"


# -- QuickStatements: a linked Wikidata item's label is Wikidata's ------------------------------------------------


def test_quickstatements_keeps_linked_items_labels_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "linked.csv"
    sheet.write_text(
        "id,label_en,description_en,instance_of,country\n"
        "Q190804,Rijksmuseum,national museum,museum,Q55\nQ224124,Van Gogh Museum,,museum,Q55\n",
        encoding="utf-8",
    )
    out = tmp_path / "linked.qs"
    argv = ["load", str(sheet), "--kind", "institution", "--store", str(tmp_path / "s"), "--target",
            "quickstatements", "-o", str(out), "--reference-url", "https://example.org/linked.csv"]  # fmt: skip
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "3 labels and descriptions of linked Wikidata items kept as Wikidata has them" in captured.out
    assert "skipped" not in captured.out and "left out" not in captured.out
    lines = out.read_text(encoding="utf-8").splitlines()
    assert {ln.split("\t")[0] for ln in lines} == {"Q190804", "Q224124"}
    assert not any(ln.split("\t")[1] in ("Len", "Den") for ln in lines)  # the labels are Wikidata's
    assert any(ln.startswith('Q190804\tP17\tQ55\tS854\t"https://example.org/linked.csv"') for ln in lines)

    # a real skip still ends with 5: a row only the sheet has cannot be named in QuickStatements
    sheet.write_text(sheet.read_text(encoding="utf-8") + ",Heemkundekring Weert,,museum,Q55\n", encoding="utf-8")
    assert main(argv) == 5
    captured = capsys.readouterr()
    assert "skipped 1" in captured.out and "Heemkundekring Weert" in captured.err


# -- the default review file: next to the sheet -------------------------------------------------------------------


def _two_stadsmusea() -> FakeReconService:
    fake = FakeReconService(type_names={MUSEUM: "museum"})
    for n, where in enumerate(("Zwolle", "Tiel")):
        fake.add(Item(f"Q{5001 + n}", "Stadsmuseum", f"museum in {where}", (MUSEUM,), {P17: ("Q55",)}))
    return fake.start()


@pytest.fixture
def stads() -> Iterator[FakeReconService]:
    fake = _two_stadsmusea()
    yield fake
    fake.stop()


def _ambiguous_sheet(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    sheet = folder / "musea.csv"
    sheet.write_text("label_en,instance_of,country\nStadsmuseum,museum,Q55\n", encoding="utf-8")
    return sheet


def _pick(review: Path, candidate: str) -> None:
    lines = review.read_text(encoding="utf-8-sig").splitlines()
    review.write_text("\n".join(ln + ("x" if f",{candidate}," in ln else "") for ln in lines) + "\n", encoding="utf-8")


def test_the_default_review_file_is_next_to_the_sheet(
    tmp_path: Path, stads: FakeReconService, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = _ambiguous_sheet(tmp_path / "data")
    (tmp_path / "elsewhere").mkdir()
    argv = ["load", str(sheet), "--kind", "institution", "--store", str(tmp_path / "s"), "--reconcile", stads.url]
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path / "elsewhere")  # the command runs in another folder than the sheet's
        assert main(argv) == 2
        review = tmp_path / "data" / "musea.review.csv"
        assert review.is_file() and list((tmp_path / "elsewhere").iterdir()) == []
        assert f"review file {review}: 1 open questions" in capsys.readouterr().err
        _pick(review, "Q5002")
        assert main(argv) == 0  # read again from next to the sheet, from any folder
    assert "Q5002" in capsys.readouterr().out


def test_a_sheet_in_a_folder_that_is_not_writable_gets_its_review_file_here(
    tmp_path: Path, stads: FakeReconService, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sheet = _ambiguous_sheet(tmp_path / "shared")
    real = review_module._writable
    monkeypatch.setattr(review_module, "_writable", lambda folder: folder != sheet.parent and real(folder))
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    argv = ["load", str(sheet), "--kind", "institution", "--store", str(tmp_path / "s"), "--reconcile", stads.url]
    assert main(argv) == 2
    here = tmp_path / "work" / "musea.review.csv"
    err = capsys.readouterr().err
    assert f"{sheet.parent} (the folder of musea.csv) is not writable, so the review file is {here}" in err
    assert here.is_file() and not (sheet.parent / "musea.review.csv").exists()
    _pick(here, "Q5001")
    assert main(argv) == 0  # and read from there again


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any folder")
def test_a_read_only_folder_really_falls_back(tmp_path: Path) -> None:
    sheet = _ambiguous_sheet(tmp_path / "ro")
    sheet.parent.chmod(0o555)
    try:
        path, note = review_module.default_path(sheet)
    finally:
        sheet.parent.chmod(0o755)
    assert path == Path.cwd() / "musea.review.csv" and note is not None


# -- progress of remote look-ups --------------------------------------------------------------------------------


class Recorder:
    """A kg.progress.Progress that remembers what it was told."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def phase(self, name: str, total: int | None = None) -> None:
        self.events.append(("phase", (name, total)))

    def advance(self, n: int = 1) -> None:
        self.events.append(("advance", n))

    def after(self, prefix: str) -> tuple[tuple[str, int | None], list[int]]:
        """The phase whose name starts with ``prefix`` and the advances reported in it."""
        start = next(i for i, (k, v) in enumerate(self.events) if k == "phase" and str(v[0]).startswith(prefix))
        phase = self.events[start][1]
        steps = []
        for kind, value in self.events[start + 1 :]:
            if kind == "phase":
                break
            steps.append(int(value))  # type: ignore[call-overload]
        return phase, steps  # type: ignore[return-value]


def _name(k: int) -> str:
    return "Museum " + chr(65 + k) * 3  # Museum AAA, Museum BBB, ...: no name inside another


def _museums(n: int) -> FakeReconService:
    fake = FakeReconService(type_names={MUSEUM: "museum"})
    for k in range(n):
        fake.add(Item(f"Q{7000 + k}", _name(k), "museum", (MUSEUM,), {P17: ("Q55",)}))
    return fake.start()


def test_remote_look_ups_report_a_phase_and_advance_per_batch(tmp_path: Path) -> None:
    fake = _museums(25)
    try:
        questions = [Question(_name(k), (MUSEUM,), ("Q55",)) for k in range(25)]
        svc = W3CService(fake.url, HttpClient(), AnswerCache(tmp_path / "c"), batch=10).open()
        linker = Linker(Index(), svc)
        linker.progress = rec = Recorder()
        answers = linker._ask(questions)
        assert [a[0].id for a in answers] == [f"Q{7000 + k}" for k in range(25)]
        posts = sum(1 for r in fake.requests if r[0] == "POST")
        assert rec.after("asking") == ((f"asking {svc.name}", 25), [10, 10, 5])  # one advance per request
        assert posts == 3
        # a second run: everything from the cache, at once
        linker.progress = again = Recorder()
        linker._ask(questions)
        assert again.after("asking") == ((f"asking {svc.name}", 25), [25])
    finally:
        fake.stop()


def test_the_wikibase_api_advances_per_question(tmp_path: Path) -> None:
    wiki = FakeWikibase().start()
    try:
        for k in range(3):
            wiki.add_item(f"Q{10 + k}", _name(k), claims={P17: ["Q55"]})
        svc = open_service(wiki.api_url, cache_folder=tmp_path / "c")
        assert svc is not None
        steps: list[int] = []
        svc.ask([Question(_name(k)) for k in range(3)], steps.append)
        assert steps == [1, 1, 1]
    finally:
        wiki.stop()


def test_the_load_shows_the_look_ups_as_a_phase(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = _museums(12)
    try:
        sheet = tmp_path / "m.csv"
        sheet.write_text(
            "label_en,instance_of,country\n" + "".join(f"{_name(k)},museum,Q55\n" for k in range(12)),
            encoding="utf-8",
        )
        argv = ["load", str(sheet), "--kind", "institution", "--store", str(tmp_path / "s"), "--reconcile", fake.url]
        assert main(argv) == 0
        err = capsys.readouterr().err.splitlines()
        # stderr is not a terminal here: one plain line per phase, the look-ups between reconciling and checking
        phases = [ln for ln in err if ln.startswith("glamkg load: ")]
        at = phases.index("glamkg load: reconciling (12)")
        assert phases[at + 1] == "glamkg load: asking Wikidata (en) [loopback] (12)"
        assert phases[at + 2] == "glamkg load: checking (12)"
        # and through the library, with the load's reporter
        rec = Recorder()
        load(sheet, Mapping.default("institution"), StoreTarget(Store.memory()), dry_run=True,
             linker=Linker(Index(), open_service(fake.url, cache_folder=tmp_path / "c2")), progress=rec)  # fmt: skip
        assert rec.after("asking") == (("asking Wikidata (en) [loopback]", 12), [10, 2])
    finally:
        fake.stop()
