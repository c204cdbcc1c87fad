"""The gettext catalogues, kept with Babel: extract the messages, update each language's ``.po``, compile the
``.mo`` files glamkg reads, and list what is untranslated.

Run ``python -m kg.i18n.catalogues`` after changing a message in ``kg/`` or ``dashboards/``: it rewrites
``kg/i18n/gettext-catalogues/glamkg.pot``, merges it into every ``<lang>/LC_MESSAGES/glamkg.po`` (new messages empty,
removed ones dropped) and compiles the ``.mo`` files, then lists the messages each language still lacks.
``tests/test_i18n.py`` fails while any is missing, and while a committed ``.mo`` differs from its ``.po``.
See docs/translating.md.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from kg.i18n import DEFAULT, DOMAIN, LANGUAGES, LOCALE_DIR

ROOT = Path(__file__).resolve().parents[2]
#: The folders whose Python files hold messages (the package and the dashboard's pages).
SOURCES = ("kg", "dashboards")
#: The translation functions: gettext's usual names (``_``, ``gettext``, ``ngettext``; ``N_`` marks a message
#: translated later).
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
METHOD_MAP = [("**/gettext-catalogues/**", "ignore"), ("**.py", "python")]


def extract(root: Path = ROOT) -> Catalog:
    """Every message of ``kg/`` and ``dashboards/`` (Babel's Python extractor), with where it is used."""
    catalog = Catalog(project="glamkg", domain=DOMAIN, charset="utf-8", fuzzy=False)
    for folder in SOURCES:
        base = root / folder
        if not base.is_dir():
            continue
        for filename, lineno, message, comments, context in extract_from_dir(
            base, METHOD_MAP, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",), strip_comment_tags=True
        ):
            catalog.add(message, None, [(f"{folder}/{filename}", lineno)], auto_comments=comments, context=context)
    for message, where in schema_messages(root):
        catalog.add(message, None, [(where, 0)], auto_comments=["a name from the data in schemas/"])
    return catalog


#: The columns of ``schemas/countries.csv`` whose values are region names a page shows (UN M49, continents).
REGION_COLUMNS = ("region", "subregion", "intermediate_region", "continent")


def schema_messages(root: Path = ROOT) -> list[tuple[str, str]]:
    """The names the pages show that are data in ``schemas/``: region names (UN M49 regions and continents of
    ``countries.csv``, the groups of every ``regions-*.yaml``) and the :data:`LABELLED` labels (classes, evidence
    kinds, impact measures): (name, file), each name once. The dashboard translates them where it shows them
    (:func:`kg.dashboard.views.place_name`, the sidebar's options)."""
    import csv

    import yaml

    out: dict[str, str] = {}
    countries = root / "schemas" / "countries.csv"
    if countries.is_file():
        with countries.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(line for line in f if not line.startswith("#")):
                for col in REGION_COLUMNS:
                    if row.get(col):
                        out.setdefault(row[col], "schemas/countries.csv")
    for path in sorted((root / "schemas").glob("regions-*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name in [doc.get("label"), *(doc.get("groups") or {}), doc.get("other")]:
            if name:
                out.setdefault(str(name), f"schemas/{path.name}")
    for file, section, keys in LABELLED:
        path = root / "schemas" / file
        if not path.is_file():
            continue
        entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(section) or {}
        for entry in entries.values() if isinstance(entries, dict) else entries:
            for key in keys:
                if isinstance(entry, dict) and entry.get(key):
                    out.setdefault(str(entry[key]), f"schemas/{file}")
    return sorted(out.items())


#: The names the pages show from the other data in ``schemas/``: (file, section, keys of each entry): classes
#: (institution, partnership and organisation types), evidence kinds and impact measures.
LABELLED = (("model.yaml", "classes", ("label",)), ("evidence.yaml", "kinds", ("label", "short", "strength")),
            ("impact.yaml", "measures", ("label",)))


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(lang: str) -> Catalog:
    with po_path(lang).open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


def compiled(catalog: Catalog) -> bytes:
    """The ``.mo`` bytes of a catalogue (fuzzy entries left out, as msgfmt does)."""
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def missing(catalog: Catalog, template: Catalog) -> list[str]:
    """The template's messages that ``catalog`` does not translate (absent, empty, fuzzy, or a plural form
    left empty)."""
    out = []
    for msg in template:
        if not msg.id:
            continue
        got = catalog.get(msg.id, context=msg.context)
        strings = got.string if got is not None else None
        texts = list(strings) if isinstance(strings, (tuple, list)) else [strings]
        if got is None or got.fuzzy or not all(texts):
            out.append(msg.id if isinstance(msg.id, str) else msg.id[0])
    return out


def update(root: Path = ROOT) -> dict[str, list[str]]:
    """Rewrite the template, merge it into every language's ``.po``, compile the ``.mo`` files; return each
    language's untranslated messages."""
    template = extract(root)
    LOCALE_DIR.mkdir(parents=True, exist_ok=True)
    pot = LOCALE_DIR / f"{DOMAIN}.pot"
    if pot.exists():  # keep the template's first date, so that a run that changes no message changes no file
        with pot.open("rb") as f:
            template.creation_date = read_po(f).creation_date
    with pot.open("wb") as f:
        write_po(f, template, width=116, omit_header=False, sort_output=False)
    report = {}
    for lang in LANGUAGES:
        if lang == DEFAULT:
            continue
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = read(lang) if path.exists() else Catalog(locale=lang, domain=DOMAIN, project="glamkg")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with path.open("wb") as f:
            write_po(f, catalog, width=116, ignore_obsolete=True)
        catalog = read(lang)
        path.with_suffix(".mo").write_bytes(compiled(catalog))
        report[lang] = missing(catalog, template)
    return report


def main() -> int:
    report = update()
    for lang, lacking in report.items():
        print(f"{lang}: {len(lacking)} messages untranslated" + "".join(f"\n  {m!r}" for m in lacking[:20]))
    return 1 if any(report.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
