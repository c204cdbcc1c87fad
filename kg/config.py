"""Settings that every part resolves the same way, declared once as a table, and glamkg's own folders.

Every environment variable glamkg reads is a row of :data:`SETTINGS` (name, variable, default, help),
read through :func:`setting` at the moment it is used (so a credential is never kept or logged), and listed
in ``docs/settings.md``, generated from the table (``python -m kg.config > docs/settings.md``; a test keeps
it current and fails if code reads the environment anywhere else).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    """One setting: ``name`` in code, ``env`` in the environment, its ``default`` and what it does."""

    name: str
    env: str
    default: str | None
    help: str
    secret: bool = False  # never shown, logged or written anywhere


SETTINGS: tuple[Setting, ...] = (
    Setting("store", "GLAMKG_STORE", "glamkg-data", "The store directory when a command gets no `--store`."),
    Setting("concept_base", "GLAMKG_CONCEPT_BASE", None,
            "The concept base of local items, an http(s) IRI ending in `/` (default: `local_concept_base` of "
            "`schemas/model.yaml`, `https://glamkg.invalid/entity/`)."),
    Setting("contact", "GLAMKG_CONTACT", "",
            "Your email address or wiki user page, sent in the User-Agent of every remote request, as "
            "Wikimedia's User-Agent policy asks."),
    Setting("endpoint", "GLAMKG_ENDPOINT", "", "A SPARQL endpoint the dashboard's query explorer offers."),
    Setting("dashboard_endpoint", "GLAMKG_DASHBOARD_ENDPOINT", "",
            "The dashboard reads its tables from this SPARQL endpoint instead of the store "
            "(`glamkg dashboard --endpoint URL` sets it)."),
    Setting("cache", "GLAMKG_CACHE", None,
            "Folder of the dashboard's table cache (default: `$XDG_CACHE_HOME/glamkg/dashboard`)."),
    Setting("reconcile_cache", "GLAMKG_RECONCILE_CACHE", None,
            "Folder of the answers of reconciliation services that `glamkg load --reconcile` keeps (default: "
            "`$XDG_CACHE_HOME/glamkg/reconcile`)."),
    Setting("xdg_cache", "XDG_CACHE_HOME", None, "The user's cache folder (default: `~/.cache`)."),
    Setting("wikibase_url", "GLAMKG_WIKIBASE_URL", None,
            "The Wikibase that `--target wikibase` and `glamkg wikibase` write to (never Wikidata)."),
    Setting("wikibase_user", "GLAMKG_WIKIBASE_USER", None, "Bot password user name for that Wikibase.",
            secret=True),
    Setting("wikibase_password", "GLAMKG_WIKIBASE_PASSWORD", None, "Bot password for that Wikibase.",
            secret=True),
    Setting("wikibase_idmap", "GLAMKG_WIKIBASE_IDMAP", None,
            "The id map file of that Wikibase (default: `glamkg-wikibase-idmap.json` in the current folder)."),
    Setting("max_sheet_mb", "GLAMKG_MAX_SHEET_MB", "256",
            "The largest spreadsheet file `glamkg load` reads, in MiB (a CSV is read whole)."),
    Setting("max_columns", "GLAMKG_MAX_COLUMNS", "1000", "The most columns a spreadsheet may have."),
    Setting("max_cell_kb", "GLAMKG_MAX_CELL_KB", "128",
            "The longest cell of a CSV sheet, in KiB of characters (a longer one is refused, not read)."),
    Setting("max_rows", "GLAMKG_MAX_ROWS", "1048576",
            "The most rows a spreadsheet may have (default: Excel's own limit)."),
    Setting("query_timeout", "GLAMKG_QUERY_TIMEOUT", "60",
            "Seconds a query on the local store may take to write its answer (WDQS stops queries at 60 s too)."),
    Setting("max_result_mb", "GLAMKG_MAX_RESULT_MB", "256",
            "The largest answer of a query on the local store, in MiB (a runaway join stops there)."),
    Setting("query_memory_mb", "GLAMKG_QUERY_MEMORY_MB", "1024",
            "`glamkg query run` on the local store stops when the process holds more memory than this, in MiB."),
    Setting("columns", "COLUMNS", None,
            "The width of the command line's output, in characters (default: the terminal's; 1000 when the output "
            "is not a terminal: a pipe, a file, CI). Long lines such as paths are never broken."),
    Setting("derived_tables", "GLAMKG_DERIVED_TABLES", "on",
            "`off`: the commands that write a store do not build its derived tables (the map's answer, "
            "docs/queries.md), which costs one run of the map's query after each write; the map is then asked of "
            "the engine."),
)
_BY_NAME = {s.name: s for s in SETTINGS}


def env_name(name: str) -> str:
    """The environment variable of a setting (for messages: "set $GLAMKG_WIKIBASE_URL")."""
    return _BY_NAME[name].env


def setting(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The setting's value from the environment (``environ`` in tests), else its default; blank means unset."""
    s = _BY_NAME[name]
    value = (os.environ if environ is None else environ).get(s.env, "")
    return value if value.strip() else s.default


def number(name: str, environ: Mapping[str, str] | None = None) -> float:
    """A numeric setting (a limit); a value that is not a positive number is an error naming the variable."""
    from kg.errors import InputError

    raw = setting(name, environ) or ""
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0 or value != value or value == float("inf"):
        from kg.i18n import _

        raise InputError(_("{variable}: expected a positive number, found {found}").format(
            variable="$" + env_name(name), found=repr(raw)))
    return value


def store_path(option: str | Path | None = None) -> Path:
    """``--store PATH``, else ``$GLAMKG_STORE``, else ``./glamkg-data``; made absolute, so that a store named
    by a path without a name of its own (``--store .``, ``..``) gets its sibling files (the lock, published
    snapshots, the metrics history) beside its real folder."""
    p = Path(option) if option else Path(setting("store") or "glamkg-data")
    return Path(os.path.abspath(p))


def markdown() -> str:
    """``docs/settings.md``: the table of settings."""
    lines = [
        "# Settings",
        "",
        "Generated from `kg/config.py` (`python -m kg.config > docs/settings.md`); a test keeps it current.",
        "Command-line options win over these; credentials are read only from the environment, when used.",
        "",
        "| variable | default | what it does |",
        "|---|---|---|",
    ]
    for s in SETTINGS:
        default = "(secret)" if s.secret else (f"`{s.default}`" if s.default else "")
        lines.append(f"| `{s.env}` | {default} | {s.help} |")
    return "\n".join(lines) + "\n"


# The folders users look at stay at the top of the checkout (schemas/, queries/, dashboards/); the wheel
# carries them inside the package as kg.schemas, kg.queries and kg.dashboards (setup.py maps them).
# One file each folder always holds, to find the folder from a namespace package's resources.
RESOURCES = {"schemas": "model.yaml", "queries": "institutions_per_country.rq", "dashboards": "app.py"}


def resource_dir(name: str) -> Path:
    """The folder of glamkg's own ``schemas``, ``queries`` or ``dashboards``, installed or in a checkout.

    Read through :mod:`importlib.resources` from an installed wheel (``kg.<name>``); from a checkout or an
    editable install, the top-level folder beside ``kg/``.
    """
    if name not in RESOURCES:
        raise ValueError(f"unknown resource folder {name!r}; expected one of {', '.join(RESOURCES)}")
    import importlib.resources

    try:
        found = importlib.resources.files(f"kg.{name}")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / name
    if isinstance(found, Path):
        return found
    # a namespace package (the folders hold no __init__.py): its children are real files of the wheel
    return Path(str(found.joinpath(RESOURCES[name]))).parent


if __name__ == "__main__":
    print(markdown(), end="")
