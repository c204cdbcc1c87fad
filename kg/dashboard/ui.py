"""Streamlit pieces every dashboard page shares: the store, the sidebar filters (kept in the URL), banners,
download buttons and chart defaults. Pages in ``dashboards/`` stay short top-to-bottom scripts::

    ctx = ui.context()            # the cached dataset, the filters, the filtered dataset
    ui.table(df, "institutions")  # a table with its download button
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from kg import config
from kg.dashboard import data as dd
from kg.errors import GlamkgError
from kg.i18n import N_, _

# URL query parameter -> session-state key of the sidebar widget.
PARAMS = {"scheme": "f_scheme", "region": "f_region", "country": "f_country", "type": "f_type", "ptype": "f_ptype",
          "years": "f_years", "evidence": "f_evidence"}


@dataclass
class Context:
    data: dd.Dataset  # everything in the store
    filters: dd.Filters
    view: dd.Dataset  # the filtered dataset the pages show


def store_option() -> str | None:
    """The store path given to the app (``streamlit run app.py -- --store PATH``), else None (then
    ``$GLAMKG_STORE`` or ``./glamkg-data``)."""
    import sys

    args = sys.argv[1:]
    for i, a in enumerate(args):
        if a == "--store" and i + 1 < len(args):
            return args[i + 1]
        if a.startswith("--store="):
            return a.split("=", 1)[1]
    return config.setting("store")


def error(e: object) -> None:
    """An error whose text may come from outside (a remote server's answer, a user's query): shown as plain
    text, never as Markdown (no links or images from someone else's server on the page)."""
    st.error(_("Something went wrong; the message follows (as plain text)."), icon=":material/error:")
    st.code(str(e), language=None, wrap_lines=True)


def load() -> dd.Dataset:
    """The cached dataset, or an error box and a stop when the store cannot be read."""
    try:
        return dd.load(store_option())
    except GlamkgError as e:
        error(e)
        st.stop()
        raise  # st.stop raises; this line is for type checkers


def _scheme_from_url(data: dd.Dataset, unknown: list[str]) -> str:
    """The region scheme of the link: ``scheme=``; without one, Wikimedia's regions, unless every region the
    link names belongs to another scheme (a link made before schemes existed names UN M49 regions)."""
    given = st.query_params.get("scheme")
    if given in dd.SCHEMES:
        return str(given)
    if given:
        unknown.append(f"scheme={given} (" + _("expected one of {valid}; showing {shown}").format(
            valid=", ".join(dd.SCHEMES), shown=_(dd.SCHEMES[dd.DEFAULT_SCHEME])) + ")")
    named = st.query_params.get_all("region")
    if named and not set(named) <= set(dd.options(data, dd.DEFAULT_SCHEME)["regions"]):
        for name in dd.SCHEMES:
            if set(named) <= set(dd.options(data, name)["regions"]):
                return name
    return dd.DEFAULT_SCHEME


def scheme() -> str:
    """The region scheme chosen in the sidebar (the default level of the pages' region charts)."""
    value = st.session_state.get("f_scheme", dd.DEFAULT_SCHEME)
    return value if value in dd.SCHEMES else dd.DEFAULT_SCHEME


def _init_from_url(data: dd.Dataset) -> None:
    """On a session's first run, the sidebar starts from the URL's query string."""
    if st.session_state.get("_filters_from_url"):
        return
    qp = st.query_params
    unknown: list[str] = []
    st.session_state["f_scheme"] = _scheme_from_url(data, unknown)
    opts = dd.options(data, st.session_state["f_scheme"])
    for key, state, known in (("region", "f_region", opts["regions"]), ("country", "f_country", opts["countries"]),
                              ("type", "f_type", opts["types"]), ("ptype", "f_ptype", opts["partnership_types"]),
                              ("evidence", "f_evidence", opts["evidence"])):
        given = qp.get_all(key)
        st.session_state[state] = [v for v in given if v in known]
        unknown += [f"{key}={v} ({valid_values(v, known)})" for v in given if v not in known]
    span = opts["years"]
    years = tuple(span) if span else None
    raw = qp.get("years")
    if raw and span:
        try:
            lo, hi = sorted(int(x) for x in raw.split("-", 1))
            if hi < span[0] or lo > span[1]:
                unknown.append(f"years={raw} (" + _("the data has {first}-{last}; showing all years").format(
                    first=span[0], last=span[1]) + ")")
            else:
                years = (max(span[0], lo), min(span[1], hi))
        except ValueError:
            unknown.append(f"years={raw} (" + _("expected two years like {first}-{last}").format(
                first=span[0], last=span[1]) + ")")
    if years:
        st.session_state["f_years"] = years
    if unknown:
        st.session_state["_url_warnings"] = unknown
    st.session_state["_filters_from_url"] = True


def valid_values(given: str, known: Sequence[str], shown: int = 12) -> str:
    """What a mistyped filter value could have been: the closest valid values, then the valid values
    (at most ``shown`` of them)."""
    import difflib

    close = difflib.get_close_matches(given, list(known), n=3, cutoff=0.7)
    close += [k for k in known if k.lower() == given.lower() and k not in close]
    more = _(", … ({n} in all: see the sidebar)").format(n=len(known)) if len(known) > shown else ""
    listed = ", ".join(known[:shown]) + more
    head = _("did you mean {values}? ").format(values=_(" or ").join(close)) if close else ""
    return head + _("valid: {values}").format(values=listed) if known else _("the data has none")


def _write_url(f: dd.Filters) -> None:
    values: dict[str, Any] = {
        "scheme": f.scheme if f.scheme != dd.DEFAULT_SCHEME else "",
        "region": list(f.regions),
        "country": list(f.countries),
        "type": list(f.types),
        "ptype": list(f.partnership_types),
        "evidence": list(f.evidence),
        "years": f"{f.years[0]}-{f.years[1]}" if f.years else "",
    }
    for key, value in values.items():
        if value:
            if st.query_params.get_all(key) != (value if isinstance(value, list) else [value]):
                st.query_params[key] = value
        elif key in st.query_params:
            del st.query_params[key]


def sidebar(data: dd.Dataset) -> dd.Filters:
    """Draw the shared filters in the sidebar; keep them in the URL; return them."""
    _init_from_url(data)
    sb = st.sidebar
    sb.header(_("Filters"))
    schemes = {k: _(v) for k, v in dd.SCHEMES.items()}  # translated now, in the script's run (and language)
    sb.selectbox(_("Region scheme"), list(schemes), format_func=schemes.__getitem__, key="f_scheme",
                 help=_("How countries are grouped into regions on every page: Wikimedia's eight movement regions, "
                        "UN M49 regions or continents."))
    opts = dd.options(data, scheme())
    names = dict(zip(opts["countries"], opts["country_names"], strict=True))
    chosen_regions = st.session_state.get("f_region", [])
    if any(r not in opts["regions"] for r in chosen_regions):  # the scheme changed: keep what still exists
        st.session_state["f_region"] = [r for r in chosen_regions if r in opts["regions"]]
    sb.multiselect(_("Region ({scheme})").format(scheme=schemes[scheme()]), opts["regions"], key="f_region",
                   placeholder=_("all regions"), format_func=translated(opts["regions"]))
    sb.multiselect(
        _("Country"), opts["countries"], key="f_country", format_func=lambda c: f"{names.get(c, c)} ({c})",
        placeholder=_("all countries"),
    )
    sb.multiselect(_("Institution type"), opts["types"], key="f_type", placeholder=_("all types"),
                   format_func=translated(opts["types"]))
    sb.multiselect(_("Partnership type"), opts["partnership_types"], key="f_ptype", placeholder=_("all types"),
                   format_func=translated(opts["partnership_types"]))
    evidence_labels = {k: dd.evidence_label(k) for k in opts["evidence"]}  # in this run's language (AppTest calls
    sb.multiselect(                                                        # format_func outside the run)
        _("Evidence"), opts["evidence"], key="f_evidence", format_func=lambda k: evidence_labels.get(k, str(k)),
        placeholder=_("every kind"),
        help=_("Which kinds of evidence count as partnerships (docs/evidence.md): dated Wikimedian-in-residence and "
               "recorded partnerships, undated Commons pages and categories."),
    )
    years = None
    span = opts["years"]
    if span and span[0] < span[1]:
        if "f_years" not in st.session_state:
            st.session_state["f_years"] = tuple(span)
        chosen = sb.slider(_("Years (partnerships active, contributions made)"), span[0], span[1], key="f_years")
        if tuple(chosen) != tuple(span):
            years = (int(chosen[0]), int(chosen[1]))
    f = dd.as_filters(
        st.session_state.get("f_region", []),
        st.session_state.get("f_country", []),
        st.session_state.get("f_type", []),
        st.session_state.get("f_ptype", []),
        years,
        st.session_state.get("f_evidence", []),
        scheme(),
    )
    _write_url(f)
    sb.caption(_("The filters are part of the page's address: copy it to share this view."))
    return f


def context() -> Context:
    """The dataset and the filters as the sidebar set them (app.py draws the sidebar first); kept for the
    page's run, so that :func:`table` can say where its download came from."""
    from kg.dashboard import i18n

    data = i18n.localised(load())
    f = st.session_state.get("_filters")
    if not isinstance(f, dd.Filters):
        f = dd.Filters()
    ctx = Context(data=data, filters=f, view=dd.apply(data, f))
    st.session_state["_context"] = ctx
    st.session_state["_png_keys"] = set()  # the PNG buttons' keys of this run (png_button)
    return ctx


def banner(ctx: Context) -> None:
    """A warning on synthetic demo data and a note on active filters."""
    meta = ctx.data.meta
    if is_synthetic(meta):
        label = str(meta_value(meta, "label", "dataset") or "glamkg demo data")
        st.warning(_("**Synthetic demo data**: made-up institutions and partnerships, not real figures ({label}).")
                   .format(label=label))
    if ctx.filters.active():
        st.caption(_("Filtered: {filters}").format(filters=ctx.filters.describe()))
    ignored = st.session_state.get("_url_warnings")
    if ignored:
        st.warning(_("Ignored in the link (no such value in the data), so this page shows more than the link asked "
                     "for: {values}. Pick values in the sidebar.").format(values="; ".join(f"`{v}`" for v in ignored)))


def meta_value(meta: dict[str, Any], *keys: str) -> Any:
    for k in keys:
        for variant in (k, k.replace("_", "-"), k.replace("-", "_")):
            if meta.get(variant) not in (None, ""):
                return meta[variant]
    return None


def is_synthetic(meta: dict[str, Any]) -> bool:
    v = meta_value(meta, "synthetic")
    return v is True or str(v).lower() in ("true", "1", "yes")


def table(df: pd.DataFrame, name: str, *, key: str | None = None, label: str | None = None, static: bool = False,
          **kwargs: Any) -> None:
    """A dataframe with a CSV download button under it, and beside it the CSV's provenance (the queries that
    read the dashboard's tables, when, from which store or endpoint, the filters: :func:`dd.table_provenance`).
    ``name`` names the files (stable English); ``label`` is the buttons' name in the page's language. Column
    headers are shown in the page's language (:data:`kg.dashboard.views.HEADERS`); the CSV keeps the column names.
    ``static``: a plain table (:func:`static_table`) instead of the interactive grid, for a few rows: a page with no
    other grid then does not load the grid's scripts (about 1.2 MB; the overview opens faster)."""
    from kg.dashboard import views

    headers = {col: views.header(str(col)) for col in df.columns}
    config = {col: st.column_config.Column(h) for col, h in headers.items() if h}
    config.update(kwargs.pop("column_config", None) or {})
    if static:
        st.table(static_table(views.named_values(df), headers), hide_index=True)
    else:
        st.dataframe(views.named_values(df), hide_index=True, width="stretch", column_config=config, **kwargs)
    from kg import i18n

    label = label if label and i18n.current() != i18n.DEFAULT else name  # English: the name, as the files are
    key = key or f"dl-{slug(name)}"
    left, right = st.columns(2)
    ctx = st.session_state.get("_context")
    stamped = with_metadata(df, ctx) if isinstance(ctx, Context) else df
    left.download_button(
        _("Download {name} (CSV)").format(name=label), stamped.to_csv(index=False).encode("utf-8"),
        file_name=f"{slug(name)}.csv", mime="text/csv", key=key,
    )
    if isinstance(ctx, Context):
        from kg.query import provenance as pv

        prov = dd.table_provenance(ctx.data, name, ctx.filters, len(df))
        right.download_button(
            _("Provenance of {name} (JSON)").format(name=label), prov.to_json().encode("utf-8"),
            file_name=f"{slug(name)}.csv{pv.SIDECAR_SUFFIX}", mime="application/json", key=f"{key}-provenance",
        )


_MARKDOWN = re.compile(r"([\\`*_\[\]<>~|$])")  # what Markdown would format in a cell of st.table


def static_table(df: pd.DataFrame, headers: Mapping[Any, str | None]) -> pd.DataFrame:
    """``df`` as :func:`st.table` shows it: headers in the page's language, numbers as the language writes them
    (:func:`number`), text with the characters Markdown would format escaped (``st.table`` reads its cells as
    Markdown: a ``_`` in a path would start italics), missing values empty."""
    out = {}
    for col in df.columns:
        values = df[col]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            shown = values.map(lambda v: "" if pd.isna(v) else number(v))
        else:
            shown = values.map(lambda v: "" if v is None or (isinstance(v, float) and v != v)
                               else _MARKDOWN.sub(r"\\\1", str(v)))
        out[headers.get(col) or str(col)] = shown.astype(object)
    return pd.DataFrame(out, index=df.index)


# Columns every CSV download of a page's table ends with (the same value on every row, as ``glamkg gaps``
# writes its ``evidence`` column): the CSV says what it is wherever it travels.
METADATA_COLUMNS = ("data_label", "data_source", "data_filters", "data_read_at", "downloaded_at")


def metadata(ctx: Context) -> dict[str, str]:
    """What a download or a chart must carry: the dataset's label (synthetic or not), its source (store or
    endpoint and generation), the sidebar's filters, when the data was read and when it was shown."""
    from kg.query.provenance import now

    meta = ctx.data.meta
    label = str(meta_value(meta, "label", "dataset") or _("(no dataset label)"))
    if is_synthetic(meta):
        if "synthetic" not in label.lower():
            label = _("SYNTHETIC demo data, not real figures: {label}").format(label=label)
        elif "not real" not in label.lower():
            label = _("{label} (not real figures)").format(label=label)
    source = (_("{path} (store generation {generation})").format(path=ctx.data.path, generation=ctx.data.generation)
              if ctx.data.generation else ctx.data.path)
    return {"data_label": label, "data_source": f"glamkg: {source}", "data_filters": ctx.filters.describe(),
            "data_read_at": ctx.data.read_at, "downloaded_at": now()}


def with_metadata(df: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """``df`` with the :data:`METADATA_COLUMNS` at its end."""
    return df.assign(**{k: v for k, v in metadata(ctx).items() if k not in df.columns})


def downloads(df: pd.DataFrame, name: str, provenance: Any = None) -> None:
    """CSV, JSON and Parquet download buttons side by side; with a :class:`kg.query.provenance.Provenance`,
    the JSON is ``{"provenance", "rows"}``, the Parquet carries it in its metadata, and a fourth button gives
    it as a file of its own (for the CSV)."""
    from kg.query import provenance as pv

    cols = st.columns(4 if provenance is not None else 3)
    base = slug(name)
    csv = df
    if provenance is not None:  # the CSV says which query, where, when (and, on the store, which data)
        ctx = st.session_state.get("_context")
        label = metadata(ctx)["data_label"] if isinstance(ctx, Context) else ""
        csv = df.assign(**{k: v for k, v in {
            "data_label": label if provenance.endpoint == "local store" else "",
            "query_name": provenance.name, "query_endpoint": provenance.endpoint,
            "query_parameters": "; ".join(f"{k}={v}" for k, v in provenance.parameters.items()),
            "query_ran_at": provenance.ran_at}.items() if k not in df.columns})
    cols[0].download_button("CSV", csv.to_csv(index=False).encode("utf-8"), f"{base}.csv", "text/csv",
                            key=f"csv-{base}")
    if provenance is not None:
        as_json = pv.json_document(df, provenance).encode("utf-8")
        as_parquet = pv.parquet_bytes(parquet_ready(df), provenance)
    else:
        as_json = df.to_json(orient="records", date_format="iso", force_ascii=False).encode("utf-8")
        buf = io.BytesIO()
        parquet_ready(df).to_parquet(buf, index=False)
        as_parquet = buf.getvalue()
    cols[1].download_button("JSON", as_json, f"{base}.json", "application/json", key=f"json-{base}")
    cols[2].download_button("Parquet", as_parquet, f"{base}.parquet", "application/vnd.apache.parquet",
                            key=f"parquet-{base}")
    if provenance is not None:
        cols[3].download_button(_("Provenance"), provenance.to_json().encode("utf-8"),
                                f"{base}.csv{pv.SIDECAR_SUFFIX}", "application/json", key=f"prov-{base}")


def parquet_ready(df: pd.DataFrame) -> pd.DataFrame:
    """Object columns holding mixed Python values become strings so pyarrow can write them."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(lambda v: v if v is None or isinstance(v, str) else json.dumps(v, default=str))
    return out


def slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-") or "table"


# Text on charts: Streamlit's theme draws axis labels at 3.7:1 against white; these reach WCAG AA (4.5:1).
TEXT = "#31333f"  # 12.6:1 on white
MUTED = "#4b5563"  # 7.6:1 on white
ACCESSIBLE_CONFIG = {
    "axis": {"labelColor": TEXT, "titleColor": TEXT, "labelLimit": 160, "titleLimit": 320},
    "legend": {"labelColor": TEXT, "titleColor": TEXT, "orient": "bottom", "direction": "horizontal",
               "columns": 2, "labelLimit": 160},  # below the chart: a phone keeps the plot's width
    "title": {"color": TEXT, "subtitleColor": MUTED, "anchor": "start"},
    "header": {"labelColor": TEXT, "titleColor": TEXT},
}


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        else:
            into.setdefault(k, v)
    return into


def stamp(spec: dict[str, Any], lines: Sequence[str]) -> dict[str, Any]:
    """The spec with ``lines`` as its title's subtitle (the title moved up from a layer when it sits there)
    and :data:`ACCESSIBLE_CONFIG` under the spec's own config."""
    title = spec.get("title")
    if title is None:
        for unit in spec.get("layer", []):
            if isinstance(unit, dict) and unit.get("title") is not None:
                title = unit.pop("title")
                break
    if title is not None:
        text = title.get("text", "") if isinstance(title, dict) else title
        spec["title"] = {**(title if isinstance(title, dict) else {}), "text": text, "subtitle": list(lines)}
    spec["config"] = _merge(spec.get("config") or {}, json.loads(json.dumps(ACCESSIBLE_CONFIG)))
    return spec


def chart_lines(ctx: Context) -> list[str]:
    """The subtitle of every chart: what the data is and where it came from, the filters, when."""
    m = metadata(ctx)
    where = Path(ctx.data.path).name if not ctx.data.path.startswith(("http://", "https://")) else ctx.data.path
    if ctx.data.generation:
        source = _("source: glamkg store “{where}” (generation {generation}), read {read_at}").format(
            where=where, generation=ctx.data.generation, read_at=m["data_read_at"])
    else:
        source = _("source: glamkg store “{where}”, read {read_at}").format(where=where, read_at=m["data_read_at"])
    return [m["data_label"], source, _("filters: {filters}").format(filters=m["data_filters"])]


def chart(c: Any) -> None:
    """An Altair chart, or a Vega-Lite spec (the world maps of kg.dashboard.worldmap), at full width, with the
    dataset's label, source, filters and date under its title (an image saved from the chart keeps them)."""
    if isinstance(c, dict):
        spec = c
    else:
        with alt.data_transformers.disable_max_rows():  # Altair's 5,000-row guard: the data is ours and bounded
            spec = c.to_dict()
    ctx = st.session_state.get("_context")
    lines = chart_lines(ctx) if isinstance(ctx, Context) else []
    spec = stamp(spec, lines)
    st.vega_lite_chart(spec=spec, width="stretch")
    png_button(spec, lines)


LRI, PDI = "\u2066", "\u2069"  # Unicode's left-to-right isolate: a date inside a right-to-left line keeps its order


def png_button(spec: dict[str, Any], lines: Sequence[str]) -> None:
    """A "Chart image (PNG)" button under a chart: the chart drawn on the server (:mod:`kg.dashboard.image`) with
    its title, the dataset's label, source, filters and date, and the time it was made. Drawn only when
    clicked (the button's data is a callable: a page run costs nothing more), and clicking does not rerun the
    page."""
    import kg
    from kg import i18n
    from kg.dashboard import image
    from kg.query.provenance import now

    title = spec.get("title")
    text = str((title.get("text") if isinstance(title, dict) else title) or _("chart"))
    made = _("image made {time} with glamkg {version}")  # translated now, in the page's language
    iso = (LRI, PDI) if i18n.direction() == "rtl" else ("", "")

    def draw() -> bytes:  # on the click, in another thread: no Streamlit calls, the spec as the page drew it
        return image.png(image.export_spec(spec, lines, title=text,
                                           made=made.format(time=f"{iso[0]}{now()}{iso[1]}", version=kg.__version__)))

    key = f"png-{slug(text)[:60]}"
    used = st.session_state.setdefault("_png_keys", set())  # this run's PNG keys (emptied by context())
    n = 1
    while (key if n == 1 else f"{key}-{n}") in used:  # two charts with one title on a page
        n += 1
    used.add(key if n == 1 else f"{key}-{n}")
    st.download_button(_("Chart image (PNG)"), draw, file_name=f"{slug(text)[:80]}.png", mime="image/png",
                       key=key if n == 1 else f"{key}-{n}", on_click="ignore", icon=":material/image:",
                       help=_("The chart as an image, with its title, the data's label, source, filters and date "
                              "drawn in."))


def readable(df: pd.DataFrame, headers: dict[str, str], decimals: dict[str, int]) -> dict[str, Any]:
    """A ``column_config`` for :func:`table`: readable headers and numbers rounded for reading (the CSV keeps
    the column names and every digit)."""
    from kg.dashboard import views

    config: dict[str, Any] = {}
    for col in df.columns:
        label = _(headers[col]) if col in headers else col.replace("_", " ")
        label = label if col in headers else (views.header(col) or label)
        if col in decimals:
            config[col] = st.column_config.NumberColumn(label, format=f"%.{decimals[col]}f" if decimals[col] else
                                                        "localized")
        elif col in headers:
            config[col] = st.column_config.Column(label)
    return config


def translated(names: Mapping[str, str] | Iterable[str]) -> Callable[[Any], str]:
    """A widget's ``format_func`` that shows each option (a key of ``names``: its value; else the option
    itself) in the page's language, translated now, in the script's run (docs/translating.md)."""
    table = {k: _(v) for k, v in names.items()} if isinstance(names, Mapping) else {k: _(k) for k in names if k}
    return lambda k: table.get(k, str(k))


def number(x: float, pattern: str | None = None) -> str:
    """A number as the page's language writes it (:func:`kg.i18n.number`: ``12,345`` in English, ``12 345`` in
    French, ``12.345`` in Spanish); ``pattern`` a Babel pattern such as ``0.00``."""
    from kg import i18n

    return i18n.number(x, pattern)


def percent(x: float) -> str:
    return "–" if x != x else number(100 * x, "0.0") + " %"


EMPTY_NAMES = (N_("institutions"), N_("partnerships"))  # the tables :func:`empty` names


def empty(view: dd.Dataset, what: Sequence[str] = ("institutions",)) -> bool:
    """Stop the page with an info box when the filters leave nothing to show."""
    for name in what:
        if getattr(view, name).empty:
            st.info(_("No {name} match the filters. Widen the filters in the sidebar.").format(name=_(name)))
            return True
    return False


def param_widgets(query: Any) -> dict[str, str]:
    """One typed widget per parameter of a saved query; values as the text ``kg.query`` validates."""
    from kg.model import regions
    values: dict[str, str] = {}
    if not query.params:
        return values
    cols = st.columns(min(3, len(query.params)))
    codes = sorted(regions.countries()["iso2"])
    for i, p in enumerate(query.params):
        col = cols[i % len(cols)]
        key = f"qp-{query.name}-{p.name}"
        label = f"{p.name} ({p.type})"
        default = p.default.strip('"') if p.default else ""
        if p.type == "country":
            opts = ["", *codes]
            v = col.selectbox(label, opts, index=opts.index(default) if default in opts else 0, key=key, help=p.help,
                              format_func=translated({"": N_("(any)")}))
        elif p.type == "countries":
            pre = [c for c in default.split(",") if c in codes]
            v = ",".join(col.multiselect(label, codes, default=pre, key=key, help=p.help))
        elif p.type == "region":
            opts = ["", *sorted(set(regions.countries()["region"]) - {""})]
            v = col.selectbox(label, opts, index=opts.index(default) if default in opts else 0, key=key, help=p.help,
                              format_func=translated({"": N_("(any)"), **{r: r for r in opts[1:]}}))
        elif p.type in ("year", "integer"):
            num = col.number_input(label, value=int(default) if default.lstrip("-").isdigit() else None, step=1,
                                   key=key, help=p.help)
            v = "" if num is None else str(int(num))
        else:  # item, language, string: text, validated by kg.query
            v = col.text_input(label, value=default, key=key, help=p.help)
        values[p.name] = v
    return values


def query_chart(query: Any, df: pd.DataFrame) -> alt.TopLevelMixin | dict[str, Any] | None:
    """The saved query's preferred view (bar, line, map) of its result, or None for tables."""
    from kg.dashboard import worldmap
    if df.empty or query.view == "table":
        return None
    numeric = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c]) and not c.endswith(("_lon", "_lat"))]
    text = [c for c in df.columns if c not in numeric and not c.endswith(("_lon", "_lat", "_lang"))]
    title = query.title
    if query.view == "map":
        lons = [c for c in df.columns if c.endswith("_lon")]
        if not lons:
            return None
        base = lons[0][: -len("_lon")]
        place = _("place")  # the legend's one entry: each point is a row's place (an institution, a partner...)
        pts = pd.DataFrame({"lon": df[f"{base}_lon"], "lat": df[f"{base}_lat"], "status": place})
        agg, cell = worldmap.aggregate_points(pts)
        return worldmap.point_map(agg, title=title, cell=cell, colours={place: "#2563eb"})
    if not numeric or not text:
        return None
    y = numeric[0]
    # TRANSLATORS: {column} is a column of the query's answer, as the query names it
    y_title = _("{column} (count)").format(column=y)
    labels = [c for c in text if c.endswith("Label")]
    if query.view == "line":
        xcol = next((c for c in df.columns if "year" in c.lower()), text[0])
        enc_x = alt.X(f"{xcol}:O", title=xcol)
        colour = [alt.Color(f"{labels[0] if labels else text[-1]}:N")] if len(text) > 1 else []
        return alt.Chart(df, title=title).mark_line(point=True).encode(enc_x, alt.Y(f"{y}:Q", title=y_title),
                                                                       *colour)
    cat = labels[0] if labels else text[0]
    top = df.nlargest(40, y)
    return (
        alt.Chart(top, title=_("{title} (top {n})").format(title=title, n=40) if len(df) > 40 else title)
        .mark_bar()
        .encode(y=alt.Y(f"{cat}:N", sort="-x", title=cat), x=alt.X(f"{y}:Q", title=y_title),
                tooltip=[cat, alt.Tooltip(f"{y}:Q", format=",")])
    )
