"""Adversarial input (issue 17's probes): each is refused with one located error, never a traceback, never a write
where an error is due, and resource-hungry input is refused quickly. Through the command line as users run it."""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kg.cli import main

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def glamkg(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    code = "import sys; from kg.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, cwd=ROOT)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("probes") / "store"
    assert cli("demo", "--institutions", "50", "--store", str(store))[0] == 0
    return store


# -- tracebacks that became located errors ------------------------------------------------------------------


@pytest.mark.parametrize("command", [["rdf"], ["import", "entities"]])
def test_deeply_nested_json(tmp_path: Path, command: list[str]) -> None:
    f = tmp_path / "nested.json"
    f.write_text("[" * 100_000 + "]" * 100_000)
    code, _, err = cli(*command, str(f), *(["--store", str(tmp_path / "s")] if "import" in command else []))
    assert code == 2 and "nested deeper than can be read" in err and "Traceback" not in err
    assert not (tmp_path / "s").exists()


def test_a_latin1_mapping_and_a_device_as_mapping(tmp_path: Path) -> None:
    sheet = tmp_path / "s.csv"
    sheet.write_text("Naam\nfoo\n")
    mapping = tmp_path / "m.yaml"
    mapping.write_bytes("kind: institution\ncolumns:\n  Naam: label_nl\n  caf\xe9: x\n".encode("latin-1"))
    code, _, err = cli("load", str(sheet), "-m", str(mapping), "--store", str(tmp_path / "s1"))
    assert code == 2 and "expected UTF-8 text, found byte 0xe9" in err
    done = glamkg("load", str(sheet), "-m", "/dev/zero", "--store", str(tmp_path / "s2"), timeout=20)
    assert done.returncode == 2 and "/dev/zero is a device, not a file" in done.stderr


@pytest.mark.parametrize("shacl_limit", ["2000", "0"], ids=["with the SHACL check", "row checker only"])
def test_a_bce_inception_is_one_rule_with_one_answer(tmp_path: Path, shacl_limit: str) -> None:
    sheet = tmp_path / "bce.csv"
    sheet.write_text("label_en,description_en,instance_of,country,inception,dissolved\n"
                     "Old museum,a,museum,Q55,-0500,\n"
                     "Older museum,b,museum,Q55,-0500,-0600\n")
    code, _, err = cli("load", str(sheet), "--kind", "institution", "--dry-run", "--store", str(tmp_path / "s"),
                       "--shacl-limit", shacl_limit)
    assert code == 2 and "Traceback" not in err
    assert "row 3" in err and "inception on or before dissolved" in err  # the real problem, at its row
    assert "row 2" not in err  # no dissolved date: nothing to compare, no false problem


# -- resource limits ----------------------------------------------------------------------------------------


def test_a_sheet_larger_than_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    sheet = tmp_path / "big.csv"
    sheet.write_text("label_en\n" + "x" * (3 * 2**20) + "\n")
    done = glamkg("load", str(sheet), "--kind", "institution", "--dry-run", "--store", str(tmp_path / "s"),
                  env={"GLAMKG_MAX_SHEET_MB": "1"})
    assert done.returncode == 2 and "larger than the 1 MiB a sheet may be" in done.stderr


def test_a_header_of_a_million_columns(tmp_path: Path) -> None:
    sheet = tmp_path / "wide.csv"
    sheet.write_text(",".join(f"c{i}" for i in range(1_000_000)) + "\n")
    code, _, err = cli("load", str(sheet), "--kind", "institution", "--dry-run", "--store", str(tmp_path / "s"))
    assert code == 2 and "1,000,000 columns, more than the 1,000" in err
    assert len(err) < 2000  # one line, not a million


def test_an_xlsx_that_declares_three_million_rows(tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "huge.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["label_en", "description_en"])
    wb.active.append(["A museum", "x"])
    wb.save(path)
    # the sheet says it spans 3,000,000 rows (as a 1.5 MB file that expands to them does)
    spoofed = tmp_path / "spoofed.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(spoofed, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:B2"', b'<dimension ref="A1:B3000000"')
            dst.writestr(item, data)
    code, _, err = cli("load", str(spoofed), "--kind", "institution", "--dry-run", "--store", str(tmp_path / "s"))
    assert code == 2 and "more than 1,048,576 rows" in err


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_sheet_past_the_row_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    # the readers ask for $GLAMKG_MAX_ROWS once per sheet, then check every row against it
    import openpyxl

    rows = [["label_en", "country", "instance_of"], *([f"Museum {i}", "Q55", "museum"] for i in range(5))]
    path = tmp_path / f"five{suffix}"
    if suffix == ".csv":
        path.write_text("".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    else:
        wb = openpyxl.Workbook()
        for r in rows:
            wb.active.append(r)
        wb.save(path)
    monkeypatch.setenv("GLAMKG_MAX_ROWS", "3")
    code, _, err = cli("load", str(path), "--kind", "institution", "--dry-run", "--store", str(tmp_path / "s"))
    assert code == 2 and "more than 3 rows" in err
    monkeypatch.setenv("GLAMKG_MAX_ROWS", "5")
    code, _out, err = cli("load", str(path), "--kind", "institution", "--dry-run", "--store", str(tmp_path / "s"))
    assert code == 0, err


def test_a_cartesian_product_on_the_store_is_stopped(demo: Path, tmp_path: Path) -> None:
    q = tmp_path / "cartesian.rq"
    q.write_text("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    done = glamkg("query", "run", str(q), "--store", str(demo), env={"GLAMKG_QUERY_TIMEOUT": "3"}, timeout=60)
    assert done.returncode == 2
    assert "was stopped: it ran longer than 3 s" in done.stderr and "cartesian product" in done.stderr


def test_an_answer_past_the_size_limit_is_stopped(demo: Path, tmp_path: Path) -> None:
    q = tmp_path / "all.rq"
    q.write_text("SELECT * WHERE { ?a ?b ?c }")
    done = glamkg("query", "run", str(q), "--store", str(demo), "-f", "csv", env={"GLAMKG_MAX_RESULT_MB": "0.2"})
    assert done.returncode == 2 and "its answer grew past" in done.stderr


# -- nothing written where an error is due --------------------------------------------------------------------


def test_a_failed_init_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.store import Store

    real = Store.write_entities

    def full_disk(self: Store, *a: object, **k: object) -> object:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Store, "write_entities", full_disk)
    path = tmp_path / "store"
    with pytest.raises(OSError):
        main(["init", "--store", str(path)])
    assert not path.exists() and list(tmp_path.iterdir()) == []
    monkeypatch.setattr(Store, "write_entities", real)
    assert cli("init", "--store", str(path))[0] == 0  # the same command again simply works


# -- terminal and page injection ------------------------------------------------------------------------------


def test_control_characters_in_labels_are_shown_not_obeyed(tmp_path: Path) -> None:
    sheet = tmp_path / "esc.csv"
    sheet.write_text("label_en,description_en,instance_of,country\n"
                     "Evil \x1b]0;pwned\x07 Museum\x1b[31m,x,museum,Q55\n", encoding="utf-8")
    store = tmp_path / "s"
    code, out, err = cli("load", str(sheet), "--kind", "institution", "--store", str(store))
    assert code == 0, err
    assert "\x1b]0;pwned" not in out + err and "\x07" not in out + err and "Evil \\x1b]0;pwned\\x07" in out
    q = tmp_path / "labels.rq"
    q.write_text("SELECT ?l WHERE { ?s rdfs:label ?l }")
    code, out, _ = cli("query", "run", str(q), "--store", str(store))
    assert code == 0 and "\x1b" not in out and "\x07" not in out and "\\x1b[31m" in out


# -- smaller ones -------------------------------------------------------------------------------------------


def test_gaps_options_and_files_are_checked(demo: Path, tmp_path: Path) -> None:
    code, _, err = cli("gaps", "--store", str(demo), "--min-institutions", "-5")
    assert code == 2 and "min-institutions" in err
    baseline = tmp_path / "baseline.csv"
    baseline.write_text("country,value\nNL,inf\n")
    code, _, err = cli("gaps", "--store", str(demo), "--baseline", str(baseline))
    assert code == 2 and "row 2, column 'value': expected a finite, non-negative number" in err
    grouping = tmp_path / "grouping.csv"
    grouping.write_text("group,iso2\nNorth,NL\nSouth,\n")
    code, _, err = cli("gaps", "--store", str(demo), "--by", str(grouping))
    assert code == 2 and "row 3, column 'iso2'" in err and "group 'South'" in err


def test_an_unbalanced_quote_is_named_where_it_opened(tmp_path: Path) -> None:
    sheet = tmp_path / "quote.csv"
    sheet.write_text('label_en,description_en\n"Museum A,first\nMuseum B,second\nMuseum C,third\n')
    code, _, err = cli("load", str(sheet), "--kind", "institution", "--dry-run", "--store", str(tmp_path / "s"))
    assert code == 2 and "row 2, column 'label_en': a double quote opened in this cell is never closed" in err


def test_a_damaged_store_says_what_to_do(demo: Path, tmp_path: Path) -> None:
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(demo, broken)
    (broken / "CURRENT").write_text("garbage\n")
    code, _, err = cli("stats", "--store", str(broken))
    assert code == 3 and "is damaged" in err and "restore the folder from a backup" in err
    assert "glamkg import dump" in err


def test_an_export_goes_back_into_a_new_store(demo: Path, tmp_path: Path) -> None:
    nt = tmp_path / "export.nt"
    assert cli("export", "--store", str(demo), "-o", str(nt))[0] == 0
    fresh = tmp_path / "fresh"
    code, _, err = cli("import", "dump", str(nt), "--store", str(fresh))
    assert code == 0 and f"added {sum(1 for _ in nt.open()):,} triples" in err
    a = cli("query", "run", "institutions_per_type", "--store", str(demo), "-f", "json")[1]
    b = cli("query", "run", "institutions_per_type", "--store", str(fresh), "-f", "json")[1]
    assert json.loads(a) == json.loads(b) and json.loads(a)


def test_a_header_only_sheet_is_not_a_silent_success(tmp_path: Path) -> None:
    sheet = tmp_path / "header.csv"
    sheet.write_text("label_en,description_en,instance_of,country\n")
    code, _, err = cli("load", str(sheet), "--kind", "institution", "--store", str(tmp_path / "s"))
    assert code == 2 and "found only the header (4 columns)" in err
    assert not (tmp_path / "s").exists() or not any((tmp_path / "s").iterdir())


def test_a_refused_import_leaves_no_new_store_behind(tmp_path: Path) -> None:
    """The entity JSON reads, but a statement in it is wrong: the error is located and no store is created."""
    f = tmp_path / "e.json"
    snak = {"snaktype": "value", "property": "P17", "datatype": "frobnicate",
            "datavalue": {"type": "string", "value": "abc"}}
    entity = {"type": "item", "id": "Q1000000000042", "labels": {"en": {"language": "en", "value": "X"}},
              "claims": {"P17": [{"mainsnak": snak, "type": "statement", "rank": "normal",
                                  "id": "Q1000000000042$abc-1"}]}}
    f.write_text(json.dumps({"entities": {"Q1000000000042": entity}}))
    code, _, err = cli("import", "entities", str(f), "--store", str(tmp_path / "s"))
    assert code == 2 and "entity Q1000000000042, property P17" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.json"]


@pytest.mark.skipif(sys.platform != "linux", reason="address-space limit (RLIMIT_AS) as Linux applies it")
@pytest.mark.parametrize("name, size, expected", [
    ("wide.csv", 0, "1,000,000 columns, more than the 1,000"),
    ("long-line.csv", 200, "row 2: a cell longer than 131,072 characters"),
    ("too-big.csv", 300, "larger than the 256 MiB a sheet may be"),
], ids=["a million columns", "a 200 MB line", "a 300 MB line"])
def test_resource_hungry_sheets_are_refused_within_one_gigabyte(tmp_path: Path, name: str, size: int,
                                                                expected: str) -> None:
    """The refusal happens under a 1 GiB address-space limit, with the default limits: a reader that held the
    input several times over (the 7 GB and 3.5 GB runs of the probes) dies with MemoryError instead of saying
    what is wrong."""
    import resource

    sheet = tmp_path / name
    with sheet.open("w") as f:
        if size:
            f.write("label_en\n")
            for _ in range(size):
                f.write("x" * 2**20)
            f.write("\n")
        else:
            f.write(",".join(f"c{i}" for i in range(1_000_000)) + "\n")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))

    code = "import sys; from kg.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run([sys.executable, "-c", code, "load", str(sheet), "--kind", "institution", "--dry-run",
                           "--store", str(tmp_path / "s")], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT,
                          preexec_fn=limit)
    assert done.returncode == 2 and "Traceback" not in done.stderr and "MemoryError" not in done.stderr
    assert expected in done.stderr
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize(
    ("quantities", "says"),
    [
        (["425.007", "12.500"], "thousands groups or decimals"),  # every dotted value: three digits after one dot
        (["1.325.265", "42"], "'1.325.265' on row 2, which can only be thousands groups"),
        (["6.5", "6,09"], "has a decimal comma"),
    ],
    ids=["three digits after the dot", "two dot groups", "a decimal comma elsewhere"],
)
def test_numbers_that_read_two_ways_ask_for_the_locale(tmp_path: Path, quantities: list[str], says: str) -> None:
    """`425.007` is 425007 in a Dutch export: without a stated locale it is never read as 425.007 silently."""
    sheet = tmp_path / "uploads.csv"
    rows = [f'{n},Uploads {n},uploads,media_upload,Q1000000000100,"{q}",2021-11-30' for n, q in enumerate(quantities)]
    sheet.write_text("id,label_en,description_en,instance_of,part_of,quantity,point_in_time\n"
                     + "\n".join(f"Q{1000000000200 + i}," + r.split(",", 1)[1] for i, r in enumerate(rows)) + "\n")
    code, _, err = cli("load", str(sheet), "--kind", "contribution", "--dry-run", "--store", str(tmp_path / "s"))
    assert code == 2 and "column 'quantity'" in err and says in err and "locale: nl" in err
    # with the locale stated, the same sheet reads (or fails only on what the locale says is wrong)
    mapping = tmp_path / "m.yaml"
    mapping.write_text("kind: contribution\nlocale: nl\n")
    code, _, err = cli("load", str(sheet), "-m", str(mapping), "--dry-run", "--store", str(tmp_path / "s"))
    assert "thousands groups or decimals" not in err and "can only be thousands groups" not in err


def test_plain_numbers_need_no_locale(tmp_path: Path) -> None:
    sheet = tmp_path / "uploads.csv"
    sheet.write_text("id,label_en,description_en,instance_of,part_of,quantity,point_in_time\n"
                     "Q1000000000201,Uploads,x,media_upload,Q1000000000100,1250,2021-11-30\n"
                     "Q1000000000202,Uploads 2,y,media_upload,Q1000000000100,6.09,2021-11-30\n")
    code, _, err = cli("load", str(sheet), "--kind", "contribution", "--dry-run", "--store", str(tmp_path / "s"))
    assert code == 0 and "locale" not in err, err
