"""Impact: the impact tools' measures (files used, articles, ...) by region, country or institution."""

import streamlit as st

from kg.dashboard import ui
from kg.dashboard import views as dv
from kg.model.measures import measures

ctx = ui.context()
st.title("Impact")
ui.banner(ctx)
spec = measures()
if ctx.view.measures.empty:
    st.info(
        "No impact measures in the store (or none match the filters). Import a report: "
        "`glamkg import impact FILE` (GLAMorous key figures, Commons Impact Metrics)."
    )
    st.stop()

level = st.selectbox("Group by", list(dv.IMPACT_LEVELS), format_func=lambda k: dv.IMPACT_LEVELS[k], key="impact_level")
table, dates = dv.impact(ctx.view, by=level)
st.caption(
    "Report dates in the store: " + ", ".join(dates) + ". Each institution's latest report is used; "
    "per institution = divided by all institutions of the group in the graph; per million = by the "
    "population (pypopulation, 2019) of the group's countries. Definitions: docs/metrics.md."
)
shown = [k for k in spec.measures if k in table.columns]
cols = st.columns(min(4, len(shown)) or 1)
for i, key in enumerate(shown[:4]):
    m = spec.measure(key)
    total = table[key].sum() if m.aggregate == "sum" else None
    cols[i % len(cols)].metric(m.label, f"{total:,.0f}" if total is not None else "–")
ui.table(table, f"impact by {level}")
