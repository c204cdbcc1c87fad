"""Spreadsheet templates, one per item kind, generated from ``schemas/model.yaml``.

A template is a CSV file with the columns :class:`kg.load.mapping.Mapping` understands without a mapping file
(``id``, ``label_en``, ``description_en``, ``aliases_en``, then every property of the kind by its model key)
and one example row. The committed copies live in ``schemas/templates/<kind>.csv``; ``glamkg template KIND``
prints the same text (tests check that they are equal).

    >>> template_text("partnership").splitlines()[0]
    'id,label_en,description_en,aliases_en,instance_of,country,website,start_time,end_time,participant,commons_category'
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from kg import outfile
from kg.i18n import _
from kg.model.schema import SCHEMA_DIR, model

TEMPLATE_DIR = SCHEMA_DIR / "templates"
TERM_COLUMNS = ("id", "label_en", "description_en", "aliases_en")

# Example values (template text only; Wikidata ids: Q190804 Rijksmuseum, Q727 Amsterdam, Q803 Utrecht).
# The example rows link to each other, so that loading the templates in turn gives one Rijksmuseum: the
# institution row IS Q190804 (the partnership's participant), and the partnership row takes the local id
# Q1000000000100 that the contribution's part_of names.
_EXAMPLE_TERMS = {
    "institution": ("Q190804", "Rijksmuseum", "national museum of the Netherlands in Amsterdam", "Rijks"),
    "partner": ("", "Wikimedia Nederland", "Wikimedia chapter in the Netherlands", "WMNL"),
    "partnership": ("Q1000000000100", "Rijksmuseum and Wikimedia Nederland", "GLAM partnership", ""),
    "contribution": ("", "Rijksmuseum uploads 2021", "images uploaded to Wikimedia Commons", ""),
}
_EXAMPLE_VALUES = {
    "country": "Q55",
    "located_in": "Q727",
    "coordinates": "52.36,4.885",
    "isil": "NL-AmRM",
    "website": "https://www.rijksmuseum.nl/",
    "inception": "1798",
    "dissolved": "",
    "image": "",
    "commons_category": "",
    "start_time": "2021-05",
    "end_time": "2022",
    "participant": "Q190804",
    "part_of": "Q1000000000100",
    "quantity": "1250",
    "point_in_time": "2021-11-30",
}


# Per-kind example values that differ from the ones above.
_EXAMPLE_KIND = {
    "partner": {
        "located_in": "Q803",
        "coordinates": "52.0907,5.1214",
        "website": "https://www.wikimedia.nl/",
        "inception": "2006",
    },
    "partnership": {"website": ""},
}


def columns(kind: str) -> list[str]:
    """The template's column names for ``kind``."""
    m = model()
    m.kind(kind)
    return [*TERM_COLUMNS, *(p.key for p in m.props_for_kind(kind))]


def example_row(kind: str) -> list[str]:
    m = model()
    k = m.kind(kind)
    terms = list(_EXAMPLE_TERMS.get(kind, ("", f"Example {k.label}", "", "")))
    vals = []
    for p in m.props_for_kind(kind):
        if p.key == k.class_property:
            vals.append(k.allowed_classes[0])
        else:
            vals.append(_EXAMPLE_KIND.get(kind, {}).get(p.key, _EXAMPLE_VALUES.get(p.key, "")))
    return terms + vals


def template_text(kind: str) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns(kind))
    w.writerow(example_row(kind))
    return buf.getvalue()


def write_templates(directory: Path = TEMPLATE_DIR) -> list[Path]:
    """Write ``<kind>.csv`` for every kind into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for kind in model().kinds:
        p = directory / f"{kind}.csv"
        outfile.write_text(p, template_text(kind), what=_("template"))
        out.append(p)
    return out
