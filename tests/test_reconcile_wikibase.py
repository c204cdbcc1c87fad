"""Reconciliation, continued (issue 13): a Wikibase with ids of its own (through the id map), linked Wikidata
items' labels on QuickStatements, progress of remote look-ups, and where the default review file goes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import mediawiki_fake
import pytest
from mediawiki_fake import FakeWikibase
from reconcile_fake import FakeReconService, Item

from kg.cli.app import main
from kg.errors import InputError
from kg.http import HttpClient
from kg.load import load
from kg.load import review as review_module
from kg.load.linking import Linker
from kg.load.mapping import MappedRow, MappedValue, Mapping
from kg.load.reconcile import Index, Match
from kg.load.remote import AnswerCache, Question, Renumbered, W3CService, open_service
from kg.load.targets.store import StoreTarget
from kg.model import ids
from kg.model.idmap import IdMap
from kg.model.schema import model
from kg.model.values import ItemRef
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
        assert f"review file {review}: 1 open question; mark one line of it" in capsys.readouterr().err
        _pick(review, "Q5002")
        assert main(argv) == 0  # read again from next to the sheet, from any folder
    assert "Q5002" in capsys.readouterr().out


@pytest.mark.parametrize("quiet", [["-q", "load"], ["load", "-q"]])
def test_quiet_writes_the_review_file_without_its_notice(
    quiet: list[str], tmp_path: Path, stads: FakeReconService, capsys: pytest.CaptureFixture[str]
) -> None:
    """`glamkg -q load` (errors only): the review file is written, the "review file ...: 1 open question" notice
    is not printed; the row's error still names the file (its hint), so nothing needed is lost."""
    sheet = _ambiguous_sheet(tmp_path / "data")
    cmd = quiet.index("load")
    argv = [*quiet[:cmd], "load", str(sheet), "--kind", "institution", "--store", str(tmp_path / "s"),
            "--reconcile", stads.url, *quiet[cmd + 1:]]
    assert main(argv) == 2
    review = tmp_path / "data" / "musea.review.csv"
    err = capsys.readouterr().err
    assert review.is_file()
    assert "open question" not in err and "review file" not in err, err
    assert "error:" in err and f"pick column of {review}" in " ".join(err.split()), err


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


# -- a Wikibase with ids of its own, through its id map ---------------------------------------------------------

USER, PASSWORD = mediawiki_fake.TEST_USER, mediawiki_fake.TEST_PASSWORD
ISIL = M.prop("isil").id
REF = ["--reference-url", "https://example.org/musea.csv"]
# a wiki whose numbering is its own: glamkg/Wikidata id -> the wiki's id
OWN_MAP = {"P31": "P1", P17: "P2", ISIL: "P3", MUSEUM: "Q3", "Q55": "Q4"}
OWN_MAP |= {"Q1000000000042": "Q20", "Q1000000000043": "Q22"}  # items glamkg loaded there


def own_wiki_service() -> FakeReconService:
    fake = FakeReconService(identifier_space="https://example.wikibase.cloud/entity/", type_names={"Q3": "museum"})
    fake.add(Item("Q20", "Rijksmuseum", "loaded by glamkg earlier", ("Q3",), {"P2": ("Q4",), "P3": ("NL-AmRM",)}))
    fake.add(Item("Q21", "Van Gogh Museum", "the wiki's own item", ("Q3",), {"P2": ("Q4",)}))
    fake.add(Item("Q31", "Van Gogh Museum Amsterdam", "its id is Belgium's in glamkg", ("Q3",), {"P2": ("Q4",)}))
    return fake.start()


def test_a_w3c_service_of_a_wiki_with_its_own_ids_speaks_through_the_id_map(tmp_path: Path) -> None:
    fake = own_wiki_service()
    try:
        svc = W3CService(fake.url, HttpClient(), AnswerCache(tmp_path / "c")).open()
        assert not svc.wikidata
        m = IdMap(entities=dict(OWN_MAP), concept_base="https://example.wikibase.cloud/entity/")
        own = Renumbered.over(svc, m)
        rijks, vgm = own.ask(
            [
                Question("Rijksmuseum", (MUSEUM,), ("Q55",), ((ISIL, "NL-AmRM"),)),
                Question("Van Gogh Museum", (MUSEUM,), ("Q55",)),
            ]
        )
        # the questions went out in the wiki's ids: its class, its country, its properties
        sent = fake.queries()
        assert sent[0]["type"] == ["Q3"]
        assert sent[0]["properties"] == [{"pid": "P2", "v": "Q4"}, {"pid": "P3", "v": "NL-AmRM"}]
        assert sent[1]["properties"] == [{"pid": "P2", "v": "Q4"}]
        # the answers came back in glamkg's ids where the map knows them; the wiki's own item keeps its id
        assert [(c.id, c.score) for c in rijks] == [("Q1000000000042", 100.0)]
        assert [c.id for c in vgm] == ["Q21"]  # Q31 is Belgium to glamkg: left out, and said so
        assert own.unnamed == ["Q31 ('Van Gogh Museum Amsterdam' on Wikidata (en) [loopback])"]
        assert m.get("Q21") is None  # a candidate is not recorded until something is linked to it
        # linking: rows and named cells, with the same rule and the same adoption into the map
        rows = [MappedRow(2, labels={"en": "Van Gogh Museum"}, columns={"label:en": "naam"},
                          claims=[MappedValue(P17, ItemRef("Q55"), "land")])]  # fmt: skip
        linker = Linker(Index(), own, file="m.csv")
        out = linker.rows("institution", rows, [Match(2, "Q1000000000077", "new")])
        assert [(x.id, x.how) for x in out] == [("Q21", "remote 100")] and linker.problems == []
        assert m.get("Q21") == "Q21"  # the wiki's own item, named by its own id, as the Wikibase target does
        part = MappedRow(3, labels={"en": "Samen"}, columns={"label:en": "naam"})
        part.names = [(M.prop("participant").id, "Rijksmuseum", "participant")]
        linker.cells("partnership", [part], [Match(3, "Q1000000000078", "new")])
        assert [c.value for c in part.claims] == [ItemRef("Q1000000000042")] and linker.problems == []
    finally:
        fake.stop()


def test_the_id_map_must_be_the_wikis(tmp_path: Path) -> None:
    fake = own_wiki_service()
    try:
        svc = W3CService(fake.url, HttpClient(), AnswerCache(tmp_path / "c")).open()
        other = IdMap(entities=dict(OWN_MAP), concept_base="https://other.wikibase.cloud/entity/")
        with pytest.raises(InputError, match="expected the id map of the wiki --reconcile asks"):
            Renumbered.over(svc, other)
    finally:
        fake.stop()


@pytest.fixture
def own_wiki(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeWikibase, Path]]:
    """A wiki with glamkg's model bootstrapped (its own numbering) and items of its own."""
    fake = FakeWikibase(users={USER: PASSWORD}).start()
    monkeypatch.setenv("GLAMKG_WIKIBASE_URL", fake.url)
    monkeypatch.setenv("GLAMKG_WIKIBASE_USER", USER)
    monkeypatch.setenv("GLAMKG_WIKIBASE_PASSWORD", PASSWORD)
    idmap = tmp_path / "wiki" / "idmap.json"
    try:
        assert main(["--quiet", "wikibase", "bootstrap", "--idmap", str(idmap)]) == 0
        m = IdMap.load(idmap)
        museum, p31, p17, nl = m.get(MUSEUM), m.get("P31"), m.get(P17), m.get("Q55")
        assert museum and p31 and p17 and nl and museum != MUSEUM and p17 != P17  # a numbering of its own
        own = {p31: [museum], p17: [nl]}
        fake.add_item("Q9102", "Rijksmuseum", description="national museum", claims=own)
        fake.add_item("Q9103", "Stadsmuseum", description="museum in Zwolle", claims=own)
        fake.add_item("Q9104", "Stadsmuseum", description="museum in Tiel", claims=own)
        # the wiki's Q902 is Bangladesh to glamkg (a country of the model): it cannot be named, so not linked
        fake.add_item("Q902", "Heemkundekring Weert", description="the wiki's Q902", claims=own)
        yield fake, idmap
    finally:
        fake.stop()


def test_load_into_a_wiki_with_its_own_ids_reconciles_against_it(
    own_wiki: tuple[FakeWikibase, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake, idmap = own_wiki
    sheet = tmp_path / "musea.csv"
    sheet.write_text(
        "label_en,instance_of,country\nRijksmuseum,museum,Q55\nStadsmuseum,museum,Q55\n"
        "Heemkundekring Weert,museum,Q55\n",
        encoding="utf-8",
    )
    argv = ["load", str(sheet), "--kind", "institution", "--store", str(tmp_path / "s"), "--target", "wikibase",
            "--idmap", str(idmap), "--reconcile", fake.api_url, *REF]  # fmt: skip
    edits = len(fake.edits())
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "row 3, column 'label_en': expected one item named 'Stadsmuseum' in Q55" in err
    assert "Q9103 'Stadsmuseum', museum in Zwolle" in err and "Q9104 'Stadsmuseum', museum in Tiel" in err
    assert len(fake.edits()) == edits  # nothing written
    review = tmp_path / "musea.review.csv"
    _pick(review, "Q9104")
    capsys.readouterr()
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "remote 100" in captured.out and "review" in captured.out and "created 1, updated 2" in captured.out
    assert "candidates left out: Q902 ('Heemkundekring Weert' on the Wikibase at 127.0.0.1" in captured.err
    # linked rows updated the wiki's own items; only the row the wiki does not have was created
    assert fake.items_labelled("Rijksmuseum") == ["Q9102"]
    assert fake.items_labelled("Stadsmuseum") == ["Q9103", "Q9104"]
    weert = [i for i in fake.items_labelled("Heemkundekring Weert") if i != "Q902"]
    assert len(weert) == 1
    m = IdMap.load(idmap)
    assert m.get("Q9102") == "Q9102" and m.get("Q9104") == "Q9104"  # the wiki's own items, in the map
    assert m.get("Q9103") is None and m.get("Q902") is None  # not linked: not recorded
    assert ids.is_local(m.back(weert[0]) or "")
    # the wiki's search was asked in its own words: the candidates' classes and countries in its ids
    searched = [r.fields.get("search") for r in fake.requests if r.action == "wbsearchentities"]
    assert "Rijksmuseum" in searched and "Heemkundekring Weert" in searched
    rijks = fake.entities["Q9102"]["claims"]
    assert any(st["references"] for st in rijks[m.get("P31") or ""])  # the sheet's reference on its statement


def test_a_wiki_with_its_own_ids_needs_the_wikibase_target(
    own_wiki: tuple[FakeWikibase, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake, _ = own_wiki
    sheet = tmp_path / "m.csv"
    sheet.write_text("label_en,instance_of,country\nRijksmuseum,museum,Q55\n", encoding="utf-8")
    argv = ["load", str(sheet), "--kind", "institution", "--store", str(tmp_path / "s"), "--reconcile", fake.api_url]
    assert main(argv) == 2
    assert "hint: to link rows to that wiki's items, load into it: --target wikibase" in capsys.readouterr().err


def test_a_w3c_service_of_the_wiki_and_an_id_the_volunteer_wrote_in_the_review_file(
    own_wiki: tuple[FakeWikibase, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake, idmap = own_wiki
    m = IdMap.load(idmap)
    museum, p17, nl = m.get(MUSEUM) or "", m.get(P17) or "", m.get("Q55") or ""
    fake.add_item("Q9105", "Stedelijk Museum Zwolle", description="the one", claims={p17: [nl]})
    recon = FakeReconService(identifier_space=m.concept_base, type_names={museum: "museum"})
    recon.add(Item("Q9102", "Rijksmuseum", "national museum", (museum,), {p17: (nl,)}))
    recon.add(Item("Q9103", "Stadsmuseum", "museum in Zwolle", (museum,), {p17: (nl,)}))
    recon.add(Item("Q9104", "Stadsmuseum", "museum in Tiel", (museum,), {p17: (nl,)}))
    recon.start()
    try:
        sheet = tmp_path / "musea.csv"
        sheet.write_text("label_en,instance_of,country\nRijksmuseum,museum,Q55\nStadsmuseum,museum,Q55\n")
        argv = ["load", str(sheet), "--kind", "institution", "--target", "wikibase", "--idmap", str(idmap),
                "--reconcile", recon.url, *REF]  # fmt: skip
        assert main(argv) == 2
        wiki_ids = set(m.entities.values())
        for q in recon.queries():  # the kind's classes and the country, in the wiki's ids
            assert museum in q["type"] and set(q["type"]) <= wiki_ids and MUSEUM not in q["type"]
            assert q["properties"] == [{"pid": p17, "v": nl}]
        # the volunteer knows better: the wiki's Q9105, which the service did not offer
        review = tmp_path / "musea.review.csv"
        lines = review.read_text(encoding="utf-8-sig").splitlines()
        review.write_text("\n".join([*lines, "musea.csv,3,label_en,Stadsmuseum,Q55,Q9105,,,,x"]) + "\n")
        capsys.readouterr()
        before = set(fake.entities)
        assert main(argv) == 0
        assert "created 0, updated 2" in capsys.readouterr().out
        assert set(fake.entities) == before  # nothing created: both rows updated the wiki's own items
        assert fake.entities["Q9105"]["labels"]["en"]["value"] == "Stadsmuseum"  # the sheet's label, written
        after = IdMap.load(idmap)
        assert after.get("Q9102") == "Q9102" and after.get("Q9105") == "Q9105"
    finally:
        recon.stop()


def test_adopt_names_each_id_the_way_the_wikibase_target_does(tmp_path: Path) -> None:
    fake = own_wiki_service()
    try:
        svc = W3CService(fake.url, HttpClient(), AnswerCache(tmp_path / "c")).open()
        m = IdMap(entities=dict(OWN_MAP), concept_base="https://example.wikibase.cloud/entity/")
        store_has = {"Q1000000000099"}
        own = Renumbered.over(svc, m, store_has.__contains__, wiki_has={"Q7701"}.__contains__)
        assert own.adopt("Q1000000000042") == "Q1000000000042"  # glamkg's, in the map
        assert own.adopt("Q22") == "Q1000000000043"  # the wiki's id of a glamkg item
        assert own.adopt("Q20") == "Q20"  # Norway to glamkg (ids read as in the review file: glamkg's first)
        assert own.adopt("Q1000000000099") == "Q1000000000099" and m.get("Q1000000000099") is None  # the store's
        assert own.adopt("Q31") == "Q31" and m.get("Q31") is None  # Belgium, a country of the model
        assert own.adopt("Q7701") == "Q7701" and m.get("Q7701") == "Q7701"  # only the wiki has it: recorded
        assert own.adopt("Q7702") == "Q7702" and m.get("Q7702") is None  # nowhere: Wikidata's (a placeholder)
    finally:
        fake.stop()
