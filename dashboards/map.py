"""Map: institutions on a world map (partnered or not) and a per-country choropleth of a gap metric.

Drawn offline: Natural Earth outlines shipped with glamkg (kg.dashboard.worldmap), rendered by Vega-Lite in the browser.
"""

import streamlit as st

from kg.dashboard import data as dd
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
in_region = dv.region_column(inst, ui.scheme())
zooms = {"world": "the whole world", "shown": "the institutions shown",
         **{f"region:{r}": r for r in sorted(set(in_region)) if r != dd.UNKNOWN}}
zoom = st.selectbox("Zoom to", list(zooms), format_func=zooms.get, key="map_zoom",
                    index=1 if ctx.filters.regions or ctx.filters.countries else 0,
                    help="Both maps fit the institutions shown, or those of one region (of the sidebar's scheme).")
fit = None
if zoom == "shown":
    fit = worldmap.extent(inst["lat"], inst["lon"])
elif zoom.startswith("region:"):
    here = in_region == zoom.removeprefix("region:")
    fit = worldmap.extent(inst.loc[here, "lat"], inst.loc[here, "lon"])
points, cell = worldmap.aggregate_points(inst)
placed = int(inst["lat"].notna().sum())
title = _("GLAM institutions, with and without a Wikimedia partnership")
if cell:
    title += _(" (counted per {cell}° cell)").format(cell=f"{cell:g}")
ui.chart(worldmap.point_map(points, title=title, cell=cell, fit=fit))
st.caption(_("{placed} of {total} institutions have coordinates; the others are not on the map.").format(
    placed=f"{placed:,}", total=f"{len(inst):,}") + " Institutions without a partnership are drawn on top, and in a "
    "cell the smaller circle above the bigger: no group hides the other.")
st.caption(_("Zoom with the mouse wheel (or a pinch) over a map, drag to move it, double-click to go back."))

st.subheader(_("Per country"))
metric = st.selectbox(_("Metric"), list(dv.MAP_METRICS), format_func=lambda k: dv.MAP_METRICS[k][0], key="map_metric")
label, unit = dv.MAP_METRICS[metric]
per_country = dv.country_metrics(ctx.view, reference=dd.reference(ctx.data, ctx.filters))
ui.chart(
    worldmap.choropleth(
        per_country, value=metric, value_title=f"{label} ({unit})", title=f"{label} per country ({unit})",
        tooltip=[("institutions", "institutions"), ("partnerships", "partnerships")], flag="small_numbers",
        fit=fit,
    )
)
st.caption("Countries outlined with a dashed line have small numbers (fewer than 30 institutions, or fewer than 5 "
           "partnerships expected at parity): read their colour with care. The representation index is relative to "
           f"{dd.references(ctx.data, ctx.filters)[dd.WORLD]}.")
ui.table(per_country, "per-country metrics")
