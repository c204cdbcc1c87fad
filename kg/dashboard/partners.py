""" "Partners to call": institutions nobody works with yet, and who near them could.

For the institutions of a region or country (the dashboard's filtered view) that take part in no partnership at
all (in the whole store), one row each, ranked, with beside it:

- the Wikimedia affiliates (chapters, user groups, thematic organisations) nearest to it: those of its country
  first, then the others by great-circle distance (where both have coordinates);
- the Wikimedian-in-residence programmes nearest to it (located at their host institutions), the same way;
- the partnerships of similar institutions (same type, same country) as case studies to follow.

Ranking: institutions whose size is known (employees, P1128; else collection size, P1436) and large first would
drown the small ones, so the default is **size-aware**: the bands (small, medium, large, size unknown) take turns,
each band's best first, where "best" is having a Commons category and an ISIL (easier to start with), then size.
Plain pandas and numpy, no Streamlit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kg.dashboard.views import item_url
from kg.gaps import notes
from kg.gaps.tables import Dataset
from kg.i18n import N_
from kg.model.schema import model


def affiliate_classes() -> tuple[str, ...]:
    """The model's classes of Wikimedia affiliates (schemas/evidence.yaml, ``imports.affiliates``)."""
    from kg.model import evidence

    return tuple(a.model_class for a in evidence.rules().affiliate_classes)


RESIDENCY_CLASS = "wikimedian_in_residence_programme"
# Size bands by employees (EU staff-headcount bands: micro < 10, small < 50); collection size where staff is
# unknown: < 10,000 items small, < 1,000,000 medium.
SMALL, MEDIUM, LARGE, UNKNOWN_SIZE = N_("small"), N_("medium"), N_("large"), N_("size unknown")
BANDS = (SMALL, MEDIUM, LARGE, UNKNOWN_SIZE)
NEAREST = 3  # affiliates, residencies and case studies listed per institution
EARTH_KM = 6371.0088
# What a coordinator reads first comes first (the table is wider than a screen): who, where, who could help.
COLUMNS = [
    "rank",
    "label",
    "type",
    "country_name",
    "size_band",
    "nearest_affiliates",
    "nearest_residencies",
    "case_studies",
    "similar_partnered",
    "employees",
    "collection_size",
    "commons_category",
    "isil",
    "iso2",
    "item",
    "link",
]


def size_band(employees: pd.Series, collection: pd.Series) -> pd.Series:
    """small / medium / large from staff (else collection size), 'size unknown' where neither is known."""
    band = pd.Series(UNKNOWN_SIZE, index=employees.index, dtype=object)
    c = collection.astype(float)
    band[c.notna()] = np.where(c[c.notna()] < 10_000, SMALL, np.where(c[c.notna()] < 1_000_000, MEDIUM, LARGE))
    e = employees.astype(float)
    band[e.notna()] = np.where(e[e.notna()] < 10, SMALL, np.where(e[e.notna()] < 50, MEDIUM, LARGE))
    return band


def _distances(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distances (km), rows x columns; NaN where a coordinate is missing."""
    p1, p2 = np.radians(lat1)[:, None], np.radians(lat2)[None, :]
    dlat = p2 - p1
    dlon = np.radians(lon2)[None, :] - np.radians(lon1)[:, None]
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _nearest(cands: pd.DataFrame, places: pd.DataFrame, k: int = NEAREST) -> pd.Series:
    """For each candidate, up to ``k`` places (item, label, iso2, lat, lon): same country first (nearest first where
    distances are known), then other countries' places by distance; as 'Name (CC, 12 km)' joined by '; ' (notes:
    English here and in the CSV, the page's language on the page)."""
    if places.empty or cands.empty:
        return pd.Series([""] * len(cands), index=cands.index, dtype=object)
    d = _distances(
        cands["lat"].to_numpy(float),
        cands["lon"].to_numpy(float),
        places["lat"].to_numpy(float),
        places["lon"].to_numpy(float),
    )
    same = cands["iso2"].to_numpy(object)[:, None] == places["iso2"].to_numpy(object)[None, :]
    same &= (cands["iso2"].to_numpy(object) != "")[:, None]
    # same country first; within a group, by distance (unknown distances last among the same country, and
    # places of other countries only with a known distance)
    key = np.where(same, 0.0, 1e9) + np.where(np.isnan(d), 5e8, d)
    key = np.where(~same & np.isnan(d), np.inf, key)
    labels = places["label"].to_numpy(object)
    codes = places["iso2"].to_numpy(object)
    items = places["item"].to_numpy(object)
    out = []
    for i in range(len(cands)):
        order = np.argsort(key[i], kind="stable")[: 4 * k]
        shown: list[notes.Note] = []
        seen: set[object] = set()
        for j in order:
            if not np.isfinite(key[i, j]) or len(shown) == k:
                break
            if items[j] in seen:  # a programme with several hosts: its nearest host only
                continue
            seen.add(items[j])
            where = codes[j] or "?"
            shown.append(
                notes.note(N_("{name} ({code}, {km} km)"), name=labels[j], code=where, km=round(float(d[i, j])))
                if np.isfinite(d[i, j])
                else notes.note(N_("{name} ({code}, same country)"), name=labels[j], code=where)
            )
        out.append(notes.joined(shown))
    # notes (English here and in the CSV, the page's language on the page); object: pandas would make them str
    return pd.Series(out, index=cands.index, dtype=object)


def _text(label: object, fallback: object) -> str:
    """A label, or the id where there is none."""
    return label if isinstance(label, str) and label else str(fallback)


def affiliates(data: Dataset) -> pd.DataFrame:
    """The Wikimedia affiliates of the store: item, label, type, iso2, lat, lon."""
    m = model()
    kinds = {m.cls(k).label for k in affiliate_classes()}
    p = data.partners
    out = p[p["type"].isin(kinds)].copy()
    out["label"] = out["label"].fillna(out["item"])
    for col in ("iso2", "lat", "lon"):
        if col not in out.columns:
            out[col] = "" if col == "iso2" else np.nan
    return out[["item", "label", "type", "iso2", "lat", "lon"]].reset_index(drop=True)


def residencies(data: Dataset) -> pd.DataFrame:
    """Wikimedian-in-residence programmes, one row per host institution: item, label (programme at host),
    iso2, lat, lon."""
    label = model().cls(RESIDENCY_CLASS).label
    ps = data.partnerships[data.partnerships["type"] == label]
    hosts = data.links[data.links["partnership"].isin(ps["item"])]
    inst = data.institutions.set_index("item")
    hosts = hosts[hosts["institution"].isin(inst.index)]
    names = ps.set_index("item")["label"]
    host_names = inst["label"]
    rows = pd.DataFrame(
        {
            "item": hosts["partnership"].to_numpy(),
            "label": pd.Series([
                notes.note(N_("{programme} at {host}"), programme=_text(names.get(p), p),
                           host=_text(host_names.get(i), i))
                for p, i in zip(hosts["partnership"], hosts["institution"], strict=True)
            ], dtype=object),
            "iso2": inst.loc[hosts["institution"], "iso2"].to_numpy(),
            "lat": inst.loc[hosts["institution"], "lat"].to_numpy(),
            "lon": inst.loc[hosts["institution"], "lon"].to_numpy(),
        }
    )
    return rows.reset_index(drop=True)


def _case_studies(data: Dataset, cands: pd.DataFrame) -> tuple[list[str], list[int]]:
    """Per candidate: up to NEAREST partnerships of institutions of the same type and country (newest first),
    and how many such institutions have a partnership."""
    inst = data.institutions[["item", "label", "type", "iso2"]]
    lk = data.links.merge(inst, left_on="institution", right_on="item")
    ps = data.partnerships.set_index("item")
    lk["start_year"] = lk["partnership"].map(ps["start_year"])
    lk["plabel"] = lk["partnership"].map(ps["label"])
    lk = lk.sort_values(["start_year", "partnership"], ascending=[False, True], na_position="last")
    groups = {key: g for key, g in lk.groupby(["type", "iso2"], sort=False)}
    texts, counts = [], []
    for t, c in zip(cands["type"], cands["iso2"], strict=True):
        g = groups.get((t, c))
        if g is None or not c:
            texts.append("")
            counts.append(0)
            continue
        firsts = g.drop_duplicates("partnership").head(NEAREST)
        texts.append(
            "; ".join(
                f"{_text(pl, p)} ({'' if pd.isna(y) else int(y)}, {_text(il, i)})"
                for p, pl, y, il, i in zip(
                    firsts["partnership"],
                    firsts["plabel"],
                    firsts["start_year"],
                    firsts["label"],
                    firsts["institution"],
                    strict=True,
                )
            )
        )
        counts.append(int(g["institution"].nunique()))
    return texts, counts


def _ranked(c: pd.DataFrame, size_aware: bool) -> pd.DataFrame:
    c = c.assign(
        _ready=c["commons_category"].notna().astype(int) + c["isil"].notna().astype(int),
        _size=c["employees"].fillna(c["collection_size"] / 1000.0).fillna(-1.0),
        _label=c["label"].fillna("").astype(str),
    )
    c = c.sort_values(["_ready", "_size", "_label", "item"], ascending=[False, False, True, True], kind="stable")
    if size_aware:  # the bands take turns: each band's first, then each band's second, ...
        c = c.assign(
            _turn=c.groupby("size_band", sort=False).cumcount(),
            _band=c["size_band"].map({b: i for i, b in enumerate(BANDS)}),
        )
        c = c.sort_values(["_turn", "_band"], kind="stable")
    return c.drop(columns=[col for col in c.columns if col.startswith("_")])


def partners_to_call(
    data: Dataset,
    view: Dataset,
    *,
    country: str = "",
    size_aware: bool = True,
    bands: tuple[str, ...] = (),
    limit: int = 100,
) -> tuple[pd.DataFrame, int]:
    """The ranked table (:data:`COLUMNS`, at most ``limit`` rows) of the view's institutions (of ``country``
    when given) that take part in no partnership in the whole store ``data``; and how many there are in all
    (before ``bands`` and ``limit``)."""
    inst = view.institutions
    if country:
        inst = inst[inst["iso2"] == country]
    c = inst[~inst["item"].isin(data.links["institution"])].copy()
    for col in ("commons_category", "employees", "collection_size"):
        if col not in c.columns:
            c[col] = np.nan
    total = len(c)
    c["size_band"] = size_band(c["employees"], c["collection_size"])
    if bands:
        c = c[c["size_band"].isin(bands)]
    c = _ranked(c, size_aware).head(limit).reset_index(drop=True)
    c["rank"] = np.arange(1, len(c) + 1)
    c["nearest_affiliates"] = _nearest(c, affiliates(data))
    c["nearest_residencies"] = _nearest(c, residencies(data))
    c["case_studies"], c["similar_partnered"] = _case_studies(data, c)
    c["link"] = [item_url(q) for q in c["item"]]
    c["similar_partnered"] = c["similar_partnered"].astype("int64")
    return c[COLUMNS], total


def band_counts(data: Dataset, view: Dataset, country: str = "") -> pd.DataFrame:
    """Unpartnered and all institutions per size band (the size-aware view's summary): size_band,
    institutions, unpartnered, unpartnered_pct."""
    inst = view.institutions if not country else view.institutions[view.institutions["iso2"] == country]
    emp = inst["employees"] if "employees" in inst.columns else pd.Series(np.nan, index=inst.index)
    col = inst["collection_size"] if "collection_size" in inst.columns else pd.Series(np.nan, index=inst.index)
    df = pd.DataFrame(
        {
            "size_band": size_band(emp, col).to_numpy(),
            "unpartnered": (~inst["item"].isin(data.links["institution"])).to_numpy(),
        }
    )
    out = df.groupby("size_band").agg(institutions=("unpartnered", "size"), unpartnered=("unpartnered", "sum"))
    out = out.reindex([b for b in BANDS if b in out.index]).reset_index()
    out["unpartnered"] = out["unpartnered"].astype("int64")
    out["unpartnered_pct"] = (100.0 * out["unpartnered"] / out["institutions"]).round(1)
    return out
