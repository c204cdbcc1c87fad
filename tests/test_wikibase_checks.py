"""`glamkg load --target wikibase` as a volunteer meets it: what the wiki would refuse is found in the plan
before anything is written, a resume finds its journal whatever plan file it writes, skipped items are a
non-zero exit, and cells may hold the wiki's own ids.

Everything runs through the command line against the loopback fake of MediaWiki's API (tests/mediawiki_fake.py),
which refuses what a real Wikibase 1.39 refuses: URL schemes outside ``urlSchemes`` and a label + description
pair another item has.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import mediawiki_fake
import pytest
from mediawiki_fake import FakeWikibase

from kg.cli import main
from kg.load.templates import template_text

USER, PASSWORD = mediawiki_fake.TEST_USER, mediawiki_fake.TEST_PASSWORD
ROOT = Path(__file__).resolve().parents[1]
REF = ["--reference-url", "https://example.org/musea.csv"]


@pytest.fixture
def wiki(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWikibase]:
    """A fake wiki with glamkg's model bootstrapped, and the environment a volunteer sets."""
    fake = FakeWikibase().start()
    monkeypatch.setenv("GLAMKG_WIKIBASE_URL", fake.url)
    monkeypatch.setenv("GLAMKG_WIKIBASE_USER", USER)
    monkeypatch.setenv("GLAMKG_WIKIBASE_PASSWORD", PASSWORD)
    monkeypatch.setenv("GLAMKG_WIKIBASE_IDMAP", str(tmp_path / "idmap.json"))
    monkeypatch.setenv("GLAMKG_STORE", str(tmp_path / "store"))
    monkeypatch.chdir(tmp_path)
    assert main(["--quiet", "wikibase", "bootstrap"]) == 0
    try:
        yield fake
    finally:
        fake.stop()


def sheet(path: Path, kind: str, rows: list[dict[str, str]] | None = None) -> Path:
    """The kind's template, with its example row replaced or changed by ``rows``."""
    reader = csv.DictReader(template_text(kind).splitlines())
    example = next(reader)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(reader.fieldnames or []))
        w.writeheader()
        for row in rows or [{}]:
            w.writerow({**example, **row})
    return path


def load(path: Path, kind: str, *extra: str) -> list[str]:
    return ["load", str(path), "--kind", kind, "--target", "wikibase", "--quiet", *extra]


def items(fake: FakeWikibase, label: str) -> list[str]:
    return [i for i, e in fake.entities.items() if e["labels"].get("en", {}).get("value") == label]


def test_a_file_reference_is_a_problem_before_any_placeholder_is_created(
    wiki: FakeWikibase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without reference.url the reference is `file:<sheet>`, which Wikibase refuses: found in the plan."""
    before, edits = dict(wiki.entities), len(wiki.edits())
    assert main(load(sheet(tmp_path / "musea.csv", "institution"), "institution")) == 2
    err = capsys.readouterr().err
    assert "'file:musea.csv'" in err and "URL scheme" in err and "--reference-url" in err
    assert wiki.entities == before and len(wiki.edits()) == edits  # no placeholder for Q55 or Q727 either
    # the same file with a reference the wiki accepts is written, placeholders included
    assert main(load(tmp_path / "musea.csv", "institution", *REF)) == 0
    assert len(items(wiki, "Rijksmuseum")) == 1 and len(wiki.entities) > len(before)


def test_the_fake_refuses_a_file_url_as_wikibase_does(wiki: FakeWikibase, tmp_path: Path) -> None:
    """The check above is not the fake agreeing with itself: the fake refuses the edit on its own."""
    from kg.load.targets.wikibase_api import ApiError, WikibaseApi

    api = WikibaseApi(wiki.api_url, sleep=lambda s: None)
    from kg.load.targets.wikibase_api import Credentials

    api.login(Credentials(USER, PASSWORD))
    idmap = json.loads((tmp_path / "idmap.json").read_text())
    ref_pid = idmap["entities"]["P854"]
    snak = {"snaktype": "value", "property": ref_pid, "datatype": "url",
            "datavalue": {"type": "string", "value": "file:musea.csv"}}
    claim = {"mainsnak": snak, "type": "statement", "rank": "normal"}
    with pytest.raises(ApiError, match='URL scheme "file" is not supported'):
        api.edit_entity({"labels": {"en": {"language": "en", "value": "x"}}, "claims": [claim]}, new="item")


def test_values_the_wiki_refuses_outside_the_cells_are_found_in_the_plan() -> None:
    """Cells are checked by the mapping (http(s), 500 characters); a reference or qualifier URL is checked
    here against the wiki's own schemes: one problem for a reference shared by every row."""
    from kg.load.plan import Plan, plan_item
    from kg.load.targets.constraints import Limits, value_problems
    from kg.model.entities import Claim, Record, to_json
    from kg.model.values import Time

    ref = [[("reference_url", "file:musea.csv"), ("retrieved", Time("2024-01-01"))]]
    entities = [
        to_json(Record(id=f"Q{n}", kind="institution", labels={"en": f"M{n}"},
                       claims=[Claim("website", f"https://m{n}.example/", references=ref)]))
        for n in (1000000000001, 1000000000002)
    ]
    plan = Plan(items=[plan_item(e, None, kind="institution", rows=[n + 2]) for n, e in enumerate(entities)])
    problems = value_problems(plan, Limits.for_target("wikibase"), file="musea.csv", columns={"P856": "website"})
    assert len(problems) == 1
    (p,) = problems
    assert p.row is None and "file:musea.csv" in p.found and "--reference-url" in p.hint


def test_a_label_and_description_another_wiki_item_has_is_a_problem(
    wiki: FakeWikibase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(load(sheet(tmp_path / "a.csv", "institution"), "institution", *REF)) == 0
    (existing,) = items(wiki, "Rijksmuseum")
    before, edits = len(wiki.entities), len(wiki.edits())
    # another row, not linked to the first (no id), with the same label and description
    path = sheet(tmp_path / "b.csv", "institution", [{"id": "", "isil": "NL-AmRM2", "website": ""}])
    assert main(load(path, "institution", *REF)) == 2
    err = capsys.readouterr().err
    assert f"which {existing} on" in err and "row 2" in err and "column 'description_en'" in err
    assert len(wiki.entities) == before and len(wiki.edits()) == edits


def test_two_rows_with_the_same_label_and_description_are_a_problem(
    wiki: FakeWikibase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edits = len(wiki.edits())
    rows = [{"id": "", "isil": "NL-A1", "website": ""}, {"id": "", "isil": "NL-A2", "website": ""}]
    assert main(load(sheet(tmp_path / "twice.csv", "institution", rows), "institution", *REF)) == 2
    err = capsys.readouterr().err
    assert "row 3" in err and "as on row 2" in err
    assert len(wiki.edits()) == edits


def test_a_skipped_item_is_a_non_zero_exit(
    wiki: FakeWikibase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = sheet(tmp_path / "musea.csv", "institution", [{"located_in": ""}])
    for n in (1, 2, 3):  # the wiki refuses the next edits (a placeholder for the country, the museum)
        wiki.fault(wiki.edit_count + n, "failed-save")
    code = main(load(path, "institution", *REF))
    captured = capsys.readouterr()
    assert code == 5, captured.err
    assert "skipped Q190804" in captured.err and "not written" in captured.err
    assert items(wiki, "Rijksmuseum") == []


def test_a_cell_with_the_wikis_own_id_links_to_that_item(
    wiki: FakeWikibase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The volunteer copies the Rijksmuseum's id from the wiki into the partnership's participant column."""
    assert main(load(sheet(tmp_path / "musea.csv", "institution"), "institution", *REF)) == 0
    (rijks,) = items(wiki, "Rijksmuseum")
    assert rijks != "Q190804"  # the wiki numbers its own items
    path = sheet(tmp_path / "partnerships.csv", "partnership", [{"participant": rijks}])
    assert main(load(path, "partnership", *REF)) == 0
    capsys.readouterr()
    (partnership,) = items(wiki, "Rijksmuseum and Wikimedia Nederland")
    idmap = json.loads((tmp_path / "idmap.json").read_text())
    participant = wiki.entities[partnership]["claims"][idmap["entities"]["P710"]]
    assert [st["mainsnak"]["datavalue"]["value"]["id"] for st in participant] == [rijks]
    assert items(wiki, rijks) == []  # no placeholder labelled with the id
    assert len(items(wiki, "Rijksmuseum")) == 1


def test_the_template_rows_link_to_each_other(wiki: FakeWikibase, tmp_path: Path) -> None:
    """Loading the institution, partnership and contribution templates in turn gives one Rijksmuseum."""
    for kind in ("institution", "partnership", "contribution"):
        assert main(load(sheet(tmp_path / f"{kind}.csv", kind), kind, *REF)) == 0, kind
    assert len(items(wiki, "Rijksmuseum")) == 1 and items(wiki, "Q190804") == []
    (partnership,) = items(wiki, "Rijksmuseum and Wikimedia Nederland")
    (contribution,) = items(wiki, "Rijksmuseum uploads 2021")
    idmap = json.loads((tmp_path / "idmap.json").read_text())
    part_of = wiki.entities[contribution]["claims"][idmap["entities"]["P361"]]
    assert part_of[0]["mainsnak"]["datavalue"]["value"]["id"] == partnership


def test_a_local_id_that_exists_nowhere_is_a_located_problem(
    wiki: FakeWikibase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edits = len(wiki.edits())
    path = sheet(tmp_path / "contributions.csv", "contribution", [{"part_of": "Q1000000000999"}])
    assert main(load(path, "contribution", *REF)) == 2
    err = capsys.readouterr().err
    assert "row 2, column 'part_of'" in err and "Q1000000000999" in err and "not on" in err
    assert len(wiki.edits()) == edits


def test_resume_after_kill_with_another_plan_file_creates_no_duplicate(
    wiki: FakeWikibase, tmp_path: Path
) -> None:
    """kill -9 while the wiki has applied a create but not answered; the re-run writes another --plan-out."""
    rows = [
        {"id": "", "label_en": f"Museum {n}", "isil": f"NL-X{n}", "located_in": "", "website": ""} for n in range(6)
    ]
    path = sheet(tmp_path / "musea.csv", "institution", rows)
    wiki.fault(wiki.edit_count + 4, "applied-then-hang")
    env = {**os.environ}
    code = "import sys; from kg.cli import main; sys.exit(main(sys.argv[1:]))"
    args = [sys.executable, "-c", code, *load(path, "institution", *REF, "--plan-out", str(tmp_path / "one.json"))]
    proc = subprocess.Popen(args, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert wiki.applied_then_hang.wait(120), proc.stderr.read() if proc.stderr else ""
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
        wiki.release.set()
    made = sum(len(items(wiki, f"Museum {n}")) for n in range(6))
    assert 1 <= made < 6
    assert main(load(path, "institution", *REF, "--plan-out", str(tmp_path / "two.json"))) == 0
    assert [len(items(wiki, f"Museum {n}")) for n in range(6)] == [1] * 6
    journal = [json.loads(line) for line in (tmp_path / "idmap.json.journal.jsonl").read_text().splitlines()]
    assert {e["source"] for e in journal} == {"https://example.org/musea.csv"}
    assert {e["target"] for e in journal} == {wiki.api_url}
