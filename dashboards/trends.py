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

level = st.selectbox(_("Group by"), list(dv.LEVELS), format_func=ui.translated(dv.LEVELS), key="trends_level",
                     index=list(dv.LEVELS).index(ui.scheme()))
stored = dv.trends(ctx.view, by=level)  # the CSV keeps the stored values; the charts show names
t = stored.assign(group=stored["group"].map(dv.place_name)) if not stored.empty else stored
if t.empty:
    st.info(_("No dated partnerships or contributions match the filters."))
    st.stop()

series = {
    "partnerships_active": (_("Partnerships active per year by {level}"), _("partnerships active (count)")),
    "partnerships_started": (_("Partnerships started per year by {level}"), _("partnerships started (count)")),
    "contributions": (_("Contributions per year by {level}"), _("contributions (count)")),
    "contributed_units": (_("Contributed units per year by {level}"), _("units (files, articles, items)")),
}
for col, (title, axis) in series.items():
    ui.chart(
        alt.Chart(t, title=title.format(level=_(dv.LEVELS[level])))
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O", title=_("year")),
            y=alt.Y(f"{col}:Q", title=axis),
            color=alt.Color("group:N", title=_(dv.LEVELS[level])),
            tooltip=[alt.Tooltip("group:N", title=_(dv.LEVELS[level])), alt.Tooltip("year:O", title=_("year")),
                     alt.Tooltip(f"{col}:Q", format=",", title=axis)],
        )
        .properties(height=300)
    )
ui.table(stored, f"trends by {level}", label=_("trends by {level}").format(level=_(dv.LEVELS[level])))

hist.series_section(ctx, level)
hist.change_section(ctx, level, "institutions")
