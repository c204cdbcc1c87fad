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
cols[0].metric(_("Institutions"), f"{h.institutions:,}")
cols[1].metric(_("Partnerships"), f"{h.partnerships:,}")
cols[2].metric(_("Contributions"), f"{h.contributions:,}")
cols[3].metric(_("Countries"), f"{h.countries:,}", help=_("countries with at least one institution"))
cols[4].metric(
    _("Coverage"), ui.percent(h.coverage),
    help=_("share of institutions with at least one partnership ({partnered} of {institutions})").format(
        partnered=f"{h.partnered_institutions:,}", institutions=f"{h.institutions:,}"),
)

if not ui.empty(ctx.view):
    by_region = ctx.view.institutions.assign(
        status=tables.partnered_flags(ctx.view).map({True: "partnered", False: "not partnered"}),
        region=dv.region_column(ctx.view.institutions, ui.scheme()),
    )
    by_region = by_region.groupby(["region", "status"], as_index=False).agg(institutions=("item", "size"))
    ui.chart(
        alt.Chart(by_region, title=_("Institutions per region, with and without a partnership"))
        .mark_bar()
        .encode(
            y=alt.Y("region:N", title=f"region ({dd.SCHEMES[ui.scheme()]})", sort="-x"),
            x=alt.X("institutions:Q", title="institutions (count)", stack=True),
            color=alt.Color("status:N", title="institution",
                            scale=alt.Scale(domain=list(worldmap.PARTNERED_COLOURS),
                                            range=list(worldmap.PARTNERED_COLOURS.values()))),
            tooltip=["region", "status", alt.Tooltip("institutions:Q", format=",")],
        )
    )
    per = by_region.pivot_table(index="region", columns="status", values="institutions", aggfunc="sum",
                                fill_value=0).reindex(columns=["partnered", "not partnered"], fill_value=0)
    cover = pd.DataFrame({"group": per.index, "institutions": per.sum(axis=1).to_numpy(),
                          "partnered_institutions": per["partnered"].to_numpy()})
    cover["small_numbers"] = cover["institutions"] < gap_metrics.MIN_INSTITUTIONS
    st.markdown("**" + findings.coverage(cover) + "**")
    ui.table(by_region, "institutions per region")

st.subheader(_("What is in the store"))
meta, stats = ctx.data.meta, ctx.data.stats
facts = {
    "store": ctx.data.path,
    "dataset": ui.meta_value(meta, "label", "dataset") or "(no label)",
    "synthetic demo data": "yes" if ui.is_synthetic(meta) else "no",
    "last loaded": ui.meta_value(meta, "loaded_at") or "(unknown)",
    "generation": ctx.data.generation,
    **{f"{k} in the store": f"{v:,}" for k, v in stats.items()},
    "dashboard read time (s)": round(ctx.data.read_seconds, 2),
}
ui.table(pd.DataFrame({"what": list(facts), "value": [str(v) for v in facts.values()]}), "store facts")
st.caption(_("Institutions per type (instance of), whole store"))
ui.table(dv.type_counts(ctx.data), "institutions per type")
