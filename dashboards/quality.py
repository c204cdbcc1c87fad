"""Data quality: how complete the key properties are per region, and which items need work."""

import altair as alt
import streamlit as st

from kg.dashboard import ui
from kg.dashboard import views as dv
from kg.i18n import _, ngettext

ctx = ui.context()
st.title(_("Data quality"))
ui.banner(ctx)
if ui.empty(ctx.view):
    st.stop()

levels = {ui.scheme(): _(dv.LEVELS[ui.scheme()]), "subregion": _(dv.LEVELS["subregion"]),
          "country_name": _(dv.LEVELS["country"])}
level = st.selectbox(_("Group by"), list(levels), key="quality_level", format_func=levels.__getitem__)
stored = dv.completeness(ctx.view, by=level)  # the CSV keeps the stored values; the chart shows names
stored["share_pct"] = 100.0 * stored["share"]
properties = {p: _(p) for p in dv.QUALITY_PROPERTIES}
comp = stored.assign(group=stored["group"].map(dv.place_name), property=stored["property"].map(properties))
heat = alt.Chart(comp, title=_("Completeness of key properties (% of institutions with a value)"))
ui.chart(
    alt.layer(
        heat.mark_rect().encode(
            x=alt.X("property:N", title=_("property"), sort=list(properties.values())),
            y=alt.Y("group:N", title=levels[level]),
            # viridis: ordered by lightness, apart for colour-blind readers (35 % and 80 % too)
            color=alt.Color("share_pct:Q", title=_("institutions with a value (%)"),
                            scale=alt.Scale(scheme="viridis", domain=[0, 100])),
            tooltip=[alt.Tooltip("group:N", title=levels[level]), alt.Tooltip("property:N", title=_("property")),
                     alt.Tooltip("share_pct:Q", format=".1f", title=_("institutions with a value (%)")),
                     alt.Tooltip("with_value:Q", format=",", title=_("with a value (count)")),
                     alt.Tooltip("institutions:Q", format=",", title=_("institutions (count)"))],
        ),
        heat.mark_text(fontSize=10).encode(x=alt.X("property:N", sort=list(properties.values())), y="group:N",
                                           text=alt.Text("share_pct:Q", format=".0f"),
                                           color=alt.condition("datum.share_pct < 40", alt.value("white"),
                                                               alt.value("black"))),
    )
)
ui.table(stored, f"completeness by {level}", label=_("completeness by {level}").format(level=levels[level]))

st.subheader(_("Items that need work"))
prop = st.selectbox(_("Missing property"), list(dv.QUALITY_PROPERTIES), key="quality_prop",
                    format_func=properties.__getitem__)
todo = dv.missing(ctx.view, prop)
rows = comp[comp["property"] == properties[prop]]
total = int((rows["institutions"] - rows["with_value"]).sum())
st.caption(ngettext("{n} institution has no {property}", "{n} institutions have no {property}", total).format(
    n=ui.number(total), property=properties[prop]) + (_("; the first {n} are listed").format(n=ui.number(len(todo)))
                                                       if total > len(todo) else ""))
ui.table(todo, f"institutions without {prop}", label=_("institutions without {property}").format(
    property=properties[prop]), column_config={"link": st.column_config.LinkColumn(_("link"))})
