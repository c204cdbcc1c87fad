"""Contribution impact measures and the impact tools' export formats, read once from ``schemas/impact.yaml``.

A measure is a quantity (P1114) statement of an impact contribution whose unit is the measure's item, with a
point in time (P585) qualifier (docs/metrics.md, "Impact measures")::

    >>> m = measures()
    >>> m.measure("files_used").label
    'distinct files used'
    >>> m.by_item[m.measure("usage_share").item].key
    'usage_share'
    >>> m.measure("usage_share").ratio
    ('files_used', 'files_available', 100)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kg.i18n import _
from kg.model import ids
from kg.model.schema import SAFE_LOADER, SCHEMA_DIR, SchemaError, model

ROW_FIELDS = ("date", "institution", "category", "category_url", "source_url", "country")


@dataclass(frozen=True)
class Measure:
    key: str
    item: str
    label: str
    definition: str
    aggregate: str  # "sum" or "ratio"
    ratio: tuple[str, str, float] | None  # (numerator measure, denominator measure, scale) for ratio measures
    checked: str


@dataclass(frozen=True)
class ExportFormat:
    key: str
    title: str
    documented: str
    delimiter: str
    numbers: str  # "nl" (1.325.265 and 12,5) or "plain" (1325265 and 12.5)
    date_format: str
    date_precision: str  # day or month
    columns: dict[str, str]  # column (case-folded) -> measure key or row field
    required: tuple[str, ...]
    header: tuple[str, ...] = ()
    fallback: dict[str, str] | None = None


@dataclass(frozen=True)
class Measures:
    measures: dict[str, Measure]
    formats: dict[str, ExportFormat]
    contribution_class: str
    partnership_class: str
    match_properties: dict[str, str]
    by_item: dict[str, Measure]

    def measure(self, key: str) -> Measure:
        try:
            return self.measures[key]
        except KeyError:
            raise KeyError(f"unknown measure {key!r}; known: {', '.join(self.measures)}") from None

    def keys(self) -> list[str]:
        return list(self.measures)


def _load(path: Path) -> Measures:
    raw: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    out: dict[str, Measure] = {}
    for key, m in raw["measures"].items():
        if not ids.is_id(str(m["item"]), kinds="Q"):
            raise SchemaError(_("{file}: measure {key}: item {found} is not an item id").format(
                file=path, key=key, found=repr(m["item"])))
        agg = m.get("aggregate", "sum")
        ratio = None
        if isinstance(agg, dict):
            num, den = agg["ratio"]
            ratio = (str(num), str(den), float(agg.get("scale", 1)))
            agg = "ratio"
        elif agg != "sum":
            raise SchemaError(_("{file}: measure {key}: aggregate must be sum or {{ratio: [a, b]}}, found {found}")
                              .format(file=path, key=key, found=repr(agg)))
        out[key] = Measure(
            key, str(m["item"]), str(m["label"]), str(m["definition"]), agg, ratio, str(m.get("checked", "local"))
        )
    for m in out.values():
        if m.ratio and not {m.ratio[0], m.ratio[1]} <= set(out):
            raise SchemaError(_("{file}: measure {key}: ratio of unknown measures {found}").format(
                file=path, key=m.key, found=m.ratio[:2]))
    formats = {}
    for key, f in raw["formats"].items():
        columns = {str(c).casefold(): str(v) for c, v in f["columns"].items()}
        for c, v in columns.items():
            if v not in out and v not in ROW_FIELDS:
                raise SchemaError(_("{file}: format {key}: column {column} maps to unknown {found}").format(
                    file=path, key=key, column=repr(c), found=repr(v)))
        formats[key] = ExportFormat(
            key=key,
            title=str(f["title"]),
            documented=str(f["documented"]),
            delimiter=str(f["delimiter"]),
            numbers=str(f["numbers"]),
            date_format=str(f["date_format"]),
            date_precision=str(f["date_precision"]),
            columns=columns,
            required=tuple(str(c).casefold() for c in f.get("required", [])),
            header=tuple(str(c) for c in f.get("header", [])),
            fallback={str(k).casefold(): str(v).casefold() for k, v in (f.get("fallback") or {}).items()} or None,
        )
    m = model()
    for k in ("contribution_class", "partnership_class"):
        m.cls(raw[k])  # a class key of the model, or a KeyError naming the known ones
    return Measures(
        measures=out,
        formats=formats,
        contribution_class=str(raw["contribution_class"]),
        partnership_class=str(raw["partnership_class"]),
        match_properties={str(k): str(v) for k, v in raw["match_properties"].items()},
        by_item={m.item: m for m in out.values()},
    )


@functools.cache
def measures(path: Path | None = None) -> Measures:
    """The measures and formats, loaded once per process."""
    return _load(path or SCHEMA_DIR / "impact.yaml")
