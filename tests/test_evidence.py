"""Partnership evidence from Wikidata (issue 12): the rules of schemas/evidence.yaml, the import against a loopback
WDQS (tests/evidence_world.py), `glamkg gaps --evidence` and the dashboard's evidence filter, on a store built only
from WDQS-shaped answers (no demo data).

Expected figures are worked out here from evidence_world's lists in plain Python, not with kg.gaps.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import evidence_world as ew
import pytest

from kg.errors import InputError, RemoteError
from kg.http import HttpClient
from kg.model import evidence
from kg.store import Store
from kg.wikidata import evidence_queries as eq
from kg.wikidata import fetch as wf
from kg.wikidata.checkpoint import Checkpoint
from kg.wikidata.evidence import EvidenceImport, evidence_id, import_evidence
from kg.wikidata.importer import WikidataImport, import_wikidata

ROOT = Path(__file__).resolve().parents[1]
DAY = "2026-11-24"
COUNTRY_ARGS = ["--country", "NL", "--country", "BE", "--country", "ZA", "--type", "museum", "--type", "library"]
REGION = {"Q55": "Europe", "Q31": "Europe", "Q258": "Africa"}
WD = ew.WD


def build(url: str, names: str = "all", **kw: Any) -> EvidenceImport:
    kw.setdefault("types", ["museum", "library"])
    kw.setdefault("countries", ["NL", "BE", "ZA"])
    kw.setdefault("page_size", 2)
    return EvidenceImport.build(names, endpoint=url, **kw)


def service(url: str) -> wf.Service:
    return wf.Service(url, HttpClient(max_retries=0))


def institutions_and_evidence(st: Store, url: str, names: str = "all", **kw: Any) -> Any:
    import_wikidata(
        st,
        WikidataImport.build(types=["museum", "library"], countries=["NL", "BE", "ZA"], endpoint=url),
        service=service(url),
        checkpoint=Checkpoint(None),
        retrieved=DAY,
    )
    return import_evidence(
        st, build(url, names, **kw), service=service(url), checkpoint=Checkpoint(None), retrieved=DAY
    )


def rows(st: Store, q: str) -> list[tuple[str, ...]]:
    return [tuple("" if t is None else t.value for t in r) for r in st.query(q)]


# --- what the world holds, by hand -------------------------------------------------------------------------
def expected_residencies() -> list[tuple[str, str, list[str]]]:
    """(person, statement id, hosts) of every residency that is evidence (not deprecated, with a host)."""
    out = []
    for p in ew.PEOPLE:
        for r in p.residencies:
            hosts = [r.employer] if r.employer else ([p.employer] if p.employer else [])
            if r.rank != "DeprecatedRank" and hosts:
                out.append((p.qid, f"{p.qid}-{r.uuid}", hosts))
    return out


def expected_by_region() -> dict[str, dict[str, int]]:
    """region -> kind -> partnerships, counted in the country of each participating institution."""
    country = {i.qid: i.country for i in ew.INSTITUTIONS}
    out: dict[str, dict[str, int]] = {}

    def add(region: str, kind: str) -> None:
        out.setdefault(region, {}).setdefault(kind, 0)
        out[region][kind] += 1

    for _, _, hosts in expected_residencies():
        for region in {REGION[country[h]] for h in hosts if h in country}:  # only institutions count
            add(region, "residence")
    for i in ew.INSTITUTIONS:
        if i.page:
            add(REGION[i.country], "commons_institution_page")
        if i.category:
            add(REGION[i.country], "commons_category")
    return out


# --- the rules ---------------------------------------------------------------------------------------------
def test_every_kind_is_a_documented_rule() -> None:
    """docs/evidence.md is generated from the rules and the import's queries; each kind says what it proves
    and what it does not, in the docs as in schemas/evidence.yaml."""
    from kg.wikidata.evidence_doc import markdown

    text = (ROOT / "docs" / "evidence.md").read_text(encoding="utf-8")
    assert text == markdown(), "run: python -m kg.wikidata.evidence_doc > docs/evidence.md"
    assert evidence.kind_keys() == (
        "residence", "commons_institution_page", "commons_category", "impact_report", "recorded"
    )
    for k in evidence.kinds():
        assert f"## `{k.key}`: {k.label}" in text
        assert k.proves in text and k.does_not_prove in text and len(k.proves) > 40 and len(k.does_not_prove) > 40
    # the residence rule is the query real WDQS users write: occupation statement, qualifiers of that statement
    ns = wf.Namespaces(WD)
    details = eq.residence_details_query(ns, ["Q1"], ["en"])
    for pattern in (
        "ps:P106 wd:Q3809586",
        "pq:P108",
        "pq:P937",
        "pqv:P580",
        "pqv:P582",
        "wdt:P108",
        "wikibase:DeprecatedRank",
    ):
        assert pattern in details and pattern in text, pattern


def test_kinds_keep_dated_and_undated_evidence_apart() -> None:
    from kg.model.schema import model

    m = model()
    assert evidence.kind("residence").strength == "dated"
    assert evidence.kind("commons_institution_page").strength == "undated"
    assert evidence.kind("commons_category").strength == "undated"
    assert evidence.kind("impact_report").strength == "undated"  # glamkg import impact's partnerships
    # one class, one kind: no class is shared between kinds
    classes = [c for k in evidence.kinds() for c in k.partnership_classes]
    assert len(classes) == len(set(classes))
    assert evidence.kind_of([m.cls("commons_category_evidence").id]) == "commons_category"
    assert evidence.kind_of([m.cls("wikimedian_in_residence_programme").id, m.cls("glam_partnership").id]) == (
        "residence"
    )
    assert evidence.kind_of([]) == "recorded" == evidence.catch_all().key
    # affiliate classes: queried only with an id from ../shared/wikidata-ids.md; the model's classes stay local
    for a in evidence.rules().affiliate_classes:
        assert m.cls(a.model_class).checked == "local"
        assert (a.wikidata_class is None) == (a.checked == "not-found")


@pytest.mark.parametrize(("value", "message"), [("bogus", "'bogus'"), ("residence,commons", "'commons'")])
def test_bad_kind_names_are_refused(value: str, message: str) -> None:
    with pytest.raises(InputError, match=f"--evidence: expected evidence kinds among residence.*found {message}"):
        evidence.choose(value)
    assert evidence.choose("all") == evidence.choose(None) == evidence.kind_keys()
    with pytest.raises(InputError, match="expected evidence to import among residence, commons, affiliates"):
        evidence.choose_imports("residence,museums")


# --- the import --------------------------------------------------------------------------------------------
def test_import_writes_each_kind_with_references() -> None:
    with ew.serve() as (fake, url), Store.memory() as st:
        report = institutions_and_evidence(st, url)
        assert report.kinds == {
            "residence": len(expected_residencies()),
            "commons_institution_page": 2,
            "commons_category": 4,
            "affiliate": 1,
        }
        assert report.no_host == ["Q9004-5A6B7C8D-0000-4000-8000-000000000004"]
        assert report.hosts == {h for _, _, hs in expected_residencies() for h in hs}
        assert len(report.left_out) == 2 and all("no checked Wikidata class" in w for w in report.left_out)
        # Ann's residency: hosts, person, dates with their precision, location, one reference per statement
        item = evidence_id("residence", "Q9001-5A6B7C8D-0000-4000-8000-000000000001")
        iri = f"<{ew.WD.replace('www.wikidata.org', 'glamkg.invalid')}{item}>".replace("http://", "https://")
        got = rows(
            st,
            f"""PREFIX wdt: <http://www.wikidata.org/prop/direct/>
            SELECT ?p ?o WHERE {{ {iri} ?p ?o . FILTER(STRSTARTS(STR(?p), STR(wdt:))) }} ORDER BY ?p ?o""",
        )
        assert sorted(got) == sorted(
            [
                ("http://www.wikidata.org/prop/direct/P31", "https://glamkg.invalid/entity/Q1000000000002"),
                ("http://www.wikidata.org/prop/direct/P710", WD + "Q1000"),
                ("http://www.wikidata.org/prop/direct/P710", WD + "Q9001"),
                ("http://www.wikidata.org/prop/direct/P580", "2012-01-01T00:00:00Z"),
                ("http://www.wikidata.org/prop/direct/P582", "2013-06-30T00:00:00Z"),
                ("http://www.wikidata.org/prop/direct/P276", WD + "Q727"),
            ]
        )
        prec = rows(
            st,
            f"""PREFIX p: <http://www.wikidata.org/prop/> PREFIX wikibase: <http://wikiba.se/ontology#>
            PREFIX psv: <http://www.wikidata.org/prop/statement/value/>
            SELECT ?prec WHERE {{ {iri} p:P580/psv:P580/wikibase:timePrecision ?prec }}""",
        )
        assert prec == [("10",)]
        refs = rows(
            st,
            f"""PREFIX p: <http://www.wikidata.org/prop/> PREFIX prov: <http://www.w3.org/ns/prov#>
            PREFIX pr: <http://www.wikidata.org/prop/reference/>
            SELECT ?st ?in ?day ?url WHERE {{ {iri} ?pp ?st . ?st prov:wasDerivedFrom ?r .
              ?r pr:P248 ?in ; pr:P813 ?day ; pr:P854 ?url }}""",
        )
        assert len(refs) == 6  # every statement of the item
        assert {(r[1], r[2][:10], r[3]) for r in refs} == {(WD + "Q2013", DAY, "https://www.wikidata.org/wiki/Q9001")}
        # Bo's statement names no employer: his own employer is the host
        bo = evidence_id("residence", "Q9002-5A6B7C8D-0000-4000-8000-000000000002")
        assert st.has_entity(bo) and not st.has_entity(
            evidence_id("residence", "Q9003-" + "5A6B7C8D-0000-4000-8000-000000000003")
        )
        # Commons: Museum A has both kinds, Library C none
        assert st.has_entity(evidence_id("commons_institution_page", "Q1000"))
        assert st.has_entity(evidence_id("commons_category", "Q1000"))
        assert not st.has_entity(evidence_id("commons_category", "Q1002"))
        # the affiliate: a partner with its country and the model's (local) user-group class
        aff = rows(
            st,
            """PREFIX wdt: <http://www.wikidata.org/prop/direct/>
            SELECT ?c ?k WHERE { <http://www.wikidata.org/entity/Q7001> wdt:P31 ?c ; wdt:P17 ?k }""",
        )
        assert aff == [("https://glamkg.invalid/entity/Q1000000000013", WD + "Q258")]
        assert not any("Q1000000000012" in q for q in fake.queries)  # a local class is never sent to WDQS


def test_rerun_changes_nothing_and_keeps_retrieved_dates() -> None:
    with ew.serve() as (_fake, url), Store.memory() as st:
        cp = Checkpoint(None)
        first = import_evidence(st, build(url), service=service(url), checkpoint=cp, retrieved=DAY)
        again = import_evidence(st, build(url), service=service(url), checkpoint=cp, retrieved="2026-12-01")
        assert again.counts() == {"created": 0, "updated": 0, "unchanged": len(first.created)}


def test_resume_after_a_failed_page_gives_the_clean_store(tmp_path: Path) -> None:
    def dump(st: Store) -> list[str]:
        import io

        buf = io.BytesIO()
        st.export(buf, format="nt")
        return sorted(buf.getvalue().decode().splitlines())

    with ew.serve() as (fake, url):
        with Store.memory() as clean:
            import_evidence(clean, build(url), service=service(url), checkpoint=Checkpoint(None), retrieved=DAY)
            reference = dump(clean)
        fake.queries.clear()
        details = [0]

        def fail(n: int, q: str) -> tuple[int, bytes] | None:
            if "?key" in q:
                details[0] += 1
                if details[0] == 3:
                    return 500, b"server error"
            return None

        fake.fail = fail
        cp = Checkpoint(tmp_path / "cp.sqlite")
        with Store.memory() as st:
            with pytest.raises(RemoteError):
                import_evidence(st, build(url), service=service(url), checkpoint=cp, retrieved=DAY)
            listings_before = sum("SELECT DISTINCT" in q for q in fake.queries)
            fake.fail = lambda n, q: None
            report = import_evidence(st, build(url), service=service(url), checkpoint=cp, retrieved=DAY)
            assert report.units_resumed == 2  # the two pages written before the failure
            assert sum("SELECT DISTINCT" in q for q in fake.queries) == listings_before  # listings kept
            assert dump(st) == reference


def test_pause_between_requests() -> None:
    slept: list[float] = []
    with ew.serve() as (_fake, url), Store.memory() as st:
        report = import_evidence(
            st,
            build(url, "residence"),
            service=service(url),
            checkpoint=Checkpoint(None),
            retrieved=DAY,
            pause=0.5,
            sleep=slept.append,
        )
    listed = [p for p in ew.PEOPLE if any(r.rank != "DeprecatedRank" for r in p.residencies)]
    assert report.requests == 1 + (len(listed) + 1) // 2  # one listing, then pages of 2 people
    assert slept == [0.5] * (report.requests - 1)


def test_stand_in_answers_have_the_recorded_shape() -> None:
    """The residence answer's terms are laid out like the recorded WDQS answer's (same keys per term kind)."""
    folder = ROOT.parent / "shared" / "fixtures" / "wdqs-recorded-responses"
    recorded = sorted(folder.glob("*.srj.json")) if folder.is_dir() else []
    if not recorded:
        pytest.skip(f"{folder} is absent: the recorded WDQS answer lives in ../shared/fixtures")
    doc = json.loads(recorded[0].read_text(encoding="utf-8"))

    def layouts(d: dict[str, Any]) -> set[tuple[str, ...]]:
        return {(*sorted(t), t["type"]) for b in d["results"]["bindings"] for t in b.values()}

    with ew.serve() as (_fake, url):
        body = service(url).select(eq.residence_details_query(wf.Namespaces(WD), ["Q9001"], ["en"]))
    assert set(body) == set(doc) == {"head", "results"}
    theirs = layouts(doc)
    ours = layouts(body)
    assert ("type", "value", "uri") in ours & theirs
    assert ("type", "value", "xml:lang", "literal") in ours & theirs
    assert ("datatype", "type", "value", "literal") in ours & theirs  # typed literals (dateTime here, WKT there)


# --- gaps, CLI and dashboard on a store built only from WDQS answers ---------------------------------------
@pytest.fixture(scope="module")
def evidence_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from kg.cli import main

    store = tmp_path_factory.mktemp("evidence") / "store"
    with ew.serve() as (_fake, url):
        common = ["--endpoint", url, *COUNTRY_ARGS, "--pause", "0", "--store", str(store), "--retrieved", DAY]
        assert main(["import", "wikidata", *common]) == 0
        assert main(["import", "wikidata", *common, "--evidence", "residence,commons,affiliates"]) == 0
    return store


def gaps_json(store: Path, *args: str) -> dict[str, Any]:
    from typer.testing import CliRunner

    from kg.cli.app import app

    result = CliRunner().invoke(app, ["gaps", "--by", "region", "--format", "json", "--store", str(store), *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_cli_import_reports_what_it_wrote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kg.cli import main

    store, report = tmp_path / "store", tmp_path / "report.json"
    with ew.serve() as (_fake, url):
        common = ["--endpoint", url, *COUNTRY_ARGS, "--pause", "0", "--store", str(store), "--retrieved", DAY]
        assert main(["import", "wikidata", *common]) == 0
        capsys.readouterr()
        assert main(["import", "wikidata", *common, "--evidence", "residence", "--report", str(report)]) == 0
        err = " ".join(capsys.readouterr().err.split())
        assert f"evidence written: residence {len(expected_residencies())}" in err
        assert "1 host of residencies is not an institution in the store" in err and ew.UNIVERSITY[0] in err
        assert "1 residency names no employer (not written): Q9004-" in err
        data = json.loads(report.read_text(encoding="utf-8"))
        assert data["hosts_not_in_store"] == [ew.UNIVERSITY[0]]
        assert data["evidence"] == {"residence": len(expected_residencies())}
        assert (
            main(["import", "wikidata", *common, "--evidence", "residence", "--idmap", str(tmp_path / "m.json")]) == 2
        )
        assert "--evidence with --idmap" in capsys.readouterr().err


def test_gaps_by_region_counts_each_kind(evidence_store: Path) -> None:
    want = expected_by_region()
    out = gaps_json(evidence_store)
    assert [e["kind"] for e in out["evidence"]] == list(evidence.kind_keys())
    by_group = {r["group"]: r for r in out["rows"]}
    for region in ("Europe", "Africa"):
        row = by_group[region]
        assert row["partnerships"] == sum(want[region].values())
        for kind in evidence.kind_keys():
            assert row[f"partnerships_{kind}"] == want[region].get(kind, 0), (region, kind)
        assert row["evidence"] == ",".join(evidence.kind_keys())
    # only the residencies: fewer partnerships, and the output says what it counted
    out = gaps_json(evidence_store, "--evidence", "residence")
    assert [e["kind"] for e in out["evidence"]] == ["residence"]
    assert out["evidence"][0]["strength"] == "dated"
    by_group = {r["group"]: r for r in out["rows"]}
    hosts = {h for _, _, hs in expected_residencies() for h in hs}
    assert ew.UNIVERSITY[0] in hosts
    in_europe = {i.qid for i in ew.INSTITUTIONS if REGION[i.country] == "Europe"}
    assert by_group["Europe"]["partnerships"] == want["Europe"]["residence"]
    assert by_group["Europe"]["partnered_institutions"] == len(hosts & in_europe)
    assert by_group["Europe"]["institutions"] == len(in_europe)  # the baseline is never filtered
    assert "partnerships_commons_category" not in by_group["Europe"]


def test_gaps_table_names_the_kinds_and_refuses_unknown_ones(
    evidence_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from typer.testing import CliRunner

    from kg.cli import main
    from kg.cli.app import app

    result = CliRunner().invoke(
        app, ["gaps", "--store", str(evidence_store), "--evidence", "residence,commons_category"]
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Evidence counted: Wikimedian in residence (dated), Commons category (undated)" in text
    assert "SYNTHETIC" not in result.output
    capsys.readouterr()
    assert main(["gaps", "--store", str(evidence_store), "--evidence", "donations"]) == 2
    assert "--evidence: expected evidence kinds among" in capsys.readouterr().err


def test_dashboard_gap_page_shows_the_evidence(
    evidence_store: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("GLAMKG_STORE", str(evidence_store))
    monkeypatch.setenv("GLAMKG_CACHE", str(tmp_path / "cache"))
    app_dir = ROOT / "dashboards"
    want = expected_by_region()

    def gaps_page(**query: str) -> AppTest:
        at = AppTest.from_file(str(app_dir / "app.py"), default_timeout=120)
        for k, v in query.items():
            at.query_params[k] = v
        at.switch_page(str(app_dir / "gaps.py"))
        at.run()
        assert not at.exception, at.exception
        return at

    at = gaps_page(scheme="region")  # UN M49 regions, as expected_by_region counts them
    assert not any("Synthetic demo data" in w.value for w in at.warning)
    captions = " ".join(c.value for c in at.caption)
    assert "Evidence counted: Wikimedian in residence (dated), Commons Institution page (undated)" in captions
    table = at.dataframe[0].value.set_index("group")
    for kind in ("residence", "commons_institution_page", "commons_category"):
        assert table.loc["Europe", f"partnerships_{kind}"] == want["Europe"].get(kind, 0)
    assert table.loc["Africa", "partnerships"] == sum(want["Africa"].values())
    # the filter, from the link: only the residencies count
    at = gaps_page(evidence="residence", scheme="region")
    assert at.sidebar.multiselect(key="f_evidence").value == ["residence"]
    captions = " ".join(c.value for c in at.caption)
    assert "Evidence counted: Wikimedian in residence (dated)" in captions and "Commons" not in captions
    table = at.dataframe[0].value.set_index("group")
    assert table.loc["Europe", "partnerships"] == want["Europe"]["residence"]
    assert "partnerships_commons_category" not in table.columns
