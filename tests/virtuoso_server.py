"""Virtuoso open source (Debian package ``virtuoso-opensource``) on loopback, for tests: its own database in a
temporary folder, free ports, stopped afterwards. Nothing under /var/lib or /etc is touched.

    with Virtuoso.start(tmp_path / "virtuoso") as v:
        v.bulk_load(tmp_path / "export.nt")      # Virtuoso's bulk loader: ld_dir + rdf_loader_run
        v.sparql_url                             # http://127.0.0.1:<port>/sparql
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt")
MISSING = (
    "Virtuoso is not installed (Debian package virtuoso-opensource: virtuoso-t and isql-vt); "
    "`./run.sh test` installs it"
)

INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CheckpointInterval = 0
DirsAllowed = ., {d}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
MaxQueryMem = 1G

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
ServerThreads = 4
MaxClientConnections = 4

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Virtuoso:
    folder: Path
    sql_port: int
    http_port: int
    process: subprocess.Popen[bytes]

    @property
    def sparql_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @classmethod
    @contextlib.contextmanager
    def start(cls, folder: Path, *, timeout: float = 90, buffers: int = 20000) -> Iterator[Virtuoso]:
        """``buffers``: Virtuoso's page buffers (8 KiB each; its docs advise about two thirds of free memory,
        680,000 for 8 GB: the benchmarks give it that, the tests a small database's 20,000)."""
        if not (VIRTUOSO and ISQL):
            raise RuntimeError(MISSING)
        folder.mkdir(parents=True, exist_ok=True)
        sql, http = free_port(), free_port()
        (folder / "virtuoso.ini").write_text(INI.format(d=folder, sql=sql, http=http, buffers=buffers,
                                                               dirty=buffers * 3 // 4), encoding="utf-8")
        log = open(folder / "stdout.log", "wb")  # noqa: SIM115 - closed below
        proc = subprocess.Popen(
            [VIRTUOSO, "-f", "-c", str(folder / "virtuoso.ini")], cwd=folder, stdout=log, stderr=subprocess.STDOUT
        )
        v = cls(folder, sql, http, proc)
        try:
            v._wait(timeout)
            yield v
        finally:
            with contextlib.suppress(Exception):
                v.isql("shutdown;", timeout=30)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
            log.close()

    def _wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited with {self.process.returncode}: {self.log_tail()}")
            try:
                self.isql("status();", timeout=10)
                return
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
                time.sleep(0.5)
        raise RuntimeError(f"virtuoso-t did not answer within {timeout} s: {self.log_tail()}")

    def log_tail(self) -> str:
        path = self.folder / "virtuoso.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def isql(self, statements: str, *, timeout: float = 600) -> str:
        assert ISQL is not None
        done = subprocess.run(
            [ISQL, f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={statements}"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
            env={**os.environ, "LANG": "C"},
        )
        if "*** Error" in done.stdout or "*** Error" in done.stderr:
            raise RuntimeError(f"isql: {done.stdout}{done.stderr}")
        return done.stdout

    def bulk_load(self, nt_file: Path, graph: str = "urn:glamkg:export", *, timeout: float = 600) -> None:
        """Virtuoso's documented bulk loader; the file must sit in a folder Virtuoso may read (DirsAllowed): a hard
        link to it where the file system allows (a 1M export is 10 GB), else a copy. ``timeout``: seconds the
        load may take (57 million triples take more than ten minutes on a busy 2-core machine)."""
        target = self.folder / nt_file.name
        if nt_file.resolve() != target.resolve():
            try:
                os.link(nt_file, target)
            except OSError:
                shutil.copyfile(nt_file, target)
        self.isql(f"ld_dir('{self.folder}', '{target.name}', '{graph}'); rdf_loader_run(); checkpoint;",
                  timeout=timeout)
        errors = self.isql("SELECT ll_file, ll_error FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL;")
        if target.name in errors:
            raise RuntimeError(f"Virtuoso could not load {target.name}: {errors}")
