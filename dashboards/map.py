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

statuses = {_(k): v for k, v in worldmap.PARTNERED_COLOURS.items()}  # "partnered", "not partnered", translated
partnered, unpartnered = list(statuses)
inst = ctx.view.institutions.assign(status=tables.partnered_flags(ctx.view).map({True: partnered, False: unpartnered}))
in_region = dv.region_column(inst, ui.scheme())
zooms = {"world": _("the whole world"), "shown": _("the institutions shown"),
         **{f"region:{r}": dv.place_name(r) for r in sorted(set(in_region)) if r != dd.UNKNOWN}}
zoom = st.selectbox(_("Zoom to"), list(zooms), format_func=zooms.get, key="map_zoom",
                    index=1 if ctx.filters.regions or ctx.filters.countries else 0,
                    help=_("Both maps fit the institutions shown, or those of one region (of the sidebar's "
                           "scheme)."))
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
ui.chart(worldmap.point_map(points, title=title, cell=cell, fit=fit, colours=statuses))
st.caption(_("{placed} of {total} institutions have coordinates; the others are not on the map.").format(
    placed=ui.number(placed), total=ui.number(len(inst))) + " " + _(
    "Institutions without a partnership are drawn on top, and in a cell the smaller circle above the bigger: no "
    "group hides the other."))
st.caption(_("Zoom with Ctrl + mouse wheel (Cmd + wheel on a Mac, or a pinch) over a map, drag to move it, "
             "double-click to go back; the wheel alone scrolls the page. Each map zooms on its own, and the PNG "
             "image is drawn unzoomed."))

st.subheader(_("Per country"))
metric = st.selectbox(_("Metric"), list(dv.MAP_METRICS), key="map_metric",
                      format_func=ui.translated({k: v[0] for k, v in dv.MAP_METRICS.items()}))
label, unit = (_(text) for text in dv.MAP_METRICS[metric])
per_country = dv.country_metrics(ctx.view, reference=dd.reference(ctx.data, ctx.filters))
ui.chart(
    worldmap.choropleth(
        per_country, value=metric, value_title=f"{label} ({unit})",
        title=_("{metric} per country ({unit})").format(metric=label, unit=unit),
        tooltip=[("institutions", _("institutions")), ("partnerships", _("partnerships"))], flag="small_numbers",
        flag_title=_("small numbers: read with care"), fit=fit,
    )
)
st.caption(_("Countries outlined with a dashed line have small numbers (fewer than 30 institutions, or fewer than 5 "
             "partnerships expected at parity): read their colour with care. The representation index is relative "
             "to {reference}.").format(reference=dd.references(ctx.data, ctx.filters)[dd.WORLD]))
ui.table(per_country, "per-country metrics", label=_("per-country metrics"))
