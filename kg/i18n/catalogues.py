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
    return catalog


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
