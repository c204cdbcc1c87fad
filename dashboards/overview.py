"""Overview: headline figures, what is in the store, and when it was loaded."""

import altair as alt
import pandas as pd
import streamlit as st

from kg.dashboard import data as dd
from kg.dashboard import ui, worldmap
from kg.dashboard import views as dv
from kg.gaps import findings, tables
from kg.gaps import metrics as gap_metrics
from kg.i18n import _

ctx = ui.context()
st.title(_("GLAM institutions and their Wikimedia partnerships"))
ui.banner(ctx)

h = dd.headline(ctx.view)
cols = st.columns(5)
cols[0].metric(_("Institutions"), ui.number(h.institutions))
cols[1].metric(_("Partnerships"), ui.number(h.partnerships))
cols[2].metric(_("Contributions"), ui.number(h.contributions))
cols[3].metric(_("Countries"), ui.number(h.countries), help=_("countries with at least one institution"))
cols[4].metric(
    _("Coverage"), ui.percent(h.coverage),
    help=_("share of institutions with at least one partnership ({partnered} of {institutions})").format(
        partnered=ui.number(h.partnered_institutions), institutions=ui.number(h.institutions)),
)

if not ui.empty(ctx.view):
    statuses = {_(k): v for k, v in worldmap.PARTNERED_COLOURS.items()}  # "partnered", "not partnered"
    partnered, unpartnered = list(statuses)
    stored = ctx.view.institutions.assign(  # the CSV keeps the stored values; the chart shows names
        status=tables.partnered_flags(ctx.view).map({True: "partnered", False: "not partnered"}),
        region=dv.region_column(ctx.view.institutions, ui.scheme()),
    ).groupby(["region", "status"], as_index=False).agg(institutions=("item", "size"))
    by_region = stored.assign(status=stored["status"].map({"partnered": partnered, "not partnered": unpartnered}),
                              region=stored["region"].map(dv.place_name))
    ui.chart(
        alt.Chart(by_region, title=_("Institutions per region, with and without a partnership"))
        .mark_bar()
        .encode(
            y=alt.Y("region:N", title=_("region ({scheme})").format(scheme=_(dd.SCHEMES[ui.scheme()])), sort="-x"),
            x=alt.X("institutions:Q", title=_("institutions (count)"), stack=True),
            color=alt.Color("status:N", title=_("institution"),
                            scale=alt.Scale(domain=list(statuses), range=list(statuses.values()))),
            tooltip=[alt.Tooltip("region:N", title=_("region")), alt.Tooltip("status:N", title=_("institution")),
                     alt.Tooltip("institutions:Q", format=",", title=_("institutions (count)"))],
        )
    )
    per = by_region.pivot_table(index="region", columns="status", values="institutions", aggfunc="sum",
                                fill_value=0).reindex(columns=[partnered, unpartnered], fill_value=0)
    cover = pd.DataFrame({"group": per.index, "institutions": per.sum(axis=1).to_numpy(),
                          "partnered_institutions": per[partnered].to_numpy()})
    cover["small_numbers"] = cover["institutions"] < gap_metrics.MIN_INSTITUTIONS
    st.markdown("**" + findings.coverage(cover) + "**")
    ui.table(stored, "institutions per region", label=_("institutions per region"), static=True)

st.subheader(_("What is in the store"))
meta, stats = ctx.data.meta, ctx.data.stats
facts = {
    _("store"): ctx.data.path,
    _("dataset"): ui.meta_value(meta, "label", "dataset") or _("(no label)"),
    _("synthetic demo data"): _("yes") if ui.is_synthetic(meta) else _("no"),
    _("last loaded"): ui.meta_value(meta, "loaded_at") or _("(unknown)"),
    _("generation"): ctx.data.generation,
    **{_("{what} in the store").format(what=_(k)): ui.number(v) for k, v in stats.items()},
    _("dashboard read time (s)"): ui.number(ctx.data.read_seconds, "0.00"),
}
ui.table(pd.DataFrame({"what": list(facts), "value": [str(v) for v in facts.values()]}), "store facts",
         label=_("store facts"), static=True)
st.caption(_("Institutions per type (instance of), whole store"))
ui.table(dv.type_counts(ctx.data), "institutions per type", label=_("institutions per type"), static=True)
