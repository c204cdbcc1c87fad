"""Partnerships: who works with whom — a table and a network of institutions and partner organisations."""

import altair as alt
import streamlit as st

from kg.dashboard import ui
from kg.dashboard import views as dv
from kg.i18n import _

ctx = ui.context()
st.title(_("Partnerships"))
ui.banner(ctx)
if ui.empty(ctx.view, ("institutions", "partnerships")):
    st.stop()

table = dv.partnership_table(ctx.view)
search = st.text_input(_("Search institutions, partner organisations or partnerships"), key="ps_search")
if search:
    table = dv.search(table, search)
st.caption(f"{table['partnership'].nunique():,} partnerships, {table['institution'].nunique():,} institutions")
ui.table(table, "partnerships", column_config={"start_year": st.column_config.NumberColumn(format="%d"),
                                                "end_year": st.column_config.NumberColumn(format="%d")})

top = dv.top_partners(ctx.view)
if not top.empty:
    ui.chart(
        alt.Chart(top, title=_("Top partner organisations by number of partnerships"))
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title="partner organisation", sort="-x"),
            x=alt.X("partnerships:Q", title="partnerships (count)"),
            color=alt.Color("type:N", title="organisation type"),
            tooltip=["label", "type", alt.Tooltip("partnerships:Q", format=","),
                     alt.Tooltip("institutions:Q", format=",")],
        )
    )
    ui.table(top, "top partner organisations")

st.subheader(_("Network"))
c1, c2 = st.columns(2)
n_partners = c1.slider(_("Partner organisations"), 3, 30, 12, key="net_partners")
n_inst = c2.slider(_("Institutions at most"), 20, 500, 200, step=20, key="net_inst")
nodes, edges = dv.network(ctx.view, top_partners=n_partners, max_institutions=n_inst)
if nodes.empty:
    st.info(_("No partnerships with a partner organisation match the filters."))
else:
    axis = alt.Axis(title=None, labels=False, ticks=False, grid=False, domain=False)
    lines = alt.Chart(edges).mark_rule(opacity=0.25, color="#6b7280").encode(
        x=alt.X("x:Q", axis=axis), y=alt.Y("y:Q", axis=axis), x2="x2:Q", y2="y2:Q",
        strokeWidth=alt.StrokeWidth("weight:Q", title="partnerships per link (count)", scale=alt.Scale(range=[0.5, 3])),
    )
    dots = alt.Chart(nodes).mark_circle(opacity=0.9).encode(
        x="x:Q", y="y:Q",
        size=alt.Size("weight:Q", title="partnerships (count)", scale=alt.Scale(range=[20, 600])),
        color=alt.Color("kind:N", title="node", scale=alt.Scale(domain=["partner organisation", "institution"],
                                                               range=["#e69f00", "#0072b2"])),
        tooltip=["label", "kind", alt.Tooltip("weight:Q", title="partnerships", format=",")],
    )
    names = alt.Chart(nodes[nodes["kind"] == "partner organisation"]).mark_text(dy=-14, fontSize=11).encode(
        x="x:Q", y="y:Q", text="label:N")
    ui.chart(alt.layer(lines, dots, names, title="Partner organisations (inner ring) and the institutions they "
                       "work with (outer ring)").properties(height=620))
    ui.table(nodes[["id", "label", "kind", "weight"]], "network nodes")
