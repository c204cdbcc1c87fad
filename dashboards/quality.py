"""Data quality: how complete the key properties are per region, and which items need work."""

import altair as alt
import streamlit as st

from kg.dashboard import ui
from kg.dashboard import views as dv
from kg.i18n import _

ctx = ui.context()
st.title(_("Data quality"))
ui.banner(ctx)
if ui.empty(ctx.view):
    st.stop()

level = st.selectbox(_("Group by"), [ui.scheme(), "subregion", "country_name"], key="quality_level",
                     format_func=lambda k: {"country_name": "country"}.get(k, dv.LEVELS.get(k, k)))
comp = dv.completeness(ctx.view, by=level)
comp["share_pct"] = 100.0 * comp["share"]
heat = alt.Chart(comp, title=_("Completeness of key properties (% of institutions with a value)"))
ui.chart(
    alt.layer(
        heat.mark_rect().encode(
            x=alt.X("property:N", title="property", sort=list(dv.QUALITY_PROPERTIES)),
            y=alt.Y("group:N", title={"country_name": "country"}.get(level, dv.LEVELS.get(level, level))),
            # viridis: ordered by lightness, apart for colour-blind readers (35 % and 80 % too)
            color=alt.Color("share_pct:Q", title="institutions with a value (%)",
                            scale=alt.Scale(scheme="viridis", domain=[0, 100])),
            tooltip=["group", "property", alt.Tooltip("share_pct:Q", format=".1f", title="%"),
                     alt.Tooltip("with_value:Q", format=","), alt.Tooltip("institutions:Q", format=",")],
        ),
        heat.mark_text(fontSize=10).encode(x=alt.X("property:N", sort=list(dv.QUALITY_PROPERTIES)), y="group:N",
                                           text=alt.Text("share_pct:Q", format=".0f"),
                                           color=alt.condition("datum.share_pct < 40", alt.value("white"),
                                                               alt.value("black"))),
    )
)
ui.table(comp, f"completeness by {level}")

st.subheader(_("Items that need work"))
prop = st.selectbox(_("Missing property"), list(dv.QUALITY_PROPERTIES), key="quality_prop")
todo = dv.missing(ctx.view, prop)
total = int((comp[comp["property"] == prop]["institutions"] - comp[comp["property"] == prop]["with_value"]).sum())
st.caption(f"{total:,} institutions have no {prop}" + (f"; the first {len(todo):,} are listed" if total > len(todo)
                                                       else ""))
ui.table(todo, f"institutions without {prop}", column_config={"link": st.column_config.LinkColumn("link")})
