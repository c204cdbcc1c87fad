"""Reconciliation against a remote Wikibase (issue 13): the W3C Reconciliation Service API and the Wikibase API,
on loopback fakes that answer in those services' shapes (tests/reconcile_fake.py, tests/mediawiki_fake.py); the
review file; item cells by name; QuickStatements CREATE only for what Wikidata's reconciliation did not find."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from mediawiki_fake import FakeWikibase
from reconcile_fake import FakeReconService, Item

from kg.cli.app import main
from kg.errors import InputError
from kg.http import HttpClient
from kg.load.linking import Linker
from kg.load.mapping import MappedRow, MappedValue
from kg.load.reconcile import Index, Match
from kg.load.remote import NOT_ON_WIKIDATA, AnswerCache, Candidate, Question, W3CService, decide, open_service
from kg.load.review import Review
from kg.model.schema import model
from kg.model.values import ItemRef
from kg.store import Store

M = model()
MUSEUM, LIBRARY, STATION = M.cls("museum").id, M.cls("library").id, "Q55488"
P31, P17, ISIL = M.prop("instance_of").id, M.prop("country").id, M.prop("isil").id
CITIES = [
    "Alkmaar",
    "Almelo",
    "Amersfoort",
    "Apeldoorn",
    "Arnhem",
    "Assen",
    "Breda",
    "Delft",
    "Deventer",
    "Dordrecht",
    "Ede",
    "Emmen",
    "Enschede",
    "Gouda",
    "Groningen",
    "Haarlem",
    "Heerlen",
    "Helmond",
    "Hengelo",
    "Hilversum",
    "Hoorn",
    "Kampen",
    "Leiden",
    "Lelystad",
    "Maastricht",
    "Middelburg",
    "Nijmegen",
    "Oss",
    "Roermond",
    "Schiedam",
    "Sneek",
    "Tiel",
    "Tilburg",
    "Utrecht",
    "Venlo",
    "Weert",
    "Woerden",
    "Zaandam",
    "Zutphen",
    "Zwolle",
]
MATCHED = [f"Museum {c}" for c in CITIES[:30]]  # on Wikidata, one item each
AMBIGUOUS = [f"Stadsmuseum {c}" for c in CITIES[30:35]]  # two items each on Wikidata
NEW = [f"Heemkundekring {c}" for c in CITIES[35:40]]  # not on Wikidata


def wikidata_fake() -> FakeReconService:
    fake = FakeReconService(type_names={MUSEUM: "museum", STATION: "railway station"})
    for n, label in enumerate(MATCHED):
        props = {P17: ("Q55",)}
        if n < 5:
            props[ISIL] = (f"NL-X{n}",)
        fake.add(Item(f"Q{2000 + n}", label, f"museum in {label.split()[1]}", (MUSEUM,), props))
    for n, label in enumerate(AMBIGUOUS):
        for k in range(2):
            fake.add(Item(f"Q{3000 + 10 * n + k}", label, f"museum, building {k}", (MUSEUM,), {P17: ("Q55",)}))
    # a namesake of another type: dropped by the type constraint
    fake.add(Item("Q4000", "Museum Delft", "railway station", (STATION,), {P17: ("Q55",)}))
    return fake


@pytest.fixture
def recon() -> Iterator[FakeReconService]:
    fake = wikidata_fake().start()
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GLAMKG_RECONCILE_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "cache"


def write_sheet(path: Path) -> Path:
    rows = [["label_en", "instance_of", "country", "isil"]]
    for n, label in enumerate(MATCHED):
        rows.append([label, "museum", "Q55", f"NL-X{n}" if n < 5 else ""])
    rows += [[label, "museum", "Q55", ""] for label in AMBIGUOUS + NEW]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


PREFIXES = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX wdt: <http://www.wikidata.org/prop/direct/> "


def select(store: Path, sparql: str) -> list[dict[str, str]]:
    """Rows of a SELECT on the store, each value the IRI's last segment or the literal's text."""
    with Store.open(store, read_only=True) as st:
        res = st.query(PREFIXES + sparql)
        names = [v.value for v in res.variables]
        return [{n: str(row[n].value).rsplit("/", 1)[-1] for n in names} for row in res]


def qs_blocks(text: str) -> tuple[set[str], list[str]]:
    """(subjects of the lines that edit existing items, labels of the items CREATEd)."""
    subjects, created = set(), []
    for line in text.splitlines():
        f = line.split("\t")
        if f[0] == "LAST" and f[1] == "Len":
            created.append(f[2].strip('"'))
        elif f[0] not in ("CREATE", "LAST"):
            subjects.add(f[0].lstrip("-"))
    return subjects, created


# -- the 40-row sheet, through the command line ---------------------------------------------------------------


def test_forty_rows_reconcile_review_then_quickstatements_without_duplicates(
    tmp_path: Path, recon: FakeReconService, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = write_sheet(tmp_path / "musea.csv")
    review, out = tmp_path / "review.csv", tmp_path / "out.qs"
    cmd = ["load", str(sheet), "--kind", "institution", "--store", str(tmp_path / "store"), "--target",
           "quickstatements", "-o", str(out), "--reconcile", recon.url, "--review", str(review),
           "--reference-url", "https://example.org/musea.csv"]  # fmt: skip
    assert main(cmd) == 2
    err = capsys.readouterr().err
    assert "5 problems in 5 of 40 rows; nothing was written" in err
    for n, label in enumerate(AMBIGUOUS):
        assert f"row {32 + n}, column 'label_en': expected one item named {label!r} in Q55" in err
    assert "2 candidates: Q3030 'Stadsmuseum Utrecht', museum, building 0 (score 100); Q3031" in err
    assert not out.exists()
    # every query carried the kind's classes and the row's country; ISILs went as properties
    queries = recon.queries()
    assert len(queries) == 40
    assert all(MUSEUM in q["type"] and {"pid": P17, "v": "Q55"} in q["properties"] for q in queries)
    assert {"pid": ISIL, "v": "NL-X0"} in queries[0]["properties"]
    assert all(r[2].get("User-Agent", "").startswith("glamkg/") for r in recon.requests)

    lines = list(csv.DictReader(io.StringIO(review.read_text(encoding="utf-8-sig"))))
    assert {ln["text"] for ln in lines} == set(AMBIGUOUS)
    assert len(lines) == 15 and sum(ln["candidate"] == "new" for ln in lines) == 5
    # the volunteer picks building 1 of each
    for ln in lines:
        ln["pick"] = "x" if ln["description"] == "museum, building 1" else ""
    with review.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(lines[0]))
        w.writeheader()
        w.writerows(lines)

    asked = len(recon.queries())
    capsys.readouterr()
    assert main([*cmd, "--create-new"]) == 0  # linked items' labels are kept as Wikidata has them: complete
    kept = f"{len(MATCHED) + len(AMBIGUOUS)} labels and descriptions of linked Wikidata items kept"
    assert kept in capsys.readouterr().out
    assert len(recon.queries()) == asked  # every answer came from the cache or the review file
    subjects, created = qs_blocks(out.read_text(encoding="utf-8"))
    assert sorted(created) == sorted(NEW)  # no CREATE for any matched institution
    matched = {f"Q{2000 + n}" for n in range(30)} | {f"Q{3000 + 10 * n + 1}" for n in range(5)}
    assert subjects == matched
    assert out.read_text(encoding="utf-8").count("CREATE") == 5

    # without --create-new the five new ones are skipped and listed, with the way out
    capsys.readouterr()
    assert main(cmd) == 5
    captured = capsys.readouterr()
    assert qs_blocks(out.read_text(encoding="utf-8"))[1] == []
    assert captured.err.count("Wikidata's reconciliation found no such item; run with --create-new") == 5


def test_rows_loaded_into_the_store_before_are_linked_for_quickstatements(
    tmp_path: Path, recon: FakeReconService
) -> None:
    sheet = tmp_path / "few.csv"
    sheet.write_text(
        "label_en,instance_of,country\n" + "".join(f"{x},museum,Q55\n" for x in MATCHED[:8] + NEW[:2]), encoding="utf-8"
    )
    store = ["--store", str(tmp_path / "store")]
    assert main(["load", str(sheet), "--kind", "institution", *store, "-q"]) == 0  # local ids, no service
    out = tmp_path / "few.qs"
    argv = ["load", str(sheet), "--kind", "institution", *store, "--target", "quickstatements", "-o", str(out),
            "--reconcile", recon.url, "--create-new", "--reference-url", "https://example.org/few.csv"]  # fmt: skip
    assert main(argv) == 0  # labels of linked Wikidata items are kept as Wikidata has them: not a skip
    subjects, created = qs_blocks(out.read_text(encoding="utf-8"))
    assert subjects == {f"Q{2000 + n}" for n in range(8)}
    assert sorted(created) == sorted(NEW[:2])


def test_the_store_target_links_rows_to_wikidata_ids(tmp_path: Path, recon: FakeReconService) -> None:
    sheet = write_sheet(tmp_path / "musea.csv")
    (tmp_path / "review.csv").write_text(
        "file,row,column,text,country,candidate,label,description,score,pick\n"
        + "".join(f"musea.csv,0,label_en,{label},Q55,new,,,,x\n" for label in AMBIGUOUS),
        encoding="utf-8",
    )
    store = tmp_path / "store"
    assert main(["load", str(sheet), "--kind", "institution", "--store", str(store), "--reconcile", recon.url,
                 "--review", str(tmp_path / "review.csv"), "-q"]) == 0  # fmt: skip
    got = {r["label"]: r["item"] for r in select(store, "SELECT ?item ?label WHERE { ?item rdfs:label ?label }")}
    assert got["Museum Delft"] == "Q2007"  # not the railway station Q4000
    assert got["Museum Alkmaar"] == "Q2000"
    assert int(got["Stadsmuseum Utrecht"][1:]) >= 10**12  # answered `new`: a local item
    assert int(got["Heemkundekring Weert"][1:]) >= 10**12


def test_match_threshold_decides_what_is_strong(
    tmp_path: Path, recon: FakeReconService, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "one.csv"
    sheet.write_text("label_en,instance_of,country\nAlkmaar,museum,Q55\n", encoding="utf-8")
    argv = ["load", str(sheet), "--kind", "institution", "--store", str(tmp_path / "s"), "--reconcile", recon.url,
            "--dry-run", "--show", "5"]  # fmt: skip
    assert main(argv) == 2  # 'Museum Alkmaar' scores 76 for 'Alkmaar' (label 67, country 100): weak at 90
    assert "1 candidate: Q2000 'Museum Alkmaar', museum in Alkmaar (score 76.19)" in capsys.readouterr().err
    (tmp_path / "one.review.csv").unlink()
    assert main([*argv, "--match-threshold", "75"]) == 0
    assert "wikidata 76.19" in capsys.readouterr().out


def test_default_is_no_service(tmp_path: Path, recon: FakeReconService) -> None:
    sheet = write_sheet(tmp_path / "musea.csv")
    assert main(["load", str(sheet), "--kind", "institution", "--store", str(tmp_path / "s"), "--dry-run"]) == 0
    assert recon.requests == []


def test_create_new_needs_quickstatements(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = write_sheet(tmp_path / "musea.csv")
    assert main(["load", str(sheet), "--kind", "institution", "--store", str(tmp_path / "s"), "--create-new"]) == 2
    assert "--create-new: expected --target quickstatements, found --target store" in capsys.readouterr().err


def test_a_service_with_ids_of_its_own_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeReconService(identifier_space="https://example.wikibase.cloud/entity/").start()
    try:
        sheet = write_sheet(tmp_path / "musea.csv")
        argv = ["load", str(sheet), "--kind", "institution", "--store", str(tmp_path / "s"), "--reconcile", fake.url]
        assert main(argv) == 2
    finally:
        fake.stop()
    assert "ids of its own" in capsys.readouterr().err


# -- the library: the W3C service, the rule, the cache, politeness ----------------------------------------------


def test_decide_links_only_one_strong_candidate() -> None:
    a, b = Candidate("Q1", score=100), Candidate("Q2", score=95)
    assert decide([a], 90) == a
    assert decide([a, b], 90) is None  # two strong: the volunteer decides
    assert decide([a, Candidate("Q2", score=60)], 90) == a
    assert decide([Candidate("Q3", score=70, match=True)], 90) is None  # the service's flag is not the rule
    assert decide([Candidate("Q3", score=80)], 90) is None


def test_w3c_service_waits_for_retry_after_and_caches(recon: FakeReconService, tmp_path: Path) -> None:
    slept: list[float] = []
    client = HttpClient(sleep=slept.append)
    svc = W3CService(recon.url, client, AnswerCache(tmp_path / "c")).open()
    assert svc.wikidata and svc.name == "Wikidata (en) [loopback]"
    recon.throttle(1, retry_after="2")
    q = Question("Museum Delft", (MUSEUM,), ("Q55",))
    (cands,) = svc.ask([q])
    assert slept == [2.0]
    assert [c.id for c in cands] == ["Q2007"]
    posts = sum(1 for r in recon.requests if r[0] == "POST")
    assert svc.ask([q]) == [cands]
    assert sum(1 for r in recon.requests if r[0] == "POST") == posts  # answered from the disk cache
    assert svc.cache.hits == 1


def test_cache_entries_expire(tmp_path: Path) -> None:
    q, cands = Question("Rijksmuseum"), [Candidate("Q190804", "Rijksmuseum", score=100)]
    AnswerCache(tmp_path).put("http://127.0.0.1/api", q, cands)
    assert AnswerCache(tmp_path).get("http://127.0.0.1/api", q) == cands
    assert AnswerCache(tmp_path).get("http://127.0.0.1/other", q) is None  # per service
    assert AnswerCache(tmp_path, max_age=-1).get("http://127.0.0.1/api", q) is None
    assert AnswerCache(None).get("http://127.0.0.1/api", q) is None


def test_unknown_reconcile_value_is_explained() -> None:
    with pytest.raises(InputError, match="expected none, wikidata or the http"):
        open_service("wikidta")
    assert open_service("none") is None


def test_manifest_that_is_not_one(tmp_path: Path) -> None:
    fake = FakeWikibase().start()  # answers JSON, but no manifest
    try:
        with pytest.raises(Exception, match="expected a reconciliation service manifest"):
            open_service(fake.api_url + "?format=json", cache_folder=tmp_path)
    finally:
        fake.stop()


# -- the Wikibase API, for a Wikibase without a reconciliation service ----------------------------------------------


@pytest.fixture
def wiki() -> Iterator[FakeWikibase]:
    fake = FakeWikibase().start()
    fake.concept_base = "http://www.wikidata.org/entity/"  # stands in for wikidata.org's api.php
    fake.add_item(MUSEUM, "museum", description="institution that holds artifacts")
    fake.add_item("Q190804", "Rijksmuseum", description="national museum in Amsterdam",
                  claims={P31: [MUSEUM], P17: ["Q55"], ISIL: ["NL-AmRM"]})  # fmt: skip
    fake.add_item("Q5001", "Stadsmuseum", description="museum in Zwolle", claims={P31: [MUSEUM], P17: ["Q55"]})
    fake.add_item("Q5002", "Stadsmuseum", description="museum in Tiel", claims={P31: [MUSEUM], P17: ["Q55"]})
    fake.add_item("Q5003", "Stadsmuseum", description="museum in Gent", claims={P31: [MUSEUM], P17: ["Q31"]})
    fake.add_item("Q5004", "Van Gogh Museum", aliases=("VGM",), claims={P31: [MUSEUM], P17: ["Q55"]})
    yield fake
    fake.stop()


def test_wikibase_api_identifiers_labels_country_and_type(wiki: FakeWikibase, tmp_path: Path) -> None:
    svc = open_service(wiki.api_url, cache_folder=tmp_path / "c")
    assert svc is not None and svc.wikidata
    by_isil, stads, alias, nothing = svc.ask(
        [
            Question("Rijks", (MUSEUM,), ("Q55",), ((ISIL, "NL-AmRM"),)),
            Question("Stadsmuseum", (MUSEUM,), ("Q55",)),
            Question("VGM", (MUSEUM,), ("Q55",)),
            Question("Nergens", (MUSEUM,), ("Q55",)),
        ]
    )
    assert [(c.id, c.score) for c in by_isil] == [("Q190804", 100.0)]
    assert [c.id for c in stads] == ["Q5001", "Q5002"]  # Gent (Belgium) dropped by the country
    assert decide(stads, 90) is None
    assert [(c.id, c.score) for c in alias] == [("Q5004", 100.0)]
    assert nothing == []
    reqs = [r for r in wiki.requests if r.action in ("wbsearchentities", "query", "wbgetentities")]
    assert reqs and all(r.fields.get("maxlag") == "5" for r in reqs)
    assert any(r.fields.get("srsearch") == f'haswbstatement:"{ISIL}=NL-AmRM"' for r in reqs)


def test_wikibase_api_through_the_cli(wiki: FakeWikibase, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = tmp_path / "m.csv"
    sheet.write_text(
        "label_en,instance_of,country,isil\nRijksmuseum,museum,Q55,NL-AmRM\nStadsmuseum,museum,Q55,\n", encoding="utf-8"
    )
    argv = ["load", str(sheet), "--kind", "institution", "--store", str(tmp_path / "s"), "--reconcile", wiki.api_url]
    assert main(argv) == 2
    assert not (tmp_path / "s").exists()  # a failed load leaves things as they were
    err = capsys.readouterr().err
    assert "row 3, column 'label_en': expected one item named 'Stadsmuseum' in Q55" in err
    assert "Q5001 'Stadsmuseum', museum in Zwolle" in err and "Q5002" in err and "Q5003" not in err
    lines = (tmp_path / "m.review.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "file,row,column,text,country,candidate,label,description,score,pick"
    (tmp_path / "m.review.csv").write_text("\n".join(ln + ("x" if ",Q5002," in ln else "") for ln in lines) + "\n")
    assert main(argv) == 0  # the default review file is read again
    items = {r["item"] for r in select(tmp_path / "s", "SELECT ?item WHERE { ?item rdfs:label ?l }")}
    assert items == {"Q190804", "Q5002"}


# -- the review file ------------------------------------------------------------------------------------------


def test_review_file_two_picks_for_one_question(tmp_path: Path) -> None:
    p = tmp_path / "r.csv"
    p.write_text(
        "file,row,column,text,country,candidate,label,description,score,pick\n"
        "a.csv,2,label_en,Stadsmuseum,Q55,Q1,,,,x\na.csv,2,label_en,Stadsmuseum,Q55,Q2,,,,x\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="line 3: expected one pick for 'Stadsmuseum'"):
        Review.read(p)
    p.write_text("file,row,column,text,country,candidate,pick\na.csv,2,label_en,X,,Rijks,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2, column 'candidate': expected an item id"):
        Review.read(p)


# -- item cells by name -----------------------------------------------------------------------------------------


def _institutions(tmp_path: Path) -> Path:
    inst = tmp_path / "inst.csv"
    inst.write_text(
        "id,label_en,instance_of,country,isil\n"
        ",Rijksmuseum,museum,Q55,NL-AmRM\n,Van Gogh Museum,museum,Q55,\nQ1000000000601,Stadsmuseum,museum,Q55,\n"
        "Q1000000000602,Stadsmuseum,library,Q55,\n,Musée d'Orsay,museum,Q142,\n",
        encoding="utf-8",
    )
    return inst


def test_partnerships_name_their_institutions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = str(tmp_path / "store")
    assert main(["load", str(_institutions(tmp_path)), "--kind", "institution", "--store", store, "-q"]) == 0
    parts = tmp_path / "parts.csv"
    parts.write_text(
        "label_en,instance_of,country,start_time,participant\n"
        "Rijks and WMNL,glam_partnership,Q55,2021,Rijksmuseum\n"
        "VGM edit-a-thon,glam_partnership,Q55,2022,van gogh museum\n"
        "Orsay and WMFR,glam_partnership,Q142,2020,musee d'orsay\n"
        "ISIL row,glam_partnership,Q55,2023,NL-AmRM\n"
        "Stads,glam_partnership,Q55,2023,Stadsmuseum\n",
        encoding="utf-8",
    )
    argv = ["load", str(parts), "--kind", "partnership", "--store", store]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "1 problem in 1 of 5 rows; nothing was written" in err
    assert "parts.csv: row 6, column 'participant': expected one item named 'Stadsmuseum' in Q55" in err
    ids = {r["l"]: r["i"] for r in select(Path(store), "SELECT ?i ?l WHERE { ?i rdfs:label ?l }")}
    assert "2 candidates: Q1000000000601 'Stadsmuseum'" in err and "Q1000000000602 'Stadsmuseum'" in err
    lines = (tmp_path / "parts.review.csv").read_text(encoding="utf-8-sig").splitlines()
    pick = next(ln for ln in lines[1:] if ",new," not in ln)
    (tmp_path / "parts.review.csv").write_text("\n".join([lines[0], pick + "x"]) + "\n", encoding="utf-8")
    assert main(argv) == 0
    got = {r["l"]: r["p"] for r in select(Path(store), "SELECT ?l ?p WHERE { ?s wdt:P710 ?p ; rdfs:label ?l }")}
    assert got["Rijks and WMNL"] == ids["Rijksmuseum"] == got["ISIL row"]
    assert got["VGM edit-a-thon"] == ids["Van Gogh Museum"]
    assert got["Orsay and WMFR"] == ids["Musée d'Orsay"]
    assert got["Stads"] == pick.split(",")[5]


def test_an_unknown_name_is_one_located_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parts = tmp_path / "parts.csv"
    parts.write_text(
        "label_en,instance_of,country,start_time,participant\nX,glam_partnership,Q55,2021,Nergensmuseum\n",
        encoding="utf-8",
    )
    assert main(["load", str(parts), "--kind", "partnership", "--store", str(tmp_path / "s"), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "1 problem in 1 of 1 row;" in err
    assert "row 2, column 'participant': expected an item id like Q55, or the label or identifier of one item" in err
    assert "--reconcile wikidata" in err


def test_a_column_of_unknown_names_is_one_problem_per_cell_not_a_missing_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parts = tmp_path / "parts.csv"
    parts.write_text(
        "label_en,instance_of,country,start_time,participant\n"
        "X,glam_partnership,Q55,2021,NL-X1\nY,glam_partnership,Q55,2022,Nergensmuseum\n",
        encoding="utf-8",
    )
    assert main(["load", str(parts), "--kind", "partnership", "--store", str(tmp_path / "s"), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "2 problems in 2 of 2 rows" in err
    assert "row 2, column 'participant'" in err and "row 3, column 'participant'" in err
    assert "a column for participant" not in err


def test_named_cells_resolve_against_the_rows_of_the_same_load_and_the_remote() -> None:
    idx = Index()
    idx.add("Q1000000000001", labels=["Oud museum"], classes=[MUSEUM], countries=["Q55"])
    r1 = MappedRow(2, labels={"en": "Wikimedia NL"}, columns={"label:en": "label_en"})
    r1.claims.append(MappedValue(P31, ItemRef(M.cls("wikimedia_chapter").id), "instance_of"))
    r2 = MappedRow(3, labels={"en": "B"}, columns={"label:en": "label_en"})
    r2.names = [(M.prop("employer").id, "wikimedia nl", "employer"), (M.prop("employer").id, "Oud Museum", "employer")]
    linker = Linker(idx, file="p.csv")
    matches = [Match(2, "Q1000000000077", "new"), Match(3, "Q1000000000078", "new")]
    linker.cells("partner", [r1, r2], matches)
    assert linker.problems == []
    assert [c.value for c in r2.claims] == [ItemRef("Q1000000000077"), ItemRef("Q1000000000001")]


def test_rows_linked_by_the_service_keep_one_row_per_item() -> None:
    class Svc:
        url, name, wikidata = "loopback", "Wikidata", True

        def ask(self, qs: list[Question], advance: object = None) -> list[list[Candidate]]:
            return [[Candidate("Q190804", "Rijksmuseum", score=100)] if q.text.startswith("Rijks") else [] for q in qs]

        def adopt(self, item_id: str) -> str:
            return item_id

    texts = ((2, "Rijksmuseum"), (3, "Rijks museum"), (4, "Elders"), (5, "Rijks by id"))
    rows = [MappedRow(n, labels={"en": t}, columns={"label:en": "naam"}) for n, t in texts]
    linker = Linker(Index(), Svc(), file="m.csv")
    matches = [Match(r.number, f"Q100000000000{r.number}", "new") for r in rows[:3]] + [Match(5, "Q190804", "qid")]
    out = linker.rows("institution", rows, matches)
    expected = [(2, "Q190804", "wikidata 100"), (4, "Q1000000000004", NOT_ON_WIKIDATA)]
    assert [(m.row, m.id, m.how) for m in out] == expected
    assert [(p.row, p.found.split(" (")[0]) for p in linker.problems] == [
        (3, "the same item as row 2"),
        (5, "the same item as row 2"),  # the id column names the item a service linked for row 2
    ]


def test_named_cells_ask_the_service_with_the_columns_kinds(tmp_path: Path, recon: FakeReconService) -> None:
    parts = tmp_path / "parts.csv"
    parts.write_text(
        "label_en,instance_of,country,start_time,participant\n"
        "Delft and WMNL,glam_partnership,Q55,2021,Museum Delft\nISIL,glam_partnership,Q55,2022,NL-X3\n"
        "Delft again,glam_partnership,Q55,2023,museum delft\nDelft thrice,glam_partnership,Q55,2024,Museum Delft\n",
        encoding="utf-8",
    )
    store = tmp_path / "s"
    argv = ["load", str(parts), "--kind", "partnership", "--store", str(store), "--reconcile", recon.url, "-q"]
    assert main(argv) == 0
    got = {r["l"]: r["p"] for r in select(store, "SELECT ?l ?p WHERE { ?s wdt:P710 ?p ; rdfs:label ?l }")}
    assert got == {"Delft and WMNL": "Q2007", "ISIL": "Q2003", "Delft again": "Q2007", "Delft thrice": "Q2007"}
    cell_queries = [q for q in recon.queries() if q["query"] in ("Museum Delft", "museum delft", "NL-X3")]
    assert len(cell_queries) == 3  # two spellings (one of them twice) and an ISIL: each asked once
    kinds = set(model().kind("institution").allowed_classes) | set(model().kind("partner").allowed_classes)
    assert all(set(q["type"]) == {M.cls(c).id for c in kinds} for q in cell_queries)
    assert {"pid": ISIL, "v": "NL-X3"} in next(q for q in cell_queries if q["query"] == "NL-X3")["properties"]


def test_a_service_url_with_credentials_never_shows_them(
    tmp_path: Path, recon: FakeReconService, _cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A volunteer's service URL may carry a password or an API key: messages and the answer cache leave them
    out (the cache is keyed by the whole URL)."""
    host = recon.url.split("//", 1)[1]
    secret_url = f"http://volunteer:s3cret-pw@{host}?apikey=TOP-SECRET-KEY"
    sheet = write_sheet(tmp_path / "musea.csv")
    code = main(["load", str(sheet), "--kind", "institution", "--store", str(tmp_path / "s"),
                 "--reconcile", secret_url, "--dry-run"])
    out = capsys.readouterr()
    assert code in (0, 2)  # the ambiguous rows are problems; the point is what is shown
    assert recon.queries(), "the service was asked"
    files = [p.read_text(encoding="utf-8") for p in _cache.rglob("*.json")]
    assert files, "answers were cached"
    for text in [out.out, out.err, *files]:
        assert "s3cret-pw" not in text and "TOP-SECRET-KEY" not in text
    recon.stop()  # a service that is gone: the HTTP client's error names the URL without the password
    code = main(["load", str(sheet), "--kind", "institution", "--store", str(tmp_path / "s2"),
                 "--reconcile", secret_url, "--dry-run"])
    out = capsys.readouterr()
    assert code != 0 and host.split(":")[0] in out.err
    assert "s3cret-pw" not in out.err + out.out
