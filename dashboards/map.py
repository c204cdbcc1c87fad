"""Map: institutions on a world map (partnered or not) and a per-country choropleth of a gap metric.

Drawn offline: Natural Earth outlines shipped with glamkg (kg.dashboard.worldmap), rendered by Vega-Lite in the browser.
"""

import streamlit as st

from kg.dashboard import ui, worldmap
from kg.dashboard import views as dv
from kg.gaps import tables
from kg.i18n import _

ctx = ui.context()
st.title(_("Map"))
ui.banner(ctx)
if ui.empty(ctx.view):
    st.stop()

inst = ctx.view.institutions.assign(
    status=tables.partnered_flags(ctx.view).map({True: "partnered", False: "not partnered"})
)
points, cell = worldmap.aggregate_points(inst)
placed = int(inst["lat"].notna().sum())
title = _("GLAM institutions, with and without a Wikimedia partnership")
if cell:
    title += _(" (counted per {cell}° cell)").format(cell=f"{cell:g}")
ui.chart(worldmap.point_map(points, title=title, cell=cell))
st.caption(_("{placed} of {total} institutions have coordinates; the others are not on the map.").format(
    placed=f"{placed:,}", total=f"{len(inst):,}"))

st.subheader(_("Per country"))
metric = st.selectbox(_("Metric"), list(dv.MAP_METRICS), format_func=lambda k: dv.MAP_METRICS[k][0], key="map_metric")
label, unit = dv.MAP_METRICS[metric]
per_country = dv.country_metrics(ctx.view)
ui.chart(
    worldmap.choropleth(
        per_country, value=metric, value_title=f"{label} ({unit})", title=f"{label} per country ({unit})",
        tooltip=[("institutions", "institutions"), ("partnerships", "partnerships")],
    )
)
ui.table(per_country, "per-country metrics")
