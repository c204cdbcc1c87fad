"""Countries and the regions they are grouped into.

Every country glamkg knows is one row of ``schemas/countries.csv``: its Wikidata item, its ISO 3166-1 codes,
its UN M49 region, sub-region and intermediate region, and its continent (see the header of that file for
where each column comes from). A *grouping* maps each ISO alpha-2 code to one group name; the built-in
levels are the columns of that table, and users add their own as small YAML or CSV files::

    >>> from kg import regions
    >>> regions.resolve("Q55"), regions.resolve("NAM"), regions.resolve("516")
    ('NL', 'NA', 'NA')
    >>> regions.grouping("subregion").group_of("NA")
    'Sub-Saharan Africa'

Namibia's code is ``NA``: every CSV here is read with ``keep_default_na=False`` so it is never taken for a
missing value, and YAML groupings are read with a loader that keeps every scalar as text (``NA``, ``NO``).
"""

from __future__ import annotations

import csv
import functools
import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from kg.errors import InputError
from kg.i18n import _, ngettext
from kg.model import ids
from kg.model.schema import SAFE_LOADER, SCHEMA_DIR

if TYPE_CHECKING:  # pandas where a DataFrame is returned: a query's country parameter is read without it
    import pandas as pd

COUNTRIES_CSV = SCHEMA_DIR / "countries.csv"
COUNTRY_COLUMNS = [
    "qid",
    "iso2",
    "iso3",
    "iso_numeric",
    "m49",
    "name",
    "region",
    "subregion",
    "intermediate_region",
    "continent",
    "qid_aliases",
    "note",
]
# Built-in grouping levels, finest first. ``country`` groups each country on its own.
LEVELS = ("country", "intermediate_region", "subregion", "region", "continent")
OTHER = "Other"


def read_csv_text(source: str | Path | io.StringIO, **kwargs: Any) -> pd.DataFrame:
    """A CSV read as text, with nothing turned into NaN (``NA`` stays Namibia) and ``#`` comment lines skipped."""
    import pandas as pd

    kwargs.setdefault("comment", "#")
    try:
        return pd.read_csv(source, dtype=str, keep_default_na=False, na_filter=False, **kwargs)
    except FileNotFoundError:
        raise
    except UnicodeDecodeError as e:
        raise InputError(_("{file}: expected UTF-8 text, found byte {byte} at offset {offset}; save the file as "
                           "UTF-8 CSV").format(file=source, byte=f"{e.object[e.start]:#04x}", offset=e.start)) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise InputError(_("{file}: not a readable CSV ({reason}); expected a header line and one row per country")
                         .format(file=source, reason=str(e).strip())) from None
    except OSError as e:
        raise InputError(_("{file}: cannot read it ({reason})").format(file=source, reason=e.strerror or e)) from None


@functools.lru_cache(maxsize=4)
def _records(path: Path) -> tuple[dict[str, str], ...]:
    """The country table's rows (every column text, ``""`` where empty), read with the csv module: what
    ``read_csv_text`` gives for this file (its ``#`` lines are whole-line comments), checked, without pandas."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(_("{file}: country table not found; it ships with glamkg in schemas/").format(
            file=path)) from None
    except UnicodeDecodeError as e:
        raise InputError(_("{file}: expected UTF-8 text, found byte {byte} at offset {offset}; save the file as "
                           "UTF-8 CSV").format(file=path, byte=f"{e.object[e.start]:#04x}", offset=e.start)) from None
    except OSError as e:
        raise InputError(_("{file}: cannot read it ({reason})").format(file=path, reason=e.strerror or e)) from None
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        raise InputError(_("{file}: not a readable CSV (no header); expected a header line and one row per country")
                         .format(file=path))
    missing = [c for c in COUNTRY_COLUMNS if c not in header]
    if missing:
        raise InputError(_("{file}: expected columns {expected}; missing {missing}").format(
            file=path, expected=", ".join(COUNTRY_COLUMNS), missing=", ".join(missing)))
    rows = []
    for i, cells in enumerate(reader, start=2):
        if len(cells) != len(header):
            raise InputError(ngettext(
                "{file}: not a readable CSV (row {row}: expected {n} field, found {found}); expected a header line "
                "and one row per country",
                "{file}: not a readable CSV (row {row}: expected {n} fields, found {found}); expected a header line "
                "and one row per country", len(header)).format(file=path, row=i, n=len(header), found=len(cells)))
        row = dict(zip(header, cells, strict=True))
        rows.append({c: row[c] for c in COUNTRY_COLUMNS})
    for col in ("qid", "iso2", "iso3"):
        seen: set[str] = set()
        dup: list[str] = []
        for r in rows:
            (dup.append if r[col] in seen else seen.add)(r[col])
        if dup:
            raise InputError(_("{file}: column {column} must be unique, found {values} twice").format(
                file=path, column=repr(col), values=", ".join(dup)))
    for i, r in enumerate(rows, start=2):
        if not ids.is_id(r["qid"], kinds="Q"):
            raise InputError(_("{file}: row {row}, column 'qid': expected a Wikidata item id like Q55, found {found}")
                             .format(file=path, row=i, found=repr(r["qid"])))
    return tuple(rows)


def country_records() -> tuple[dict[str, str], ...]:
    """The shipped country table as rows of text (no pandas): see :func:`countries`."""
    return _records(COUNTRIES_CSV)


def _countries(path: Path) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(list(_records(path)), columns=COUNTRY_COLUMNS)


def countries(path: Path | None = None) -> pd.DataFrame:
    """The country table (a copy): one row per country, all columns text, ``""`` where empty."""
    return _countries(path or COUNTRIES_CSV).copy()


@functools.lru_cache(maxsize=1)
def _lookup() -> dict[str, str]:
    """Every accepted spelling (upper case) -> ISO alpha-2."""
    out: dict[str, str] = {}
    for r in _records(COUNTRIES_CSV):
        keys = [r["qid"], r["iso2"], r["iso3"], r["name"]]
        keys += [r["iso_numeric"], r["iso_numeric"].lstrip("0")] if r["iso_numeric"] else []
        keys += r["qid_aliases"].split()
        for k in keys:
            out.setdefault(k.upper(), r["iso2"])
    return out


def resolve(value: object, *, strict: bool = False) -> str | None:
    """ISO alpha-2 for a QID (or entity IRI, or an alias such as Q29999), alpha-2, alpha-3, numeric or name.

    Unknown values give None, or an InputError when ``strict``.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        if strict:
            raise InputError(_("expected a country (QID, ISO code or name), found an empty value"))
        return None
    text = str(value).strip()
    if text.startswith("http"):
        text = ids.try_id_from_iri(text) or text
    found = _lookup().get(text.upper())
    if found is None and strict:
        raise InputError(
            _("expected a country as a Wikidata QID (Q55), ISO 3166-1 code (NL, NLD, 528) or English name, "
              "found {found}; see schemas/countries.csv").format(found=repr(text))
        )
    return found


def iso2_for_qids(qids: Iterable[str]) -> dict[str, str | None]:
    """QID or entity IRI -> ISO alpha-2 (None when the item is not a country glamkg knows)."""
    return {q: resolve(q) for q in qids}


# --- groupings ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grouping:
    """A map ISO alpha-2 -> group name covering every country (unlisted countries are in ``other``)."""

    name: str
    label: str
    groups: Mapping[str, str]
    other: str = OTHER
    source: str = ""
    order: tuple[str, ...] = field(default=())

    def group_of(self, iso2: str) -> str:
        return self.groups.get(iso2, self.other)

    def table(self) -> pd.DataFrame:
        """Tidy (iso2, group) for every country in the country table."""
        import pandas as pd

        codes = [r["iso2"] for r in _records(COUNTRIES_CSV)]
        return pd.DataFrame({"iso2": codes, "group": [self.group_of(c) for c in codes]})

    def names(self) -> list[str]:
        """Group names in a stable order (the file's order for user groupings, else sorted)."""
        seen = list(self.order) or sorted(set(self.groups.values()))
        if any(r["iso2"] not in self.groups for r in _records(COUNTRIES_CSV)) and self.other not in seen:
            seen.append(self.other)
        return seen


def _builtin(level: str) -> Grouping:
    rows = _records(COUNTRIES_CSV)
    if level == "country":
        groups = {r["iso2"]: r["iso2"] for r in rows}
        label = "Country (ISO 3166-1 alpha-2)"
    elif level == "intermediate_region":
        # M49 practice: where a sub-region has no intermediate regions, the sub-region stands in.
        groups = {r["iso2"]: r["intermediate_region"] or r["subregion"] for r in rows}
        label = "UN M49 intermediate region (sub-region where none)"
    else:
        groups = {r["iso2"]: r[level] for r in rows}
        label = {"subregion": "UN M49 sub-region", "region": "UN M49 region", "continent": "Continent (GeoNames)"}[
            level
        ]
    return Grouping(name=level, label=label, groups=groups, source=str(COUNTRIES_CSV))


class _TextLoader(SAFE_LOADER):  # libyaml's when there
    """SafeLoader that keeps every plain scalar as text: ``NA``/``NO``/``ON``/``1e3`` stay strings."""


_TextLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag == "tag:yaml.org,2002:merge"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _check_code(code: object, where: str) -> str:
    text = str(code).strip().upper()
    iso2 = resolve(text)
    if iso2 is None:
        raise InputError(
            _("{where}: expected an ISO 3166-1 alpha-2 code (or alpha-3, QID, name) of a country in "
              "schemas/countries.csv, found {found}").format(where=where, found=repr(code))
        )
    return iso2


def _from_pairs(
    pairs: Iterable[tuple[str, object, str]], *, name: str, label: str, other: str, source: str
) -> Grouping:
    groups: dict[str, str] = {}
    order: list[str] = []
    for group, code, where in pairs:
        iso2 = _check_code(code, where)
        if iso2 in groups and groups[iso2] != group:
            raise InputError(
                _("{where}: country {country} is already in group {group}; a grouping puts each country in one "
                  "group (hint: make a second grouping file for overlapping groups)").format(
                    where=where, country=iso2, group=repr(groups[iso2]))
            )
        groups[iso2] = group
        if group not in order:
            order.append(group)
    if not groups:
        raise InputError(_("{file}: expected at least one group with country codes, found none").format(file=source))
    return Grouping(name=name, label=label, groups=groups, other=other, source=source, order=tuple(order))


def load_grouping(path: str | Path) -> Grouping:
    """A user grouping from YAML (``groups: {name: [codes]}``, or just that mapping) or CSV (group, country)."""
    p = Path(path)
    if not p.exists():
        raise InputError(_("{file}: grouping file not found (expected a .yaml/.yml or .csv file of group -> ISO "
                           "codes)").format(file=p))
    stem = p.stem.removeprefix("regions-")
    if p.suffix.lower() in (".yaml", ".yml"):
        try:
            raw = yaml.load(p.read_text(encoding="utf-8"), Loader=_TextLoader)
        except yaml.YAMLError as e:
            raise InputError(_("{file}: not valid YAML: {reason}").format(file=p, reason=e)) from None
        if not isinstance(raw, dict):
            raise InputError(
                _("{file}: expected a mapping with `groups: {{name: [ISO codes]}}`, found {found}").format(
                    file=p, found=type(raw).__name__)
            )
        groups_raw = raw.get("groups", raw)
        if not isinstance(groups_raw, dict):
            raise InputError(_("{file}: `groups` must map group names to lists of ISO codes").format(file=p))
        pairs = []
        for g, codes in groups_raw.items():
            if g in ("name", "label", "other") and "groups" not in raw:
                continue
            if isinstance(codes, str):
                codes = codes.replace(",", " ").split()
            if not isinstance(codes, list):
                raise InputError(_("{file}: group {group}: expected a list of ISO codes, found {found}").format(
                    file=p, group=repr(g), found=repr(codes)))
            where = _("{file}: group {group}").format(file=p, group=repr(g))
            pairs += [(str(g), c, where) for c in codes]
        return _from_pairs(
            pairs,
            name=str(raw.get("name", stem)) if "groups" in raw else stem,
            label=str(raw.get("label", stem)) if "groups" in raw else stem,
            other=str(raw.get("other", OTHER)) if "groups" in raw else OTHER,
            source=str(p),
        )
    if p.suffix.lower() in (".csv", ".tsv"):
        df = read_csv_text(p, sep="\t" if p.suffix.lower() == ".tsv" else ",")
        cols = {c.strip().lower(): c for c in df.columns}
        gcol = cols.get("group") or cols.get("region")
        ccol = cols.get("iso2") or cols.get("country") or cols.get("code")
        if not gcol or not ccol:
            raise InputError(_("{file}: expected columns 'group' and 'iso2' (or 'country'), found {found}").format(
                file=p, found=", ".join(df.columns)))
        pairs = []
        for i, (g, c) in enumerate(zip(df[gcol], df[ccol], strict=True), start=2):
            if not str(c).strip() and not str(g).strip():
                continue  # an empty line
            if not str(c).strip():
                raise InputError(
                    _("{file}: row {row}, column {column}: expected the ISO code of a country of group {group}, "
                      "found an empty cell (hint: fill it in or delete the row)").format(
                        file=p, row=i, column=repr(ccol), group=repr(str(g).strip()))
                )
            pairs.append((str(g).strip(), c, _("{file}: row {row}, column {column}").format(
                file=p, row=i, column=repr(ccol))))
        return _from_pairs(pairs, name=stem, label=stem, other=OTHER, source=str(p))
    raise InputError(_("{file}: expected a .yaml, .yml, .csv or .tsv grouping file, found suffix {found}").format(
        file=p, found=repr(p.suffix)))


def available_groupings() -> list[str]:
    """Built-in levels plus the groupings shipped as ``schemas/regions-<name>.yaml``."""
    shipped = sorted(p.stem.removeprefix("regions-") for p in SCHEMA_DIR.glob("regions-*.y*ml"))
    return [*LEVELS, *shipped]


def grouping(by: str | Path | Grouping = "region") -> Grouping:
    """A built-in level, a shipped grouping name (``wikimedia``) or a path to a grouping file."""
    if isinstance(by, Grouping):
        return by
    text = str(by)
    if text in LEVELS:
        return _builtin(text)
    for suffix in (".yaml", ".yml"):
        shipped = SCHEMA_DIR / f"regions-{text}{suffix}"
        if shipped.exists():
            return load_grouping(shipped)
    if Path(text).suffix:
        return load_grouping(text)
    raise InputError(
        _("expected a grouping: one of {choices} or a path to a .yaml/.csv file, found {found}").format(
            choices=", ".join(available_groupings()), found=repr(text))
    )
