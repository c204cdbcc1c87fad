"""An offline world map: Natural Earth country outlines and Vega-Lite (Altair) charts that draw them.

The geometry is Natural Earth's 1:110m admin-0 countries as published in the npm registry's
``world-atlas`` package (version :data:`WORLD_ATLAS_VERSION`, file ``countries-110m.json``, ISC licence;
Natural Earth itself is public domain), kept unchanged in ``kg/dashboard/world-atlas/``. No PyPI package ships
complete Natural Earth country outlines in its wheel (see docs/dashboard.md), so the file travels with
glamkg; :data:`WORLD_ATLAS_SHA256` pins it and a test checks it.

The charts are Vega-Lite specs with the outlines *inline* (``"data": {"values": [...]}``): Streamlit's
frontend bundles Vega, so a map needs nothing from the network (no tiles, no CDN topojson, unlike
``st.map``, pydeck or plotly's geo traces).

TopoJSON is decoded here exactly as ``topojson-client``'s ``feature()`` does (delta-encoded, quantised
arcs; a negative arc index ``~i`` is arc ``i`` reversed; the first point of every arc after the first is
dropped when stitching a ring), which keeps the winding order d3-geo (Vega's projection engine) expects.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import altair as alt
import pandas as pd

from kg import i18n
from kg.gaps.notes import country_names

DATA_DIR = Path(__file__).resolve().parent / "world-atlas"
WORLD_ATLAS_FILE = DATA_DIR / "countries-110m.json"
WORLD_ATLAS_VERSION = "2.0.2"
WORLD_ATLAS_SHA256 = "2516c915867c7baf18ddec727aec46c315541a07cfb3d79a6559b05d5e94eee8"

# Natural Earth draws three areas without an ISO 3166-1 numeric code. ISO 3166-1 counts them as parts of
# these countries, and so does glamkg (their institutions carry that country), so they take its colour.
UNCODED_AREAS = {"Kosovo": "XK", "Somaliland": "SO", "N. Cyprus": "CY"}

PROJECTION: Final = "equalEarth"
# Okabe & Ito's colour-blind-safe pair (blue / vermillion: apart under deuteranopia, protanopia, tritanopia)
PARTNERED_COLOURS = {"partnered": "#0072b2", "not partnered": "#d55e00"}
MAX_POINTS = 4000  # rows of the point layer; more institutions are aggregated into grid cells


class WorldAtlasError(RuntimeError):
    """The shipped geometry file is missing or altered (a packaging bug, not user input)."""


@functools.lru_cache(maxsize=1)
def topology() -> dict[str, Any]:
    """The world-atlas TopoJSON, checked against its pinned digest."""
    try:
        raw = WORLD_ATLAS_FILE.read_bytes()
    except OSError as e:
        raise WorldAtlasError(i18n.gettext("country outlines not found at {path}: {error}; reinstall glamkg").format(
            path=WORLD_ATLAS_FILE, error=e)) from e
    digest = hashlib.sha256(raw).hexdigest()
    if digest != WORLD_ATLAS_SHA256:
        raise WorldAtlasError(
            i18n.gettext("{path} has sha256 {digest}, expected {expected} (world-atlas {version}); restore it from "
                         "the npm package").format(path=WORLD_ATLAS_FILE, digest=digest, expected=WORLD_ATLAS_SHA256,
                                                   version=WORLD_ATLAS_VERSION)
        )
    data: dict[str, Any] = json.loads(raw)
    return data


def _decode_arcs(topo: Mapping[str, Any]) -> list[list[tuple[float, float]]]:
    transform = topo.get("transform")
    arcs: list[list[tuple[float, float]]] = []
    for arc in topo["arcs"]:
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            points = []
            for dx, dy in arc:
                x += dx
                y += dy
                points.append((round(x * sx + tx, 4), round(y * sy + ty, 4)))
        else:
            points = [(float(p[0]), float(p[1])) for p in arc]
        arcs.append(points)
    return arcs


def _ring(indexes: Sequence[int], arcs: list[list[tuple[float, float]]]) -> list[list[float]]:
    ring: list[list[float]] = []
    for k, i in enumerate(indexes):
        points = arcs[i] if i >= 0 else arcs[~i][::-1]
        start = 1 if k else 0
        ring.extend([x, y] for x, y in points[start:])
    if len(ring) < 4:  # topojson-client pads degenerate rings to a closed ring of four points
        ring.extend([ring[0]] * (4 - len(ring)) if ring else [])
    return ring


def _geometry(geom: Mapping[str, Any], arcs: list[list[tuple[float, float]]]) -> dict[str, Any] | None:
    kind = geom.get("type")
    if kind == "Polygon":
        return {"type": "Polygon", "coordinates": [_ring(r, arcs) for r in geom["arcs"]]}
    if kind == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": [[_ring(r, arcs) for r in poly] for poly in geom["arcs"]]}
    return None  # null geometries


def _iso2_by_numeric() -> dict[str, str]:
    import pycountry

    return {c.numeric: c.alpha_2 for c in pycountry.countries}


@functools.lru_cache(maxsize=1)
def _features() -> tuple[dict[str, Any], ...]:
    topo = topology()
    arcs = _decode_arcs(topo)
    by_numeric = _iso2_by_numeric()
    out = []
    for g in topo["objects"]["countries"]["geometries"]:
        geometry = _geometry(g, arcs)
        if geometry is None:
            continue
        name = g.get("properties", {}).get("name", "")
        numeric = g.get("id")
        iso2 = by_numeric.get(numeric, "") if numeric else UNCODED_AREAS.get(name, "")
        out.append(
            {
                "type": "Feature",
                "id": numeric or name,
                "properties": {"name": name, "iso2": iso2, "iso_numeric": numeric or ""},
                "geometry": geometry,
            }
        )
    return tuple(out)


def countries_geojson() -> list[dict[str, Any]]:
    """GeoJSON features (d3 winding) with ``properties.name``, ``.iso2`` (ISO 3166-1 alpha-2, '' if none)
    and ``.iso_numeric``. Returns copies, safe to modify."""
    return json.loads(json.dumps(_features()))


def _named_features() -> list[dict[str, Any]]:
    """The features with ``properties.name`` in the language in use: CLDR's name of the country (Babel, by ISO
    alpha-2), else the atlas' English name (areas without a code, a language Babel lacks). Shallow copies: the
    geometries are shared."""
    names = country_names(i18n.current()) if i18n.current() != i18n.DEFAULT else {}
    if not names:
        return list(_features())
    return [{**f, "properties": {**(p := f["properties"]), "name": names.get(p["iso2"], p["name"])}}
            for f in _features()]


def _features_with(values: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Features (names in the language in use) with extra properties merged in by ISO alpha-2 code (flat, for
    Vega-Lite fields)."""
    out = []
    for f in _named_features():
        extra = values.get(f["properties"]["iso2"], {})
        props = {**f["properties"], **{k: _json_value(v) for k, v in extra.items()}}
        out.append({"type": "Feature", "id": f["id"], "properties": props, "geometry": f["geometry"]})
    return out


def _json_value(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(v, "item"):  # numpy scalars
        return v.item()
    return v


def _base(title: str, width: int | str, height: int) -> tuple[alt.Chart, alt.Chart]:
    sphere = (
        alt.Chart(alt.sphere(), title=title)
        .mark_geoshape(fill="#eef3f8", stroke="#b8c4d0", strokeWidth=0.5)
        .properties(width=width, height=height)
    )
    graticule = alt.Chart(alt.graticule(step=[30, 30])).mark_geoshape(stroke="#d5dde6", strokeWidth=0.4, filled=False)
    return sphere, graticule


COUNTRIES = "glamkg-countries"  # placeholder data name, replaced by the inline outlines in :func:`_spec`
VALUED = "glamkg-countries-valued"


def _spec(chart: alt.TopLevelMixin, datasets: Mapping[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The chart as a Vega-Lite dict with the named placeholder datasets replaced by inline values.

    Built this way because Altair validates and walks inline data when it serialises a chart (about a
    second for the world outlines); here the outlines are put in after, as they are."""
    spec: dict[str, Any] = chart.to_dict(validate=False)

    def fill(node: Any) -> None:
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and data.get("name") in datasets:
                node["data"] = {"values": datasets[data["name"]]}
            for v in node.values():
                if isinstance(v, dict | list):
                    fill(v)
        elif isinstance(node, list):
            for v in node:
                fill(v)

    fill(spec)
    # SVG, not the canvas Streamlit picks past 2,000 rows (the 100k map): on a canvas the zoom's wheel and drag
    # never reached the view (seen in Chromium); a map has at most MAX_POINTS circles and 177 countries
    spec["usermeta"] = {**spec.get("usermeta", {}), "embedOptions": {"renderer": "svg"}}
    return spec


def _land(tooltip: list[alt.Tooltip]) -> alt.Chart:
    return (
        alt.Chart(alt.Data(name=COUNTRIES))
        .mark_geoshape(fill="#dcdcdc", stroke="white", strokeWidth=0.5)
        .encode(tooltip=tooltip)
    )


def choropleth(
    values: pd.DataFrame,
    *,
    iso2: str = "iso2",
    value: str,
    value_title: str,
    title: str,
    tooltip: Sequence[tuple[str, str]] = (),
    scheme: Any = "blues",
    width: int | str = "container",
    height: int = 420,
    flag: str | None = None,
    flag_title: str = "small numbers: read with care",
    fit: Sequence[float] | None = None,
) -> dict[str, Any]:
    """A world choropleth (Vega-Lite spec) of ``values[value]`` per country (joined on ISO alpha-2
    ``values[iso2]``); countries without a value are drawn grey. ``tooltip``: (column, title) pairs.
    ``flag``: a boolean column; its countries get a dark dashed outline, in the legend as ``flag_title``.
    ``fit``: (west, south, east, north) degrees to zoom to (:func:`extent`)."""
    cols = [value, *[c for c, _ in tooltip if c != value], *([flag] if flag else [])]
    by_iso = {str(r[iso2]): {c: r[c] for c in cols} for _, r in values.iterrows() if r[iso2]}
    features = _features_with(by_iso)
    sphere, graticule = _base(title, width, height)
    tips = [alt.Tooltip("properties.name:N", title=i18n.gettext("country"))]
    tips += [alt.Tooltip(f"properties.{value}:Q", title=value_title, format=",.2f")]
    tips += [alt.Tooltip(f"properties.{c}:Q", title=t, format=",.2f") for c, t in tooltip if c != value]
    # Vega-Lite drops marks whose colour value is missing, so countries without a value are a grey layer below.
    land = _land(tooltip=[alt.Tooltip("properties.name:N", title=i18n.gettext("country (no data)"))])
    valued = [f for f in features if _json_value(f["properties"].get(value)) is not None]
    shapes = (
        alt.Chart(alt.Data(name=VALUED))
        .mark_geoshape(stroke="white", strokeWidth=0.4)
        .encode(
            color=alt.Color(f"properties.{value}:Q", title=value_title, scale=alt.Scale(scheme=scheme)),
            tooltip=tips,
        )
    )
    layers = [sphere, graticule, land, shapes]
    flagged = [f for f in valued if flag and f["properties"].get(flag) is True]
    if flagged:
        for f in flagged:
            f["properties"]["flag_label"] = flag_title
        layers.append(
            alt.Chart(alt.Data(name=FLAGGED))
            .mark_geoshape(filled=False, strokeWidth=0.9, strokeDash=[2, 2])
            .encode(stroke=alt.Stroke("properties.flag_label:N", title=i18n.gettext("flag"),
                                      scale=alt.Scale(domain=[flag_title], range=["#374151"])), tooltip=tips)
        )
    chart = _project(alt.layer(*layers), fit)
    return _spec(chart, {COUNTRIES: _named_features(), VALUED: valued, FLAGGED: flagged})


FLAGGED = "glamkg-countries-flagged"


def extent(lat: pd.Series, lon: pd.Series, margin: float = 0.15) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) around the points, with a margin (a share of the span, at least 2°), or
    None when there are none."""
    lat, lon = lat.dropna().astype(float), lon.dropna().astype(float)
    if lat.empty:
        return None
    dx = max(2.0, margin * float(lon.max() - lon.min()))
    dy = max(2.0, margin * float(lat.max() - lat.min()))
    return (max(-180.0, float(lon.min()) - dx), max(-89.0, float(lat.min()) - dy),
            min(180.0, float(lon.max()) + dx), min(89.0, float(lat.max()) + dy))


def _project(chart: Any, fit: Sequence[float] | None) -> Any:
    """The equal-area projection, fitted to the ``fit`` box (west, south, east, north) when one is given, else
    to the whole sphere; zoomable and pannable in the browser (:func:`_zoomable`); marks outside the view are
    clipped."""
    for layer in chart.layer:
        layer.mark = alt.MarkDef(**{**_mark_dict(layer.mark), "clip": True})
    # the zoom layer's x/y scales would frame the view with Vega-Lite's cartesian box: the sphere is the frame
    # (and the map keeps its size: Altair moved it from the sphere's layer to the layered chart)
    size = {k: v for k in ("width", "height") if (v := getattr(chart, k, alt.Undefined)) is not alt.Undefined}
    chart = alt.layer(*chart.layer, _zoom_layer(), title=chart.title).properties(**size)
    chart = chart.configure_view(stroke=None)
    extent = alt.ExprRef(expr=ZOOM_EXTENT)
    if not fit:
        return chart.project(PROJECTION, extent=extent)
    w, s, e, n = fit
    box = {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[
        [w, s], [w, n], [e, n], [e, s], [w, s]]]}}
    return chart.project(PROJECTION, fit=box, extent=extent)


# Zooming a map in the browser. Vega-Lite zooms (wheel, pinch) and pans (drag) the x/y scales of a view
# with an interval selection bound to them ("bind": "scales"), and its projections have no such binding. So
# the map has one more layer, invisible, with x and y scales over [-1, 1] (the view's width and height) and that
# selection; the projection fits its box (the world, or the region zoomed to) into a rectangle that follows
# the scales: when the wheel makes the x domain [x0, x1], the map is k = 2 / (x1 - x0) times larger and the
# view's left edge shows what was at x0. Double-click goes back. Nothing but Vega's own expressions: it works
# in Streamlit's bundled Vega, offline, and in the PNG export (drawn unzoomed). Only Ctrl (Cmd on a Mac) + wheel
# zooms, and a touchpad's pinch (browsers send it as a wheel event with ctrlKey set): a plain wheel scrolls the
# page, so a long page or a phone never gets stuck over a map.
ZOOM_PARAM = "map_zoom"
ZOOM_EVENTS = "wheel![event.ctrlKey || event.metaKey]"
_K = "(2 / (domain('x')[1] - domain('x')[0]))"
_X0, _Y0 = "(1 + domain('x')[0])", "(1 + domain('y')[0])"
ZOOM_EXTENT = (f"[[-{_K} * width / 2 * {_X0}, -{_K} * height / 2 * {_Y0}], "
               f"[{_K} * (width - width / 2 * {_X0}), {_K} * (height - height / 2 * {_Y0})]]")


def _zoom_layer() -> alt.Chart:
    return (
        alt.Chart(alt.Data(values=[{"zoom_x": -1, "zoom_y": -1}, {"zoom_x": 1, "zoom_y": 1}]))
        .mark_point(opacity=0, size=0)
        .encode(x=alt.X("zoom_x:Q", axis=None, scale=alt.Scale(domain=[-1, 1], nice=False, zero=False)),
                y=alt.Y("zoom_y:Q", axis=None, scale=alt.Scale(domain=[-1, 1], nice=False, zero=False, reverse=True)))
        .add_params(alt.selection_interval(name=ZOOM_PARAM, bind="scales", zoom=ZOOM_EVENTS))
    )


def _mark_dict(mark: Any) -> dict[str, Any]:
    if isinstance(mark, str):
        return {"type": mark}
    d: dict[str, Any] = mark.to_dict() if hasattr(mark, "to_dict") else dict(mark)
    return d


def aggregate_points(
    points: pd.DataFrame, *, lat: str = "lat", lon: str = "lon", status: str = "status", max_rows: int = MAX_POINTS
) -> tuple[pd.DataFrame, float]:
    """Institutions -> at most ``max_rows`` rows ``lon, lat, status, count``: one per institution when few,
    else counted per grid cell of the smallest size (0.5, 1, 2, 5 or 10 degrees) that fits. Returns the
    rows and the cell size used (0.0 for individual points)."""
    df = points.dropna(subset=[lat, lon])
    if len(df) <= max_rows:
        out = pd.DataFrame(
            {"lon": df[lon].astype(float), "lat": df[lat].astype(float), "status": df[status], "count": 1}
        )
        return out.reset_index(drop=True), 0.0
    for cell in (0.5, 1.0, 2.0, 5.0, 10.0, 30.0):
        gx = (df[lon].astype(float) // cell) * cell + cell / 2
        gy = (df[lat].astype(float) // cell) * cell + cell / 2
        grouped = (
            pd.DataFrame({"lon": gx, "lat": gy, "status": df[status]})
            .groupby(["lon", "lat", "status"], observed=True)
            .size()
            .rename("count")
            .reset_index()
        )
        if len(grouped) <= max_rows or cell == 30.0:
            return grouped, cell
    raise AssertionError("unreachable")


def point_map(
    points: pd.DataFrame,
    *,
    title: str,
    cell: float = 0.0,
    colours: Mapping[str, str] = PARTNERED_COLOURS,
    width: int | str = "container",
    height: int = 420,
    fit: Sequence[float] | None = None,
) -> dict[str, Any]:
    """Countries as a grey base map and ``points`` (``lon, lat, status, count``, from
    :func:`aggregate_points`) as circles coloured by status and sized by count (a Vega-Lite spec).

    Drawn so that no group hides another: in a cell the bigger circle below the smaller, and between single
    institutions at one place the statuses in the order of ``colours``, the last on top (``not partnered``,
    the majority almost everywhere, is not hidden under the partnered few). ``fit``: the box to zoom to."""
    rank = {k: i for i, k in enumerate(colours)}
    points = points.assign(z=0)
    if len(points):
        order = points.assign(_r=points["status"].map(rank).fillna(len(rank)))
        order = order.sort_values(["count", "_r"], ascending=[False, True], kind="stable")
        points = points.assign(z=pd.Series(range(len(order)), index=order.index))
    sphere, graticule = _base(title, width, height)
    land = _land(tooltip=[alt.Tooltip("properties.name:N", title=i18n.gettext("country"))])
    unit = (i18n.gettext("institutions (count)") if not cell
            else i18n.gettext("institutions (count per {cell}° cell)").format(cell=f"{cell:g}"))
    circles = (
        alt.Chart(points)
        .mark_circle(opacity=0.65, stroke="white", strokeWidth=0.3)
        .encode(
            longitude="lon:Q",
            latitude="lat:Q",
            color=alt.Color(
                "status:N",
                title=i18n.gettext("institution"),
                scale=alt.Scale(domain=list(colours), range=list(colours.values())),
            ),
            size=alt.Size("count:Q", title=unit, scale=alt.Scale(type="sqrt", range=[6, 320]))
            if cell
            else alt.value(14),
            order=alt.Order("z:Q", sort="ascending"),  # bigger below smaller; the last status on top
            tooltip=[
                alt.Tooltip("status:N", title=i18n.gettext("institution")),
                alt.Tooltip("count:Q", title=unit, format=","),
                alt.Tooltip("lat:Q", title=i18n.gettext("latitude (°)"), format=".1f"),
                alt.Tooltip("lon:Q", title=i18n.gettext("longitude (°)"), format=".1f"),
            ],
        )
    )
    chart = _project(alt.layer(sphere, graticule, land, circles), fit)
    return _spec(chart, {COUNTRIES: _named_features()})
