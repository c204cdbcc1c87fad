#!/usr/bin/env bash
# glamkg's one task runner.
#   ./run.sh up     set up, build the embedded store with demo data, open the dashboard (the main job)
#   ./run.sh test   set up (Python packages, Chromium for the browser tests, Virtuoso for the peer-engine tests),
#                   then lint, types, import contracts and tests
#   ./run.sh setup  only the Python environment in .venv
# Environment: PYTHON (default python3), GLAMKG_STORE (default ./glamkg-data), INSTITUTIONS (demo size).
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=.venv

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

setup() {
  if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "glamkg needs Python 3.11 or newer; found: $("$PYTHON" --version 2>&1). Set PYTHON=/path/to/python3.11." >&2
    exit 1
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  local stamp="$VENV/.installed-$(sha1sum pyproject.toml | cut -c1-12)-$1"
  if [ ! -f "$stamp" ]; then
    say "installing glamkg and its dependencies into $VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    if [ "$1" = dev ]; then
      "$VENV/bin/python" -m pip install --quiet -e '.[dev]'
    else
      "$VENV/bin/python" -m pip install --quiet -e .
    fi
    touch "$stamp"
  fi
}

apt_install() {
  # apt_install "what happens without them" PACKAGE...: Debian packages the tests need, installed as root or with sudo.
  local without=$1; shift
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
    echo "$* missing and this user cannot install them; $without" >&2
    return
  fi
  local SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  say "installing $* (Debian packages)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

browser() {
  # The browser tests drive Debian's Chromium through its chromedriver (nothing is downloaded by selenium).
  if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then return; fi
  apt_install "the browser tests will fail." chromium chromium-driver
}

virtuoso() {
  # The Virtuoso tests (tests/test_virtuoso.py) start Debian's Virtuoso open source on loopback, with their own
  # database in a temporary folder; the package's own service is not used (and not started here).
  if command -v virtuoso-t >/dev/null && command -v isql-vt >/dev/null; then return; fi
  apt_install "the Virtuoso tests will skip (fail under CI)." virtuoso-opensource
}

case "${1:-up}" in
  setup)
    setup dev
    ;;
  up)
    setup runtime
    shift || true
    exec "$VENV/bin/glamkg" up --institutions "${INSTITUTIONS:-20000}" "$@"
    ;;
  test)
    setup dev
    browser
    virtuoso
    shift || true
    say "ruff"
    "$VENV/bin/ruff" check .
    say "mypy kg/"
    "$VENV/bin/mypy"
    say "import contracts (lint-imports; docs/architecture.md, Import rules)"
    "$VENV/bin/lint-imports"
    say "pytest"
    exec "$VENV/bin/pytest" -q "$@"
    ;;
  *)
    echo "usage: ./run.sh [up|test|setup]" >&2
    exit 2
    ;;
esac
