"""Partners to call: institutions with no partnership, ranked, with the nearest affiliates and residencies and
similar institutions' partnerships as case studies."""

import altair as alt
import streamlit as st

from kg.dashboard import partners as pv
from kg.dashboard import ui
from kg.i18n import _

ctx = ui.context()
st.title(_("Partners to call"))
ui.banner(ctx)
st.caption(
    _("Institutions of the sidebar's region or country that take part in no partnership in the store, and beside "
      "each the Wikimedia affiliates and Wikimedian-in-residence programmes nearest to it (its country first, then "
      "by distance) and the partnerships of institutions of the same type in the same country, as case studies.")
)
if ui.empty(ctx.view):
    st.stop()

countries = ctx.view.institutions.drop_duplicates("iso2")
countries = countries[countries["iso2"] != ""].sort_values("country_name")
names = dict(zip(countries["iso2"], countries["country_name"], strict=True))
a, b, c = st.columns(3)
country = a.selectbox(_("Country"), ["", *names], key="partners_country",
                      format_func={"": _("every country of the selection"),
                                   **{k: f"{names[k]} ({k})" for k in names}}.__getitem__)
rankings = {"size-aware": _("size-aware"), "largest first": _("largest first")}
ranking = b.radio(_("Ranking"), list(rankings), format_func=rankings.__getitem__, key="partners_ranking",
                  horizontal=True,
                  help=_("size-aware: small, medium, large and unknown-size institutions take turns, so small "
                         "institutions are not drowned by the big ones"))
limit = int(c.number_input(_("Rows"), min_value=10, max_value=2000, value=100, step=10, key="partners_limit"))

bands = pv.band_counts(ctx.data, ctx.view, country)
band_names = {b: _(b) for b in pv.BANDS}
ui.chart(
    alt.Chart(bands.assign(size_band=bands["size_band"].map(lambda b: band_names.get(b, b))),
              title=_("Institutions without a partnership, by size band (staff, else collection size)"))
    .mark_bar()
    .encode(
        y=alt.Y("size_band:N", title=_("size band"), sort=list(band_names.values())),
        x=alt.X("unpartnered:Q", title=_("institutions without a partnership (count)")),
        tooltip=[alt.Tooltip("size_band:N", title=_("size band")),
                 alt.Tooltip("unpartnered:Q", format=",", title=_("institutions without a partnership (count)")),
                 alt.Tooltip("institutions:Q", format=",", title=_("institutions (count)")),
                 alt.Tooltip("unpartnered_pct:Q", format=".1f", title=_("% without a partnership"))],
    )
)
ui.table(bands, f"size bands {country or 'selection'}", key="dl-partners-bands", label=_("size bands"))
chosen = st.multiselect(_("Size bands"), list(pv.BANDS), key="partners_bands", placeholder=_("every size band"),
                        format_func=ui.translated(pv.BANDS))
table, total = pv.partners_to_call(ctx.data, ctx.view, country=country, size_aware=ranking == "size-aware",
                                   bands=tuple(chosen), limit=limit)
where = f"{names[country]}" if country else _("the selection")
st.metric(_("Institutions without a partnership in {where}").format(where=where), ui.number(total))
if table.empty:
    st.info(_("Every institution here already takes part in a partnership."))
    st.stop()
ui.table(table, f"partners to call {country or 'selection'}", key="dl-partners-to-call", label=_("partners to call"),
         column_config={"link": st.column_config.LinkColumn(_("link"))})
