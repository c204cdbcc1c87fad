"""Reconciliation, continued (issue 13): a Wikibase with ids of its own (through the id map), linked Wikidata
items' labels on QuickStatements, progress of remote look-ups, and where the default review file goes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from reconcile_fake import FakeReconService, Item

from kg.cli.app import main
from kg.load import review as review_module
from kg.model.schema import model

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
