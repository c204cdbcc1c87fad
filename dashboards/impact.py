"""Impact: the impact tools' measures (files used, articles, ...) by region, country or institution."""

import altair as alt
import streamlit as st

from kg.dashboard import ui
from kg.dashboard import views as dv
from kg.i18n import _
from kg.model.measures import measures

ctx = ui.context()
st.title(_("Impact"))
ui.banner(ctx)
spec = measures()
if ctx.view.measures.empty:
    st.info(
        _("No impact measures in the store (or none match the filters). Import a report: "
          "`glamkg import impact FILE` (GLAMorous key figures, Commons Impact Metrics).")
    )
    st.stop()

level = st.selectbox(_("Group by"), list(dv.IMPACT_LEVELS), format_func=ui.translated(dv.IMPACT_LEVELS),
                     key="impact_level", index=list(dv.IMPACT_LEVELS).index(ui.scheme()))
stored, dates = dv.impact(ctx.view, by=level)  # the CSV keeps the stored values; the chart shows names
table = stored.assign(group=stored["group"].map(dv.place_name)) if level not in ("country", "institution") else stored
st.caption(
    _("Report dates in the store: {dates}. Each institution's latest report is used; per institution = divided by "
      "all institutions of the group in the graph; per million = by the population (pypopulation, 2019) of the "
      "group's countries. Definitions: docs/metrics.md.").format(dates=", ".join(dates))
)
st.caption(
    _("Evidence kinds counted: {kinds} (the measures belong to the partnerships of kind impact report; sidebar: "
      "Evidence; definitions: docs/evidence.md).").format(kinds=dv.evidence_kinds(ctx.filters.evidence))
)
shown = [k for k in spec.measures if k in table.columns]
cols = st.columns(min(4, len(shown)) or 1)
for i, key in enumerate(shown[:4]):
    m = spec.measure(key)
    total = table[key].sum() if m.aggregate == "sum" else None
    cols[i % len(cols)].metric(_(m.label), ui.number(total, "#,##0") if total is not None else "–")
chosen = st.selectbox(_("Measure"), shown, format_func=ui.translated({k: spec.measure(k).label for k in shown}),
                      key="impact_measure")
per = {"": _("total")}
if spec.measure(chosen).aggregate == "sum":
    per.update({"_per_institution": _("per institution"), "_per_million": _("per million inhabitants")})
norm = st.radio(_("Shown"), list(per), format_func=lambda k: per[k], horizontal=True, key="impact_norm")
column = chosen + norm
if column in table.columns:
    top = table.dropna(subset=[column]).nlargest(30, column)
    unit = {"": _("count"), "_per_institution": _("count per institution"),
            "_per_million": _("count per million")}[norm]
    name = _(spec.measure(chosen).label)
    label = name if spec.measure(chosen).aggregate != "sum" else f"{name} ({unit})"
    ui.chart(
        alt.Chart(
            top, title=_("{measure}, {shown}, by {level} (latest reports)").format(
                measure=name, shown=per[norm], level=_(dv.IMPACT_LEVELS[level]))
        )
        .mark_bar()
        .encode(
            x=alt.X(f"{column}:Q", title=label),
            y=alt.Y("group:N", sort="-x", title=_(dv.IMPACT_LEVELS[level])),
            tooltip=[alt.Tooltip("group:N", title=_(dv.IMPACT_LEVELS[level])),
                     alt.Tooltip(f"{column}:Q", format=",.2f", title=label),
                     alt.Tooltip("report_dates:N", title=_("report dates"))],
        )
        .properties(height=max(120, 22 * len(top)))
    )
ui.table(stored, f"impact by {level}", label=_("impact by {level}").format(level=_(dv.IMPACT_LEVELS[level])))
