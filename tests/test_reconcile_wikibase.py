"""Reconciliation, continued (issue 13): a Wikibase with ids of its own (through the id map), linked Wikidata
items' labels on QuickStatements, progress of remote look-ups, and where the default review file goes."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.cli.app import main


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GLAMKG_RECONCILE_CACHE", str(tmp_path / "cache"))
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
