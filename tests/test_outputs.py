"""Every command option that names an output file respects what is there (issue: `-o /dev/null` as root).

For each option of each command, and for each kind of target (a new file, ``-``, a character device, a FIFO
read by another thread, a symbolic link, a mode-600 file), the target keeps its type and mode and receives
the content a plain file receives. Everything happens in a temporary folder, never on system files.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kg.cli import main
from kg.gaps.demo import write_demo
from kg.model.entities import Claim, Record, to_json
from kg.store import Store

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("inputs")
    with Store.open(d / "store") as st:
        write_demo(st, institutions=60, seed=3)
    sheet = d / "sheet.csv"
    sheet.write_text(
        "id,label,description,instance_of,country,website\n"
        "Q190804,Rijksmuseum,,art_museum,Q55,https://www.rijksmuseum.nl/\n"
        ",Kleinmuseum,,museum,Q55,\n",
        encoding="utf-8",
    )
    os.utime(sheet, (1_700_000_000, 1_700_000_000))
    entity = to_json(Record(kind="institution", id="Q190804", labels={"en": "Rijksmuseum"},
                            claims=[Claim("instance_of", "Q207694"), Claim("country", "Q55")]))
    (d / "entities.json").write_text(json.dumps({"entities": {"Q190804": entity}}), encoding="utf-8")
    (d / "results.json").write_text(json.dumps({
        "head": {"vars": ["item", "itemLabel"]},
        "results": {"bindings": [{"item": {"type": "uri", "value": "http://www.wikidata.org/entity/Q190804"},
                                  "itemLabel": {"type": "literal", "value": "Rijksmuseum", "xml:lang": "en"}}]},
    }), encoding="utf-8")
    return {"dir": d, "store": d / "store", "sheet": sheet, "entities": d / "entities.json",
            "results": d / "results.json"}


def _ids(text: str) -> list[str]:
    """An import report, reduced to what does not depend on the run (the ids it touched)."""
    data = json.loads(text)
    return sorted(data["created"] + data["updated"] + data["unchanged"])


# option -> (arguments with {out}, {store}, {sheet}, ..., a fresh store per run?, a normaliser of the content)
Case = tuple[list[str], bool, Callable[[str], object]]
CASES: dict[str, Case] = {
    "query run -o": (["query", "run", "institutions_per_country", "--store", "{store}", "-f", "csv", "-o", "{out}"],
                     False, str),
    "gaps -o": (["gaps", "--store", "{store}", "--format", "csv", "-o", "{out}"], False, str),
    "export -o": (["export", "--store", "{store}", "-o", "{out}"], False, lambda t: sorted(t.splitlines())),
    "template -o": (["template", "institution", "-o", "{out}"], False, str),
    "load --plan-out": (["load", "{sheet}", "--kind", "institution", "--store", "{fresh}", "--dry-run",
                         "--plan-out", "{out}"], True, lambda t: json.loads(t)["items"]),
    "load --target quickstatements -o": (["load", "{sheet}", "--kind", "institution", "--store", "{fresh}",
                                          "--target", "quickstatements", "-o", "{out}",
                                          "--reference-url", "https://example.org/sheet.csv"], True, str),
    "import entities --report": (["import", "entities", "{entities}", "--store", "{fresh}", "--report", "{out}"],
                                 True, _ids),
    "import results --report": (["import", "results", "{results}", "--store", "{fresh}", "--report", "{out}"],
                                True, _ids),
}
RUNS = iter(range(10**6))
#: The extension a case's file needs (a plan file is YAML or JSON by its name; a FIFO, a device and `-` get JSON).
SUFFIX = {"load --plan-out": ".json"}


def _args(case: Case, inputs: dict[str, Path], out: str) -> list[str]:
    fresh = str(inputs["dir"] / f"fresh-{next(RUNS)}")
    values = {**{k: str(v) for k, v in inputs.items()}, "out": out, "fresh": fresh}
    return [a.format(**values) for a in case[0]]


def _run(case: Case, inputs: dict[str, Path], out: str) -> int:
    return main(_args(case, inputs, out))


@pytest.fixture(scope="module")
def reference(inputs: dict[str, Path]) -> dict[str, str]:
    """What each option writes to a plain new file."""
    got = {}
    for name, case in CASES.items():
        target = inputs["dir"] / f"reference-{len(got)}{SUFFIX.get(name, '')}"
        assert _run(case, inputs, str(target)) in (0, 1, 5), name
        got[name] = target.read_text(encoding="utf-8")
        assert got[name].strip(), f"{name} wrote nothing to a plain file"
    return got


@pytest.mark.parametrize("name", CASES)
def test_a_mode_600_file_keeps_its_mode_and_gets_the_content(name, inputs, reference, tmp_path):
    target = tmp_path / f"private.out{SUFFIX.get(name, '')}"
    target.write_text("old secret\n")
    target.chmod(0o600)
    _run(CASES[name], inputs, str(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    normal = CASES[name][2]
    assert normal(target.read_text(encoding="utf-8")) == normal(reference[name])
    sidecars = ["private.out.provenance.json"] if name in ("query run -o", "gaps -o") else []  # its provenance
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name, *sidecars]  # no temporary file left


@pytest.mark.parametrize("name", CASES)
def test_a_symlink_stays_and_its_target_gets_the_content(name, inputs, reference, tmp_path):
    real = tmp_path / "shared" / f"real.out{SUFFIX.get(name, '')}"
    real.parent.mkdir()
    link = tmp_path / f"link.out{SUFFIX.get(name, '')}"
    link.symlink_to(real)
    _run(CASES[name], inputs, str(link))
    assert link.is_symlink() and os.readlink(link) == str(real)
    normal = CASES[name][2]
    assert normal(real.read_text(encoding="utf-8")) == normal(reference[name])


@pytest.mark.parametrize("name", CASES)
def test_a_fifo_stays_a_fifo_and_its_reader_gets_the_content(name, inputs, reference, tmp_path):
    """The reader is another process (`cat`), as in real use: a reader thread could not drain the pipe while
    the writer holds the interpreter's lock in a native call (pyoxigraph's dump)."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = tmp_path / "received"
    with open(got, "wb") as sink:
        reader = subprocess.Popen(["cat", str(fifo)], stdout=sink)
        try:
            _run(CASES[name], inputs, str(fifo))
        finally:
            if reader.poll() is None and reader.returncode is None:
                with contextlib.suppress(OSError), open(fifo, "wb", opener=_nonblocking):
                    pass  # the command never opened the pipe: release the reader
            reader.wait(timeout=30)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    normal = CASES[name][2]
    assert normal(got.read_text(encoding="utf-8")) == normal(reference[name])


def _nonblocking(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_NONBLOCK)


@pytest.mark.parametrize("name", CASES)
def test_a_character_device_stays_a_device(name, inputs, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root (os.mknod); CI and the sessions run as root")
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a twin of /dev/null inside the temporary folder
    null.chmod(0o666)
    code = _run(CASES[name], inputs, str(null))
    assert code in (0, 1, 5), name
    st = null.stat()
    assert stat.S_ISCHR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o666
    assert os.major(st.st_rdev) == 1 and os.minor(st.st_rdev) == 3


@pytest.mark.parametrize("name", CASES)
def test_dash_is_standard_output(name, inputs, reference, tmp_path, capfd):
    capfd.readouterr()
    _run(CASES[name], inputs, "-")
    out = capfd.readouterr().out
    normal = CASES[name][2]
    assert normal(out) == normal(reference[name])
    assert not (tmp_path.parent / "-").exists() and not Path("-").exists()


@pytest.mark.parametrize("name", ["load --plan-out", "load --target quickstatements -o", "import entities --report"])
def test_an_output_that_cannot_be_written_is_refused_before_anything_is_written(name, inputs, tmp_path, capsys):
    args = _args(CASES[name], inputs, str(tmp_path / "no-such-folder" / "out"))
    assert main(args) == 2
    assert "does not exist" in capsys.readouterr().err
    fresh = Path(args[args.index("--store") + 1])
    assert not fresh.exists(), "the store was written before the output path was checked"


@pytest.mark.parametrize("command", [["export"], ["query", "run", "institutions_per_country", "-f", "csv"]])
def test_a_closed_pipe_ends_quietly(command, inputs):
    """`glamkg export | head -1` exits 0 with nothing on stderr."""
    glamkg = [sys.executable, "-c", "import sys; from kg.cli import main; sys.exit(main(sys.argv[1:]))"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([*glamkg, *command, "--store", str(inputs["store"])], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=inputs["dir"])
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # the reader goes away, as `head -1` does
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 0, err.decode()
    assert first.strip() and err == b""
