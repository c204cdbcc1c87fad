"""A saved SPARQL result file (WDQS "Download" as JSON or CSV) -> items in the store.

The file is read by :mod:`kg.query.results` (so its typing is the same as every query result's) and mapped to
the model by column name (the convention of docs/import.md):

=====================================  ===================================================================
column                                 becomes
=====================================  ===================================================================
``item`` (or ``--item-column``)        the item's id (entity IRI or id); rows of one item are merged
``itemLabel`` (+ ``itemLabel_lang``)   label (language from the JSON tag, else ``language``)
``itemDescription``                    description; ``itemAltLabel``: aliases (comma-separated, as the
                                       WDQS label service writes them)
a model property key or its id         a statement of that property (``country`` or ``P17``,
(``country``, ``P17``, ``isil``, ...)  ``coordinates``, ``isil``, ``website``, ``inception``, ...)
``coord``, ``location`` with points,   coordinates (P625): any column holding ``Point(lon lat)`` values,
any WKT column                         split by kg.query.results into ``<col>_lon`` / ``<col>_lat``
``class``, ``type``                    instance of (P31)
``<col>Precision``                     the precision of a date or coordinate column (Wikibase numbers)
anything else                          ignored, and listed in the report
=====================================  ===================================================================

Dates: a result file carries no precision; without ``<col>Precision`` a date on 1 January is taken as
year-precise (how WDQS writes year-precise dates) and any other date as day-precise.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from kg.errors import InputError, read_text
from kg.i18n import _
from kg.model import ids
from kg.model.entities import Claim, Record, to_json
from kg.model.schema import model
from kg.model.values import Coordinate, ItemRef, Time
from kg.query import results
from kg.wikidata.importer import ImportReport, Writer, check_day, reference, source_item, write_merged

#: Column names that stand for a model property without being its key or id.
RESULT_COLUMNS: dict[str, str] = {
    "coord": "coordinates",
    "coords": "coordinates",
    "class": "instance_of",
    "type": "instance_of",
}


def read_result_file(path: str | Path) -> pd.DataFrame:
    """SPARQL JSON (``.json``, ``.srj``) or CSV (``.csv``) results -> DataFrame (ids shortened)."""
    p = Path(path)
    if p.suffix.lower() not in (".json", ".srj", ".csv"):
        raise InputError(_("{path}: expected a SPARQL result file ending in .json, .srj or .csv, found {found}").format(
            path=p, found=repr(p.suffix)))
    text = read_text(p, "a SPARQL result file")
    if p.suffix.lower() == ".csv":
        try:
            return results.from_csv(text)
        except InputError as e:
            raise InputError(f"{p}: {e}") from None
    try:
        doc = json.loads(text)
    except RecursionError:
        raise InputError(
            _("{path}: JSON nested deeper than can be read; expected SPARQL JSON results").format(path=p)) from None
    except json.JSONDecodeError as e:
        raise InputError(
            _("{path}: not valid JSON at line {line}, column {column}: {error}; expected SPARQL JSON results").format(
                path=p, line=e.lineno, column=e.colno, error=e.msg)
        ) from None
    try:
        return results.to_dataframe(doc)
    except InputError as e:
        raise InputError(f"{p}: {e}") from None


def _missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, float) and math.isnan(v)


def _entity_id(v: Any, entity_base: str | None) -> str | None:
    text = str(v).strip()
    if ids.is_id(text, kinds="Q"):
        return text
    if entity_base and text.startswith(entity_base) and ids.is_id(text[len(entity_base) :], kinds="Q"):
        return text[len(entity_base) :]
    return ids.try_id_from_iri(text)


def _column_prop(col: str, frame: pd.DataFrame) -> str | None:
    """The model property key a column stands for (None: not a property column)."""
    m = model()
    if f"{col}_lon" in frame.columns and f"{col}_lat" in frame.columns:
        return "coordinates"
    key = RESULT_COLUMNS.get(col, col)
    if key in m.properties:
        return key
    if ids.is_id(col, kinds="P") and m.prop_by_id(col) is not None:
        return m.prop_by_id(col).key  # type: ignore[union-attr]
    return None


def _time(v: Any, precision: Any) -> Time:
    if isinstance(v, pd.Timestamp | _dt.datetime):
        date = v.date() if isinstance(v, _dt.datetime) else v.to_pydatetime().date()
        text = date.isoformat()
        jan1 = date.month == 1 and date.day == 1
    else:
        text = str(v).strip()[:10]
        jan1 = text[5:10] == "01-01"
    if _missing(precision):
        precision = 9 if jan1 else 11
    return Time(text, precision=int(precision))


def records_from_frame(
    frame: pd.DataFrame,
    *,
    item_column: str = "item",
    language: str = "en",
    kind: str = "institution",
    stated_in: str | None = None,
    retrieved: str,
    entity_base: str | None = None,
    where: str = "results",
) -> tuple[list[Record], ImportReport]:
    """Records (one per item) from a result DataFrame by the column convention; the report lists what was
    ignored (columns) or skipped (values, by entity and column)."""
    report = ImportReport()
    if item_column not in frame.columns:
        raise InputError(
            _("{where}: expected a column {column} holding the items (entity IRIs or ids), found columns {found} "
              "(hint: --item-column NAME)").format(
                where=where, column=repr(item_column), found=", ".join(frame.columns))
        )
    source = ids.item_id(stated_in) if stated_in else source_item()
    ref = reference(source, retrieved)
    label_col, desc_col, alt_col = (f"{item_column}{s}" for s in ("Label", "Description", "AltLabel"))
    helper_suffixes = ("_lon", "_lat", "_lang", "Precision")
    props: dict[str, str] = {}
    for col in frame.columns:
        if col in (item_column, label_col, desc_col, alt_col) or col.endswith(helper_suffixes):
            continue
        key = _column_prop(col, frame)
        if key is None:
            report.ignored_columns.append(col)
        else:
            props[col] = key
    records: dict[str, Record] = {}
    seen: dict[str, set[tuple[str, Any]]] = {}
    rows: list[dict[str, Any]] = [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]
    for n, row in enumerate(rows, start=1):
        raw = row.get(item_column)
        if _missing(raw):
            continue
        qid = _entity_id(raw, entity_base)
        if qid is None:
            raise InputError(
                _("{where}: row {row}, column {column}: expected an entity IRI or id like Q42, found {found}").format(
                    where=where, row=n, column=repr(item_column), found=repr(raw))
            )
        rec = records.setdefault(qid, Record(qid, kind))
        got = seen.setdefault(qid, set())

        def lang_of(col: str, row: dict[str, Any] = row) -> str:
            tag = row.get(f"{col}_lang")
            return language if _missing(tag) else str(tag)

        if label_col in row and not _missing(row[label_col]) and str(row[label_col]) != qid:
            rec.labels.setdefault(lang_of(label_col), str(row[label_col]))
        if desc_col in row and not _missing(row[desc_col]):
            rec.descriptions.setdefault(lang_of(desc_col), str(row[desc_col]))
        if alt_col in row and not _missing(row[alt_col]):
            aliases = rec.aliases.setdefault(lang_of(alt_col), [])
            for a in str(row[alt_col]).split(", "):
                if a.strip() and a.strip() not in aliases:
                    aliases.append(a.strip())
        for col, key in props.items():
            v = row.get(col)
            if _missing(v):
                continue
            prop = model().prop(key)
            try:
                value: Any
                if prop.datatype == "globe-coordinate":
                    lat, lon = row.get(f"{col}_lat"), row.get(f"{col}_lon")
                    if lat is None or lon is None or _missing(lat) or _missing(lon):
                        raise InputError(
                            _("expected a point like Point(5.08 51.56), found {found}").format(found=repr(v)))
                    prec: Any = row.get(f"{col}Precision")
                    value = Coordinate(float(lat), float(lon), precision=None if _missing(prec) else float(prec))
                elif prop.datatype == "wikibase-item":
                    target = _entity_id(v, entity_base)
                    if target is None:
                        raise InputError(_("expected an item IRI or id, found {found}").format(found=repr(v)))
                    value = ItemRef(target)
                elif prop.datatype == "time":
                    value = _time(v, row.get(f"{col}Precision"))
                else:
                    value = str(v)
            except InputError as e:
                report.skipped.append((qid, prop.id, _("row {row}, column {column}: {error}").format(
                    row=n, column=repr(col), error=e)))
                continue
            if (key, value) in got:
                continue
            got.add((key, value))
            rec.claims.append(Claim(key, value, references=[ref]))
    return list(records.values()), report


def import_results(
    store: Writer,
    path: str | Path,
    *,
    item_column: str = "item",
    language: str = "en",
    kind: str = "institution",
    stated_in: str | None = None,
    retrieved: str | None = None,
    entity_base: str | None = None,
    replace_others: bool = False,
) -> ImportReport:
    """Read a result file, map it by the column convention and write the items in one transaction.

    ``retrieved`` defaults to the file's modification date (when the result was saved).
    """
    p = Path(path)
    frame = read_result_file(p)
    if retrieved is None:
        retrieved = _dt.datetime.fromtimestamp(p.stat().st_mtime, _dt.UTC).date().isoformat()
    check_day(retrieved)
    records, report = records_from_frame(
        frame,
        item_column=item_column,
        language=language,
        kind=kind,
        stated_in=stated_in,
        retrieved=retrieved,
        entity_base=entity_base,
        where=str(p),
    )
    entities = [to_json(r) for r in records]
    write_merged(store, entities, report, replace_others=replace_others)
    return report
