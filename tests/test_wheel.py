"""A normal install works: the wheel, installed into a fresh venv outside the checkout, runs the user's commands.

The wheel is built from a copy of the project's files in a temporary folder (setuptools writes a build/
folder beside the sources; the checkout stays untouched), with the dev environment's setuptools and without
network. The fresh venv sees the dev environment's third-party packages through a .pth line, which adds that
folder to sys.path without running its .pth files, so the checkout's editable install stays invisible: the
test checks that ``kg`` is imported from the new venv.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import venv
from pathlib import Path

import pytest
from dashboard_fixture import stop

from kg.http import local_client

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["kg", "schemas", "queries", "dashboards", "setup.py", "pyproject.toml", "README.md"]

pytestmark = pytest.mark.slow


def _copy_sources(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        else:
            shutil.copy2(src, dest / name)


def _run(args: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], Path]:
    """(the new venv's bin folder, an environment for it, a working folder outside the checkout)."""
    top = tmp_path_factory.mktemp("wheel")
    src, dist, env_dir, work = top / "src", top / "dist", top / "venv", top / "work"
    for d in (src, dist, work):
        d.mkdir()
    _copy_sources(src)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "GLAMKG_", "VIRTUAL_ENV"))}
    env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", XDG_CACHE_HOME=str(top / "cache"))
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(src)],
         cwd=work, env=env)
    [wheel] = dist.glob("glamkg-*.whl")

    venv.EnvBuilder(with_pip=False).create(env_dir)
    bindir = env_dir / "bin"
    new_site = Path(subprocess.run(
        [str(bindir / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True).stdout.strip())
    (new_site / "glamkg-dev-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(bindir / "python"), "install", "--no-deps", "-q", str(wheel)],
         cwd=work, env=env)
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    return bindir, env, work


def test_kg_comes_from_the_new_venv_with_its_folders(installed):
    bindir, env, work = installed
    out = _run([str(bindir / "python"), "-c", (
        "import kg, kg.config as c; print(kg.__file__);"
        "print(*(c.resource_dir(n) for n in ('schemas', 'queries', 'dashboards')), sep='\\n')")],
        cwd=work, env=env).stdout.split()
    venv_root = bindir.parent.resolve()
    assert all(Path(p).resolve().is_relative_to(venv_root) for p in out), out
    assert not any(Path(p).resolve().is_relative_to(ROOT) for p in out)
    assert (Path(out[1]) / "model.yaml").is_file() and any(Path(out[2]).glob("*.rq"))
    assert (Path(out[3]) / "app.py").is_file()


def test_template_demo_and_query_run_from_the_wheel(installed):
    bindir, env, work = installed
    template = _run([str(bindir / "glamkg"), "template", "institution"], cwd=work, env=env).stdout
    assert template.splitlines()[0].startswith("label") or "label" in template.splitlines()[0]
    store = work / "store"
    _run([str(bindir / "glamkg"), "demo", "-n", "200", "--store", str(store)], cwd=work, env=env, timeout=300)
    csv = _run([str(bindir / "glamkg"), "query", "run", "institutions_per_country", "--store", str(store),
                "-f", "csv"], cwd=work, env=env).stdout
    rows = csv.strip().splitlines()
    assert len(rows) > 10 and "country" in rows[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_dashboard_from_the_wheel_answers_its_health_check(installed):
    bindir, env, work = installed
    store = work / "dash-store"
    _run([str(bindir / "glamkg"), "demo", "-n", "200", "--store", str(store)], cwd=work, env=env, timeout=300)
    port = _free_port()
    proc = subprocess.Popen([str(bindir / "glamkg"), "dashboard", "--store", str(store), "--port", str(port)],
                            cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, status = time.monotonic() + 90, None
        with local_client(timeout=2) as client:
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    status = client.get(f"http://127.0.0.1:{port}/_stcore/health", cache=False).status_code
                except OSError:
                    status = None
                if status == 200:
                    break
                time.sleep(0.3)
        assert status == 200, f"no health answer; the dashboard said:\n{proc.stdout.read() if proc.poll() else ''}"
    finally:
        stop(proc)
