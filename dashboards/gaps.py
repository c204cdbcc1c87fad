"""Regional gaps: coverage with intervals, rates, representation index, small-number flags, Lorenz curve."""

import altair as alt
import streamlit as st

from kg.dashboard import data as dd
from kg.dashboard import history as hist
from kg.dashboard import ui
from kg.dashboard import views as dv
from kg.gaps import findings, notes
from kg.i18n import _

ctx = ui.context()
st.title(_("Regional gaps"))
ui.banner(ctx)
if ui.empty(ctx.view):
    st.stop()

a, b, c, d = st.columns(4)
level = a.selectbox(_("Level"), list(dv.LEVELS), format_func=ui.translated(dv.LEVELS), key="gaps_level",
                    index=list(dv.LEVELS).index(ui.scheme()))
baseline = b.selectbox(_("Baseline"), list(dv.BASELINES), format_func=ui.translated(dv.BASELINES),
                        key="gaps_baseline")
metric = c.selectbox(_("Metric"), list(dv.GAP_METRICS), format_func=ui.translated(dv.GAP_METRICS),
                      key="gaps_metric")
refs = dd.references(ctx.data, ctx.filters)
ref_key = d.selectbox(_("Index relative to"), list(refs), format_func=refs.get, key="gaps_reference",
                      help=_("The representation index compares each group with this reference group, never with "
                             "the filtered selection itself (which would always look like parity)."))

rep = dv.gap_report(ctx.view, by=level, baseline=baseline, metric=metric, evidence=ctx.filters.evidence or None,
                    reference=dd.reference(ctx.data, ctx.filters, ref_key))
stored = dv.gap_table(rep, metric=metric)  # the CSV keeps the stored values; charts and findings show names
table = stored.assign(group=stored["group"].map(dv.place_name), status=stored["status"].map(lambda v: _(str(v))),
                      caveats=stored["caveats"].map(notes.shown))
st.caption(_("Evidence counted: {kinds} (sidebar: Evidence; definitions: docs/evidence.md).").format(
    kinds=dv.evidence_counted(rep)))
st.caption(
    _("Baseline: {baseline}. Representation index = {metric} per unit of the baseline ÷ the same in "
      "**{reference}** (1 = parity with it). Coverage interval: 95 % Wilson. Rows flagged “small numbers” are "
      "too small to read much into.").format(baseline=_(dv.BASELINES[baseline]), metric=_(dv.GAP_METRICS[metric]),
                                              reference=refs[ref_key])
)

ri = f"ri_{metric}"
chart_rows = table[table["institutions"] > 0]
per, scale = (_("100 institutions"), 100.0) if baseline == "institutions" else (_("million inhabitants"), 1e6)
# explicit orders (a Vega-Lite sort by a field clashes between layers and falls back to alphabetical)
by_index = list(chart_rows.sort_values([ri, "group"], na_position="last")["group"])
bars = (
    alt.Chart(chart_rows, title=_("Representation index of {metric} by {level}").format(
        metric=_(dv.GAP_METRICS[metric]), level=_(dv.LEVELS[level])))
    .mark_bar()
    .encode(
        y=alt.Y("group:N", title=_(dv.LEVELS[level]), sort=by_index),
        x=alt.X(f"{ri}:Q", title=[_("representation index (1 = parity)"),
                                 _("{metric} per {baseline} ÷ the same in").format(  # short: a phone's width
                                     metric=_(dv.GAP_METRICS[metric]), baseline=_(baseline)),
                                 refs[ref_key]]),
        color=alt.Color("status:N", title=_("status"), scale=alt.Scale(  # translated values
            domain=[_(s) for s in dv.STATUSES], range=["#d55e00", "#8c8c8c", "#0072b2", "#d1d5db"])),
        tooltip=[alt.Tooltip("group:N", title=_("group")),
                 alt.Tooltip(f"{ri}:Q", format=".2f", title=_("representation index")),
                 alt.Tooltip("status:N", title=_("status")), alt.Tooltip("caveats:N", title=_("caveats"))],
    )
)
parity = alt.Chart().mark_rule(color="black", strokeDash=[4, 3]).encode(x=alt.datum(1))
ui.chart(alt.layer(bars, parity, data=chart_rows))
rate = scale * rep.rates[1 if metric == "contributions" else 0]
st.markdown("**" + findings.representation(table, metric=metric, rate=rate, per=per, reference=refs[ref_key]) + "**")

by_coverage = list(chart_rows.sort_values(["coverage_pct", "group"], ascending=[False, True])["group"])
dots = alt.Chart(chart_rows, title=_("Coverage: share of institutions with a partnership (95 % Wilson interval)"))
ui.chart(
    alt.layer(
        dots.mark_rule().encode(
            y=alt.Y("group:N", title=_(dv.LEVELS[level]), sort=by_coverage),
            x=alt.X("coverage_low_pct:Q", title=_("coverage (% of institutions)")),
            x2="coverage_high_pct:Q",
        ),
        dots.mark_point(filled=True, size=60).encode(
            y=alt.Y("group:N", sort=by_coverage), x="coverage_pct:Q",
            tooltip=[alt.Tooltip("group:N", title=_("group")),
                     alt.Tooltip("coverage_pct:Q", format=".1f", title=_("coverage (%)")),
                     alt.Tooltip("institutions:Q", format=",", title=_("institutions"))],
        ),
    )
)
st.markdown("**" + findings.coverage(table) + "**")

st.subheader(_("Ranked table"))
ui.table(stored, f"gaps by {level}", column_config=ui.readable(stored, dv.GAP_HEADERS, dv.GAP_DECIMALS),
         label=_("gaps by {level}").format(level=_(dv.LEVELS[level])))

st.subheader(_("Inequality across countries"))
lorenz, gini = dv.lorenz(rep, metric=metric)
if lorenz.empty:
    st.info(_("Not enough countries with a baseline figure to draw a Lorenz curve."))
else:
    st.metric(_("Gini of {metric} against {baseline}").format(metric=_(dv.GAP_METRICS[metric]),
                                                             baseline=_(dv.BASELINES[baseline])),
              ui.number(gini, "0.000"),
              help=_("0 = every country in line with its baseline, 1 = everything in one country"))
    st.markdown("**" + findings.inequality(gini, metric=metric, baseline=baseline) + "**")
    names = {"metric": _(dv.GAP_METRICS[metric]), "baseline": _(dv.BASELINES[baseline])}
    curve = alt.Chart(lorenz, title=_("Lorenz curve: {metric} against {baseline} across countries").format(
        **names)).mark_line(point=False).encode(
        x=alt.X("baseline_share:Q", title=_("cumulative share of {baseline} (%)").format(**names)),
        y=alt.Y("metric_share:Q", title=_("cumulative share of {metric} (%)").format(**names)),
        tooltip=[alt.Tooltip("country:N", title=_("Country")),
                 alt.Tooltip("baseline_share:Q", format=".1f", title=_("cumulative share of {baseline} (%)").format(
                     **names)),
                 alt.Tooltip("metric_share:Q", format=".1f", title=_("cumulative share of {metric} (%)").format(
                     **names))],
    )
    diagonal = alt.Chart(lorenz).mark_line(color="#9ca3af", strokeDash=[4, 3]).encode(
        x="baseline_share:Q", y="baseline_share:Q")
    ui.chart(alt.layer(diagonal, curve).properties(height=380))
    ui.table(rep.inequality, "inequality measures", label=_("inequality measures"))
if rep.warnings:
    with st.expander(_("Notes on the data ({n})").format(n=len(rep.warnings))):
        st.markdown("\n".join(f"- {notes.shown(w)}" for w in rep.warnings))

hist.change_section(ctx, level, baseline)
