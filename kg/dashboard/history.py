"""The dated history on the gap and trend pages: "change since" an earlier snapshot, and a series over
snapshots (``glamkg snapshot`` writes them, :mod:`kg.gaps.history` keeps them next to the store).

Snapshots hold the whole store's metrics (no sidebar filters), per region scheme, group, baseline and measure.
The pure parts (:func:`change_table`, :func:`series`) take the history's rows; :func:`change_section` and
:func:`series_section` draw them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from kg.dashboard import ui, views
from kg.gaps import history
from kg.gaps import snapshot as gsnap
from kg.gaps.tables import Dataset
from kg.i18n import N_, _

NOW = 0  # the "to" choice that means the store as it is now (snapshot ids start at 1)
CHANGE_MEASURES = ("institutions", "partnered_institutions", "coverage", "partnerships", "contributions")
#: The snapshot measures' names on the page (kg.gaps.snapshot.MEASURES).
MEASURE_NAMES = {"institutions": N_("institutions"), "partnered_institutions": N_("partnered institutions"),
                 "coverage": N_("coverage"), "coverage_low": N_("coverage low"), "coverage_high": N_("coverage high"),
                 "partnerships": N_("partnerships"), "contributions": N_("contributions"),
                 "baseline": N_("baseline"), "baseline_share": N_("share of the baseline"),
                 "partnership_share": N_("share of partnerships"), "contribution_share": N_("share of contributions"),
                 "ri_partnerships": N_("representation index of partnerships"),
                 "ri_contributions": N_("representation index of contributions"), "countries": N_("countries"),
                 "contributed_units": N_("contributed units"),
                 "partnerships_per_100_institutions": N_("partnerships per 100 institutions"),
                 "contributions_per_100_institutions": N_("contributions per 100 institutions"),
                 "partnerships_per_million": N_("partnerships per million inhabitants"),
                 "contributions_per_million": N_("contributions per million inhabitants"),
                 "expected_partnerships": N_("partnerships expected at parity"), "small_numbers": N_("small numbers")}
PERCENT = {"coverage", "coverage_low", "coverage_high", "baseline_share", "partnership_share", "contribution_share"}


def history_path(data: Dataset) -> Path | None:
    """The history file of the dashboard's store (None for an endpoint)."""
    if not data.path or data.path.startswith(("http://", "https://")):
        return None
    return history.path_for(data.path)


def snapshot_label(row: Mapping[Any, Any]) -> str:
    return _("#{id} as of {as_of} (generation {generation})").format(id=row["id"], as_of=row["as_of"],
                                                                      generation=row["generation"])


def _column_header(column: str) -> str:
    """``coverage_pct (then)`` -> ``coverage (%) (then)`` in the page's language."""
    for suffix, word in ((" (then)", N_("then")), (" (now)", N_("now")), (" change", N_("change"))):
        if column.endswith(suffix):
            base = column.removesuffix(suffix)
            name = base.removesuffix("_pct")
            name = _(MEASURE_NAMES.get(name, name)) + (" (%)" if base.endswith("_pct") else "")
            return f"{name} ({_(word)})"
    return column


def _shown(values: pd.DataFrame) -> pd.DataFrame:
    out = values.copy()
    pct = out["measure"].isin(PERCENT)
    out.loc[pct, "value"] = 100.0 * out.loc[pct, "value"]
    out.loc[pct, "measure"] = out.loc[pct, "measure"] + "_pct"
    return out


def change_table(before: pd.DataFrame, after: pd.DataFrame, measures: list[str]) -> pd.DataFrame:
    """One row per group: for each measure its value then, now and the change (coverage in %); groups with
    data in either snapshot, ordered as the 'after' snapshot's first measure changed least first."""
    ch = history.change(_shown(before), _shown(after))
    names = [m + "_pct" if m in PERCENT else m for m in measures]
    ch = ch[ch["measure"].isin(names) & (ch["group"] != gsnap.ALL_COUNTRIES)]
    if ch.empty:
        return pd.DataFrame(columns=["group"])
    wide = ch.pivot_table(
        index="group", columns="measure", values=["before", "after", "change"], aggfunc="first", dropna=False
    )
    out = pd.DataFrame(index=wide.index)
    for m in names:
        for part, suffix in (("before", "then"), ("after", "now"), ("change", "change")):
            out[f"{m} ({suffix})" if suffix != "change" else f"{m} change"] = (
                wide[(part, m)] if (part, m) in wide else float("nan")
            )
    has_data = (out.filter(like="(then)").fillna(0) != 0).any(axis=1) | (out.filter(like="(now)").fillna(0) != 0).any(
        axis=1
    )
    out = out[has_data].reset_index()
    return out.sort_values([f"{names[0]} change", "group"], na_position="last").reset_index(drop=True)


def series(rows: pd.DataFrame, snaps: pd.DataFrame) -> pd.DataFrame:
    """Metric rows of several snapshots -> group, as_of (date), snapshot, value (percentages for shares)."""
    shown = _shown(rows)
    dates = snaps.set_index("id")["as_of"]
    shown["as_of"] = pd.to_datetime(shown["snapshot"].map(dates))
    out = shown[shown["group"] != gsnap.ALL_COUNTRIES][["group", "as_of", "snapshot", "measure", "value"]]
    return out.sort_values(["group", "as_of", "snapshot"]).reset_index(drop=True)


def _snapshots(data: Dataset) -> tuple[Path | None, pd.DataFrame]:
    path = history_path(data)
    if path is None:
        return None, pd.DataFrame()
    return path, history.snapshots(path)


def _no_history(path: Path | None) -> None:
    if path is None:
        st.info(_("Snapshots are kept next to a local store; this dashboard reads an endpoint."))
    else:
        st.info(
            _("No snapshots yet. Take one with `glamkg snapshot` (they are kept in `{file}` next to the store); "
              "take another after the next load to see what changed.").format(file=path.name)
        )


def change_section(ctx: ui.Context, level: str, baseline: str) -> None:
    """'Change since' an earlier snapshot, at the page's level and baseline, for the whole store."""
    st.subheader(_("Change since an earlier snapshot"))
    path, snaps = _snapshots(ctx.data)
    if path is None or snaps.empty:
        _no_history(path)
        return
    records = snaps.to_dict("records")
    labels = {int(r["id"]): snapshot_label(r) for r in records}
    ids = [int(r["id"]) for r in records]
    a, b = st.columns(2)
    since = a.selectbox(_("Change since"), ids, format_func=lambda i: labels[i], key="history_since")
    to = b.selectbox(
        _("to"), [NOW, *reversed(ids)], key="history_to",
        format_func={NOW: _("the store now"), **labels}.__getitem__,
    )
    before = history.values(path, [since], grouping=level, baseline=baseline)
    if to == NOW:
        after = gsnap.metric_rows(ctx.data, groupings=[level], baselines=(baseline,))
    else:
        after = history.values(path, [to], grouping=level, baseline=baseline)
    table = change_table(before, after, list(CHANGE_MEASURES))
    st.caption(
        _("The whole store (snapshots ignore the sidebar's filters), by {level}, baseline {baseline}. Change = {to} "
          "minus {since}; coverage in percentage points.").format(
            level=_(views.LEVELS.get(level, level)), baseline=_(views.BASELINES.get(baseline, baseline)),
            to=_("the store now") if to == NOW else labels[to], since=labels[since])
    )
    if table.empty:
        st.info(_("The snapshots hold no figures at this level."))
        return
    ui.table(table, f"change by {level} since snapshot {since}", key="dl-history-change",  # names shown by ui.table
             label=_("change since snapshot {id}").format(id=since),
             column_config={c: st.column_config.Column(_column_header(c)) for c in table.columns if c != "group"})


def series_section(ctx: ui.Context, level: str, baseline: str = "institutions") -> None:
    """A measure per group over every snapshot (by the date each is for)."""
    st.subheader(_("Series over snapshots"))
    path, snaps = _snapshots(ctx.data)
    if path is None or snaps.empty:
        _no_history(path)
        return
    measure = st.selectbox(
        _("Measure"), list(gsnap.MEASURES), key="history_measure", index=list(gsnap.MEASURES).index("partnerships"),
        format_func=ui.translated({m: MEASURE_NAMES.get(m, m) for m in gsnap.MEASURES}),
    )
    rows = history.values(path, [int(i) for i in snaps["id"]], grouping=level, baseline=baseline, measures=[measure])
    s = series(rows, snaps)
    s = s[s.groupby("group")["value"].transform(lambda v: v.fillna(0).abs().sum()) > 0]
    if s.empty:
        st.info(_("No group has any {measure} in the snapshots.").format(
            measure=_(MEASURE_NAMES.get(measure, measure))))
        return
    name = s["measure"].iloc[0]
    shown = _(MEASURE_NAMES.get(measure, measure))
    unit = "%" if name.endswith("_pct") else _("value")
    where = _(views.LEVELS.get(level, level))
    stored, s = s, s.assign(group=s["group"].map(views.place_name))  # the CSV keeps the stored values
    ui.chart(
        alt.Chart(s, title=_("{measure} by {level} over snapshots (whole store)").format(measure=shown, level=where))
        .mark_line(point=True)
        .encode(
            x=alt.X("as_of:T", title=_("snapshot date (as of)")),
            y=alt.Y("value:Q", title=f"{shown} ({unit})"),
            color=alt.Color("group:N", title=where),
            tooltip=[alt.Tooltip("group:N", title=where), alt.Tooltip("as_of:T", title=_("as of")),
                     alt.Tooltip("snapshot:Q", title=_("snapshot")),
                     alt.Tooltip("value:Q", format=",.2f", title=f"{shown} ({unit})")],
        )
        .properties(height=300)
    )
    ui.table(stored, f"{name} by {level} over snapshots", key="dl-history-series",
             label=_("{measure} by {level} over snapshots").format(measure=shown, level=where))
