"""Partnerships: who works with whom — a table and a network of institutions and partner organisations."""

import altair as alt
import streamlit as st

from kg.dashboard import ui
from kg.dashboard import views as dv
from kg.i18n import _, ngettext

ctx = ui.context()
st.title(_("Partnerships"))
ui.banner(ctx)
if ui.empty(ctx.view, ("institutions", "partnerships")):
    st.stop()

table = dv.partnership_table(ctx.view)
search = st.text_input(_("Search institutions, partner organisations or partnerships"), key="ps_search")
if search:
    table = dv.search(table, search)
n_ps, n_inst = table["partnership"].nunique(), table["institution"].nunique()
st.caption(ngettext("{n} partnership", "{n} partnerships", n_ps).format(n=ui.number(n_ps)) + ", "
           + ngettext("{n} institution", "{n} institutions", n_inst).format(n=ui.number(n_inst)))
ui.table(table, "partnerships", label=_("partnerships"),
         column_config={"start_year": st.column_config.NumberColumn(_("start year"), format="%d"),
                        "end_year": st.column_config.NumberColumn(_("end year"), format="%d")})

top = dv.top_partners(ctx.view)
if not top.empty:
    ui.chart(
        alt.Chart(top, title=_("Top partner organisations by number of partnerships"))
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=_("partner organisation"), sort="-x"),
            x=alt.X("partnerships:Q", title=_("partnerships (count)")),
            color=alt.Color("type:N", title=_("organisation type")),
            tooltip=[alt.Tooltip("label:N", title=_("partner organisation")),
                     alt.Tooltip("type:N", title=_("organisation type")),
                     alt.Tooltip("partnerships:Q", format=",", title=_("partnerships (count)")),
                     alt.Tooltip("institutions:Q", format=",", title=_("institutions (count)"))],
        )
    )
    ui.table(top, "top partner organisations", label=_("top partner organisations"))

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
        strokeWidth=alt.StrokeWidth("weight:Q", title=_("partnerships per link (count)"),
                                    scale=alt.Scale(range=[0.5, 3])),
    )
    kinds = {"partner organisation": _("partner organisation"), "institution": _("institution")}
    shown_nodes = nodes.assign(kind=nodes["kind"].map(kinds))
    dots = alt.Chart(shown_nodes).mark_circle(opacity=0.9).encode(
        x="x:Q", y="y:Q",
        size=alt.Size("weight:Q", title=_("partnerships (count)"), scale=alt.Scale(range=[20, 600])),
        color=alt.Color("kind:N", title=_("node"), scale=alt.Scale(domain=list(kinds.values()),
                                                                  range=["#e69f00", "#0072b2"])),
        tooltip=[alt.Tooltip("label:N", title=_("name")), alt.Tooltip("kind:N", title=_("node")),
                 alt.Tooltip("weight:Q", title=_("partnerships (count)"), format=",")],
    )
    names = alt.Chart(nodes[nodes["kind"] == "partner organisation"]).mark_text(dy=-14, fontSize=11).encode(
        x="x:Q", y="y:Q", text="label:N")
    ui.chart(alt.layer(lines, dots, names, title=_("Partner organisations (inner ring) and the institutions they "
                                                   "work with (outer ring)")).properties(height=620))
    ui.table(nodes[["id", "label", "kind", "weight"]], "network nodes", label=_("network nodes"))
