"""Impact: the impact tools' measures (files used, articles, ...) by region, country or institution."""

import altair as alt
import streamlit as st

from kg.dashboard import ui
from kg.dashboard import views as dv
from kg.i18n import _
from kg.model.measures import measures

ctx = ui.context()
st.title(_("Impact"))
ui.banner(ctx)
spec = measures()
if ctx.view.measures.empty:
    st.info(
        _("No impact measures in the store (or none match the filters). Import a report: "
          "`glamkg import impact FILE` (GLAMorous key figures, Commons Impact Metrics).")
    )
    st.stop()

level = st.selectbox(_("Group by"), list(dv.IMPACT_LEVELS), format_func=lambda k: dv.IMPACT_LEVELS[k],
                     key="impact_level", index=list(dv.IMPACT_LEVELS).index(ui.scheme()))
table, dates = dv.impact(ctx.view, by=level)
st.caption(
    "Report dates in the store: " + ", ".join(dates) + ". Each institution's latest report is used; "
    "per institution = divided by all institutions of the group in the graph; per million = by the "
    "population (pypopulation, 2019) of the group's countries. Definitions: docs/metrics.md."
)
st.caption(
    "Evidence kinds counted: " + dv.evidence_kinds(ctx.filters.evidence) + " (the measures belong to the "
    "partnerships of kind impact report; sidebar: Evidence; definitions: docs/evidence.md)."
)
shown = [k for k in spec.measures if k in table.columns]
cols = st.columns(min(4, len(shown)) or 1)
for i, key in enumerate(shown[:4]):
    m = spec.measure(key)
    total = table[key].sum() if m.aggregate == "sum" else None
    cols[i % len(cols)].metric(m.label, f"{total:,.0f}" if total is not None else "–")
chosen = st.selectbox(_("Measure"), shown, format_func=lambda k: spec.measure(k).label, key="impact_measure")
per = {"": "total"}
if spec.measure(chosen).aggregate == "sum":
    per.update({"_per_institution": "per institution", "_per_million": "per million inhabitants"})
norm = st.radio(_("Shown"), list(per), format_func=lambda k: per[k], horizontal=True, key="impact_norm")
column = chosen + norm
if column in table.columns:
    top = table.dropna(subset=[column]).nlargest(30, column)
    unit = {"": "count", "_per_institution": "count per institution", "_per_million": "count per million"}[norm]
    label = (
        spec.measure(chosen).label
        if spec.measure(chosen).aggregate != "sum"
        else f"{spec.measure(chosen).label} ({unit})"
    )
    ui.chart(
        alt.Chart(
            top, title=f"{spec.measure(chosen).label}, {per[norm]}, by {dv.IMPACT_LEVELS[level]} (latest reports)"
        )
        .mark_bar()
        .encode(
            x=alt.X(f"{column}:Q", title=label),
            y=alt.Y("group:N", sort="-x", title=dv.IMPACT_LEVELS[level]),
            tooltip=["group", alt.Tooltip(f"{column}:Q", format=",.2f"), "report_dates"],
        )
        .properties(height=max(120, 22 * len(top)))
    )
ui.table(table, f"impact by {level}")
