"""Item labels in a chosen language, with the fallback of WDQS's label service: the language, then English,
then any label the item has, then its id.

:func:`read` reads every ``rdfs:label`` in the store once (item, lang, label); :func:`best` picks one label an
item; :func:`relabel` puts them into one of :class:`kg.gaps.tables.Dataset`'s frames, with country names from
the CLDR locale data (Babel) in the same language. The query is a constant: no language or user text enters it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from kg.gaps.notes import country_names
from kg.gaps.tables import _select, _short

LABELS = ("SELECT ?item ?label (LANG(?label) AS ?lang) "
          "WHERE { ?item <http://www.w3.org/2000/01/rdf-schema#label> ?label }")
#: After the chosen language: English, then Wikidata's "mul" (one label for every language).
FALLBACK = ("en", "mul")


def read(store: Any) -> pd.DataFrame:
    """Every label in the store: item (id), lang, label."""
    df = _select(store, LABELS, ["item", "label", "lang"])
    df["item"] = _short(df["item"])
    return df[["item", "lang", "label"]]


def best(labels: pd.DataFrame, lang: str) -> pd.Series:
    """item -> its label in ``lang``, else English, else ``mul``, else its first label by language code."""
    order = {code: i for i, code in enumerate(dict.fromkeys((lang, *FALLBACK)))}
    ranked = labels.assign(rank=labels["lang"].map(order).fillna(len(order)))
    ranked = ranked.sort_values(["rank", "lang"], kind="stable").drop_duplicates("item")
    return ranked.set_index("item")["label"]


def relabel(frame: pd.DataFrame, labels: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A copy of ``frame`` (with ``item`` and ``label`` columns) labelled in ``lang`` with the fallback, and its
    ``country_name`` (when it has one, by ``iso2``) in ``lang``."""
    if frame.empty or "item" not in frame.columns or "label" not in frame.columns:
        return frame
    out = frame.copy()
    chosen = best(labels, lang)
    new = out["item"].map(chosen)
    out["label"] = new.where(new.notna(), out["label"]).where(lambda s: s.notna(), out["item"])
    if "country_name" in out.columns and "iso2" in out.columns:
        names = country_names(lang)
        if names:
            out["country_name"] = out["iso2"].map(names).where(lambda s: s.notna(), out["country_name"])
    return out
