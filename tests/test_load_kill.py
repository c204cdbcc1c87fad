"""Killing ``glamkg load`` in the middle of a large load leaves the store exactly as it was."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kg.store import Store

ROOT = Path(__file__).resolve().parents[1]
BULK_PREFIX = "bulk-"  # the files Oxigraph's bulk loader writes before it ingests them


def write_rows(path: Path, n: int, start: int = 0) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["label_en", "instance_of", "country", "isil", "inception", "coordinates"])
        for i in range(start, start + n):
            w.writerow(
                [
                    f"Kill test museum {i}",
                    "museum",
                    "Q55",
                    f"NL-K{i}",
                    str(1800 + i % 200),
                    f"{50 + (i % 100) / 100:.2f},{4 + (i % 50) / 100:.2f}",
                ]
            )
    return path


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "kg.cli", *args]


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["0", "2"], ids=["one-process", "worker-processes"])
def test_sigkill_during_a_large_load_leaves_the_store_unchanged(tmp_path: Path, workers: str) -> None:
    store = tmp_path / "store"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    small = write_rows(tmp_path / "small.csv", 20)
    done = subprocess.run(
        cli("load", str(small), "--kind", "institution", "--store", str(store), "-q"),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    with Store.open(store, read_only=True) as st:
        st.export(tmp_path / "before.nt", format="nt")
    before = (tmp_path / "before.nt").read_bytes()
    assert before.count(b"\n") > 500

    big = write_rows(tmp_path / "big.csv", 4000, start=20)
    before_files = {p.name for p in store.iterdir()}
    assert not any(n.startswith(BULK_PREFIX) for n in before_files)
    proc = subprocess.Popen(
        cli("load", str(big), "--kind", "institution", "--store", str(store), "--shacl-limit", "0",
            "--workers", workers),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:  # plain progress lines: stderr is not a terminal (pytest-timeout bounds a hang)
        seen.append(line.strip())
        if line.startswith("glamkg load: writing"):
            break
    else:
        pytest.fail(f"the load ended before its writing phase: {seen}")
    # The write phase converts the 4000 entities to RDF and Oxigraph's bulk loader writes sorted SST files
    # ("bulk-*.sst") and ingests them: in one process, all converted first and then loaded into the store's
    # directory in one RocksDB call; with worker processes, streamed into the copy a swap builds beside the
    # store (<store>.swap) as the workers finish. Kill as soon as the first of those files appears.
    swap = store.with_name(store.name + ".swap")

    def bulk_files() -> list[str]:
        found = (p.name for d in (store, swap) if d.is_dir() for p in d.iterdir())
        return sorted(n for n in found if n.startswith(BULK_PREFIX))

    writing: list[str] = []
    while not writing and proc.poll() is None:  # ends when the files appear or the load ends
        writing = bulk_files()
        time.sleep(0.001)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, f"the load finished before it was killed: {seen}"
    assert any(s.startswith("glamkg load: planning") for s in seen)
    assert writing, "killed before the store directory was written to"
    # the bulk files of the interrupted write are still there: it was killed before they were ingested
    assert bulk_files()

    with Store.open(store, read_only=True) as st:
        st.export(tmp_path / "after.nt", format="nt")
    assert (tmp_path / "after.nt").read_bytes() == before

    # and the store still works: the earlier load is recognised as already there
    def glamkg_load(*args: str) -> str:
        done = subprocess.run(
            cli("load", *args, "--kind", "institution", "--store", str(store), "-q"),
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "unchanged 20" in glamkg_load(str(small))

    # and the interrupted load, run again, creates every item: nothing of it was half-written before
    assert "created 4000, updated 0, unchanged 0" in glamkg_load(str(big), "--shacl-limit", "0")


@pytest.mark.slow
def test_ctrl_c_during_a_large_load_says_so_and_leaves_the_store_unchanged(tmp_path: Path) -> None:
    """Ctrl-C on a terminal: SIGINT to the whole process group (the loading process and its conversion
    workers). The command exits 130 with one line saying nothing was written, no worker prints a traceback,
    and the store is as it was (no copy of it left)."""
    store = tmp_path / "store"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    small = write_rows(tmp_path / "small.csv", 20)
    subprocess.run(cli("load", str(small), "--kind", "institution", "--store", str(store), "-q"), cwd=ROOT,
                   env=env, check=True, capture_output=True, timeout=300)
    with Store.open(store, read_only=True) as st:
        st.export(tmp_path / "before.nt", format="nt")
    big = write_rows(tmp_path / "big.csv", 6000, start=20)
    proc = subprocess.Popen(
        cli("load", str(big), "--kind", "institution", "--store", str(store), "--shacl-limit", "0", "--workers", "2"),
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line.strip())
        if line.startswith("glamkg load: writing"):
            break
    else:
        pytest.fail(f"the load ended before its writing phase: {seen}")
    time.sleep(0.3)  # the workers are converting
    os.killpg(proc.pid, signal.SIGINT)
    rest = proc.stderr.read()
    proc.wait(timeout=120)
    assert proc.returncode == 130, (proc.returncode, rest)
    assert "interrupted; nothing was written" in rest and "Traceback" not in rest, rest
    assert not store.with_name(store.name + ".swap").exists()
    with Store.open(store, read_only=True) as st:
        st.export(tmp_path / "after.nt", format="nt")
    assert (tmp_path / "after.nt").read_bytes() == (tmp_path / "before.nt").read_bytes()
