"""Map: institutions on a world map (partnered or not) and a per-country choropleth of a gap metric.

Drawn offline: Natural Earth outlines shipped with glamkg (kg.dashboard.worldmap), rendered by Vega-Lite in the browser.
"""

import streamlit as st

from kg.dashboard import ui, worldmap
from kg.dashboard import views as dv
from kg.gaps import tables

ctx = ui.context()
st.title("Map")
ui.banner(ctx)
if ui.empty(ctx.view):
    st.stop()

inst = ctx.view.institutions.assign(
    status=tables.partnered_flags(ctx.view).map({True: "partnered", False: "not partnered"})
)
points, cell = worldmap.aggregate_points(inst)
placed = int(inst["lat"].notna().sum())
title = "GLAM institutions, with and without a Wikimedia partnership"
if cell:
    title += f" (counted per {cell:g}° cell)"
ui.chart(worldmap.point_map(points, title=title, cell=cell))
st.caption(f"{placed:,} of {len(inst):,} institutions have coordinates; the others are not on the map.")

st.subheader("Per country")
metric = st.selectbox("Metric", list(dv.MAP_METRICS), format_func=lambda k: dv.MAP_METRICS[k][0], key="map_metric")
label, unit = dv.MAP_METRICS[metric]
per_country = dv.country_metrics(ctx.view)
ui.chart(
    worldmap.choropleth(
        per_country, value=metric, value_title=f"{label} ({unit})", title=f"{label} per country ({unit})",
        tooltip=[("institutions", "institutions"), ("partnerships", "partnerships")],
    )
)
ui.table(per_country, "per-country metrics")
