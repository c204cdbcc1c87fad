"""Trends: partnerships started and active, and contributions, per year and region."""

import altair as alt
import streamlit as st

from kg.dashboard import history as hist
from kg.dashboard import ui
from kg.dashboard import views as dv
from kg.i18n import _

ctx = ui.context()
st.title(_("Trends"))
ui.banner(ctx)
if ui.empty(ctx.view, ("institutions", "partnerships")):
    st.stop()

level = st.selectbox(_("Group by"), list(dv.LEVELS), format_func=lambda k: dv.LEVELS[k], key="trends_level",
                     index=list(dv.LEVELS).index(ui.scheme()))
t = dv.trends(ctx.view, by=level)
if t.empty:
    st.info(_("No dated partnerships or contributions match the filters."))
    st.stop()

series = {
    "partnerships_active": ("Partnerships active per year", "partnerships active (count)"),
    "partnerships_started": ("Partnerships started per year", "partnerships started (count)"),
    "contributions": ("Contributions per year", "contributions (count)"),
    "contributed_units": ("Contributed units per year", "units (files, articles, items)"),
}
for col, (title, axis) in series.items():
    ui.chart(
        alt.Chart(t, title=f"{title} by {dv.LEVELS[level]}")
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O", title="year"),
            y=alt.Y(f"{col}:Q", title=axis),
            color=alt.Color("group:N", title=dv.LEVELS[level]),
            tooltip=["group", "year", alt.Tooltip(f"{col}:Q", format=",")],
        )
        .properties(height=300)
    )
ui.table(t, f"trends by {level}")

hist.series_section(ctx, level)
hist.change_section(ctx, level, "institutions")
